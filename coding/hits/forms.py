from django import forms

from cases.search import MAX_QUERY
from coding.analysis.retrieval import CodeTree
from coding.hits.batches import Found, Hit
from coding.models import Extent, Valence


class CodeHitsForm(forms.Form):
    """Which hits of a search to code, with which code and valence, and how far to widen each."""

    q = forms.CharField(max_length=MAX_QUERY, widget=forms.HiddenInput)
    code = forms.TypedChoiceField(coerce=int, label="Code")
    valence = forms.ChoiceField(choices=Valence.choices, initial=Valence.NONE, label="Effect")
    extent = forms.ChoiceField(choices=Extent.choices, initial=Extent.HIT, label="Code")
    which = forms.ChoiceField(
        choices=[("all", "Every hit"), ("ticked", "Only the ticked hits")],
        initial="all",
        widget=forms.RadioSelect,
        label="Hits",
    )
    hit = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, data=None, *, tree: CodeTree, found: Found, **kwargs):
        super().__init__(data, **kwargs)
        self.tree, self.found = tree, found
        self.fields["code"].choices = [
            ("", "Choose a code…"),
            *((code.pk, f"{'  ' * code.depth}{code.name}") for code in tree.codes if code.is_codable),
        ]
        self.fields["code"].error_messages["required"] = "Choose the code to apply."
        self.fields["code"].error_messages["invalid_choice"] = (
            "That code is not one you can apply (it was merged, deleted or made a category, or belongs to "
            "another project): choose another."
        )
        self.fields["hit"].choices = [(hit.key, hit.key) for hit in found.hits]
        self.fields["hit"].error_messages["invalid_choice"] = (
            "A ticked hit is no longer in the transcripts (one changed since): search again."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("which") == "ticked" and not cleaned.get("hit") and "hit" not in self.errors:
            self.add_error("hit", "Tick at least one hit, or choose “Every hit”.")
        return cleaned

    def chosen_code(self):
        return self.tree.by_id[self.cleaned_data["code"]]

    def hits(self) -> list[Hit]:
        if self.cleaned_data["which"] == "all":
            return list(self.found.hits)
        ticked = set(self.cleaned_data["hit"])
        return [hit for hit in self.found.hits if hit.key in ticked]
