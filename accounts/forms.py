from allauth.account.forms import LoginForm
from django import forms

from accounts.models import Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name"]

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Enter the name your teammates should see.")
        return name


class SignInForm(LoginForm):
    """allauth's sign-in form, labelled as the rest of Crosscase speaks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail"
        self.fields["login"].widget.attrs.update(placeholder="", autocomplete="username")
        self.fields["password"].widget.attrs.update(placeholder="")
        self.fields["remember"].label = "Keep me signed in on this computer"

    def add_prefix(self, field_name: str) -> str:
        # The login is posted as `username`, the name browsers, password managers and scripted clients
        # look for; allauth still reads it as `login`, a username or an e-mail address.
        return super().add_prefix("username" if field_name == "login" else field_name)
