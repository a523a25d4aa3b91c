from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import ProfileForm
from accounts.models import Profile
from accounts.people import display_name


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The account page: one's display name, sign-in settings and projects."""
    user = request.user
    instance = getattr(user, "profile", None) or Profile(user=user, display_name=display_name(user))
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Your display name is now “{form.instance.display_name}”.")
        return redirect("accounts:profile")
    context = {
        "form": form,
        "memberships": user.memberships.select_related("project").order_by("project__name"),
        "two_factor": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
    }
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)
