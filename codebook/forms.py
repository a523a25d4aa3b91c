"""Codebook forms: every posted id is looked up among the current project's codes (or one code's codings),
so an id from another project fails validation like any unknown id.

What the restructuring forms need to know about codings (whether a code has any, which may move, what a
deletion takes) is handed to them by the view from `coding`, the app that owns codings.
"""

from collections.abc import Callable
from pathlib import PurePath

from django import forms
from django.db.models import Q, QuerySet

from cases.models import Project
from cases.refusals import Refused
from codebook import changes
from codebook.exchange import imports
from codebook.models import Code, CodeRelation, Framework, Level, RelationKind, normalise_colour
from config.choice_fields import ModelChoiceField, ModelMultipleChoiceField


def tree_choices(codes: list[Code], *, blank: str | None = None, exclude: set[int] = frozenset()) -> list:
    """Choices in tree order, indented by depth (codes from `in_tree_order`)."""
    choices = [("", blank)] if blank is not None else []
    choices += [(code.pk, "\u2003" * code.depth + code.name) for code in codes if code.pk not in exclude]
    return choices


class CodeForm(forms.ModelForm):
    """Creates a code (with `parent`) or edits one (without: moving is its own, recorded step)."""

    parent = ModelChoiceField(queryset=Code.objects.none(), required=False, label="Under")
    quick = False

    class Meta:
        model = Code
        fields = list(changes.EDITABLE_FIELDS)
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "definition": forms.Textarea(attrs={"rows": 4}),
            "inclusion": forms.Textarea(attrs={"rows": 2}),
            "exclusion": forms.Textarea(attrs={"rows": 2}),
            "example": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "inclusion": "When to apply the code.",
            "exclusion": "When not to apply it, and which code to use instead.",
        }

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.instance.project = project
        if self.instance.pk:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = project.codes.all()
            if not self.quick:  # the quick form's parent is a hidden field
                self.fields["parent"].choices = tree_choices(
                    project.codes.in_tree_order(), blank="— top level —"
                )
        self.fields["name"].widget.attrs["autofocus"] = not self.quick

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_colour(self):
        colour = normalise_colour(self.cleaned_data["colour"])
        if colour is None:
            raise forms.ValidationError("Give the colour as #rrggbb, e.g. #9ecae1.")
        return colour

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_core") and cleaned.get("level") != Level.SELECTIVE:
            self.add_error("is_core", "Only a selective code can be a core category.")
        # A sibling with the same name is refused by `changes`, under the codebook's lock, onto `name`.
        return cleaned


class QuickCodeForm(CodeForm):
    """Adds a code from the codebook page: its name, level, whether it is codable and a definition, under the
    code in the panel (`parent`, a hidden field) or, from the form above the tree, under the code chosen from
    `under` (the codebook in tree order) or at the top level. It takes its framework and colour from that
    parent, as "Add sub-code" does; the code's page edits the rest."""

    parent = ModelChoiceField(
        queryset=Code.objects.none(), required=False, widget=forms.HiddenInput, label="Under"
    )
    quick = True

    class Meta(CodeForm.Meta):
        fields = ["name", "level", "is_codable", "definition"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, under: list[Code] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if under is not None:
            self.fields["parent"].widget = forms.Select()
            self.fields["parent"].choices = tree_choices(under, blank="— top level —")

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        if parent is not None:
            self.instance.framework, self.instance.colour = parent.framework, parent.colour
        return cleaned


class LevelForm(forms.Form):
    level = forms.ChoiceField(choices=Level.choices)


class MoveForm(forms.Form):
    parent = ModelChoiceField(queryset=Code.objects.none(), required=False, label="Move under")

    def __init__(self, *args, code: Code, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        descendants = code.project.codes.descendant_ids(code.pk)
        self.fields["parent"].queryset = code.project.codes.all()
        self.fields["parent"].choices = tree_choices(
            code.project.codes.in_tree_order(), blank="— top level —", exclude={code.pk, *descendants}
        )
        self.descendants = descendants

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        if parent is not None and (parent.pk == self.code.pk or parent.pk in self.descendants):
            raise forms.ValidationError(f"“{self.code.name}” cannot go under itself or one of its sub-codes.")
        if (parent.pk if parent else None) == self.code.parent_id:
            raise forms.ValidationError(f"“{self.code.name}” is already there.")
        clash = changes.name_clash(
            project=self.code.project, parent=parent, name=self.code.name, exclude=(self.code.pk,)
        )
        if clash is not None:
            raise forms.ValidationError(f"There is already a code “{clash.name}” {changes.where(parent)}.")
        return parent


class ReorderForm(forms.Form):
    """Where among its siblings a code goes: one step up or down (the buttons), or just before or after a
    sibling (a drop). `target` and `after` are what `changes.reorder_code` takes."""

    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")], required=False)
    before = ModelChoiceField(
        queryset=Code.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose a code of this codebook to put it before."},
    )
    after = ModelChoiceField(
        queryset=Code.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose a code of this codebook to put it after."},
    )

    def __init__(self, *args, code: Code, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        self.fields["before"].queryset = code.project.codes.all()
        self.fields["after"].queryset = code.project.codes.all()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        given = [name for name in ("direction", "before", "after") if cleaned.get(name)]
        if len(given) != 1:
            raise forms.ValidationError("Say where the code goes: up, down, or before or after one sibling.")
        code = self.code
        if given == ["direction"]:
            order = changes.sibling_order(code.project, code.parent_id)
            index = [sibling.pk for sibling in order].index(code.pk)
            up = cleaned["direction"] == "up"
            neighbour = index - 1 if up else index + 1
            if not 0 <= neighbour < len(order):
                first_or_last = "first" if up else "last"
                raise forms.ValidationError(f"“{code.name}” is already the {first_or_last} of its siblings.")
            cleaned["target"], cleaned["place_after"] = order[neighbour], not up
            return cleaned
        target = cleaned.get("before") or cleaned.get("after")
        if target.pk == code.pk or target.parent_id != code.parent_id:
            raise forms.ValidationError(
                f"“{target.name}” is not a sibling of “{code.name}”: "
                "use Move to put a code under another parent."
            )
        cleaned["target"], cleaned["place_after"] = target, bool(cleaned.get("after"))
        return cleaned


class MergeForm(forms.Form):
    target = ModelChoiceField(queryset=Code.objects.none(), label="Merge into")

    def __init__(self, *args, code: Code, coded: bool, **kwargs):
        """`coded`: whether codings use `code`."""
        super().__init__(*args, **kwargs)
        self.code, self.coded = code, coded
        self.fields["target"].queryset = code.project.codes.exclude(pk=code.pk)
        self.fields["target"].choices = tree_choices(
            code.project.codes.in_tree_order(), blank="— choose a code —", exclude={code.pk}
        )

    def clean_target(self):
        target = self.cleaned_data["target"]
        problem = changes.merge_problem(source=self.code, target=target, source_coded=self.coded)
        if problem:
            raise forms.ValidationError(problem)
        return target


class SplitForm(forms.Form):
    codings = ModelMultipleChoiceField(
        queryset=Code.objects.none(), widget=forms.CheckboxSelectMultiple, label="Codings to move"
    )
    name = forms.CharField(max_length=200, label="Name of the new code")
    placement = forms.ChoiceField(
        choices=[("child", "as a sub-code of this code"), ("sibling", "next to this code (same parent)")],
        initial="child",
        widget=forms.RadioSelect,
    )
    definition = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, code: Code, codings: QuerySet, **kwargs):
        """`codings`: those of `code` that may move (`coding.recoding.split_choices`)."""
        super().__init__(*args, **kwargs)
        self.code = code
        self.fields["codings"].queryset = codings
        self.fields["codings"].error_messages["required"] = "Tick at least one coding to move."

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        name, placement = cleaned.get("name"), cleaned.get("placement")
        if name and placement:
            parent = self.code if placement == "child" else self.code.parent
            clash = changes.name_clash(project=self.code.project, parent=parent, name=name)
            if clash is not None:
                self.add_error("name", f"There is already a code “{clash.name}” {changes.where(parent)}.")
        return cleaned


class DeleteForm(forms.Form):
    """What goes with a deleted code. The page states how many codings each choice deletes and posts those
    numbers back (`seen_*`): if codings were added in the meantime, the owner is asked again."""

    children = forms.ChoiceField(
        choices=[("up", "move them up in its place"), ("delete", "delete them too")],
        initial="up",
        widget=forms.RadioSelect,
        label="Its sub-codes",
    )
    seen_kept = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    seen_all = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, label="Yes, delete the codings too")

    def __init__(self, *args, code: Code, removal: Callable[..., changes.Removal], **kwargs):
        """`removal(code=…, keep_children=…)` counts what a deletion takes (`coding.recoding.removal`)."""
        super().__init__(*args, **kwargs)
        self.code, self.removal = code, removal
        self.has_children = code.children.exists()
        if not self.has_children:
            del self.fields["children"]

    def keep_children(self) -> bool:
        return self.has_children and self.cleaned_data.get("children") != "delete"

    def seen(self) -> int | None:
        return self.cleaned_data.get("seen_kept" if self.keep_children() else "seen_all")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        gone = self.removal(code=self.code, keep_children=self.keep_children())
        if gone.codings != self.seen():
            self.add_error(
                None,
                f"Codings changed while you were deciding: this now deletes {gone.codings}. Check again and "
                "confirm.",
            )
        elif gone.codings and not cleaned.get("confirm"):
            self.add_error(
                "confirm",
                f"This deletes {gone.codings} coding{'s' if gone.codings != 1 else ''}: "
                "tick the box to confirm.",
            )
        if self.keep_children():
            clash = changes.children_clash(self.code)
            if clash:
                self.add_error(
                    "children",
                    f"Sub-codes named {', '.join(f'“{n}”' for n in clash)} already exist "
                    f"{changes.where(self.code.parent)}: rename them, or delete them with the code.",
                )
        return cleaned


OTHER_KIND = "__other__"


def project_kinds(project: Project) -> list[str]:
    """The relation kinds this project defined itself, beyond the built-in ones."""
    kinds = project.code_relations.exclude(kind__in=RelationKind.values).values_list("kind", flat=True)
    return sorted(set(kinds), key=str.lower)


class RelationFields(forms.Form):
    """Kind (built-in, one the project already uses, or a new one) and memo of a relation."""

    kind = forms.ChoiceField(label="Relation")
    new_kind = forms.CharField(
        max_length=60,
        required=False,
        label="New kind",
        help_text="A short phrase, e.g. “is a condition for”.",
    )
    memo = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000)

    def __init__(self, *args, project: Project, custom_kinds: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        custom = custom_kinds if custom_kinds is not None else project_kinds(project)
        self.fields["kind"].choices = [
            ("Built-in", RelationKind.choices),
            *([("This project's", [(kind, kind) for kind in custom])] if custom else []),
            (OTHER_KIND, "another kind…"),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == OTHER_KIND:
            phrase = " ".join(cleaned.get("new_kind", "").split())
            if not phrase:
                self.add_error("new_kind", "Name the new kind of relation.")
                return cleaned
            builtin = {label.lower(): value for value, label in RelationKind.choices}
            builtin.update({value: value for value in RelationKind.values})
            cleaned["kind"] = builtin.get(phrase.lower(), phrase)
        return cleaned


class RelationForm(RelationFields):
    """A new relation from or to `code`."""

    direction = forms.ChoiceField(
        choices=[("out", "this code → the other code"), ("in", "the other code → this code")],
        initial="out",
        label="Direction",
    )
    other = ModelChoiceField(queryset=Code.objects.none(), label="Other code")

    field_order = ["direction", "kind", "new_kind", "other", "memo"]

    def __init__(self, *args, code: Code, **kwargs):
        super().__init__(*args, project=code.project, **kwargs)
        self.code = code
        self.fields["other"].queryset = code.project.codes.exclude(pk=code.pk)
        self.fields["other"].choices = tree_choices(
            code.project.codes.in_tree_order(), blank="— choose a code —", exclude={code.pk}
        )

    def ends(self) -> tuple[Code, Code]:
        other = self.cleaned_data["other"]
        return (self.code, other) if self.cleaned_data["direction"] == "out" else (other, self.code)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            source, target = self.ends()
            if CodeRelation.objects.filter(source=source, target=target, kind=cleaned["kind"]).exists():
                raise forms.ValidationError("This relation already exists.")
        return cleaned


class RelationEditForm(RelationFields):
    relation = ModelChoiceField(queryset=CodeRelation.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, code: Code, **kwargs):
        super().__init__(*args, project=code.project, **kwargs)
        self.fields["relation"].queryset = code.project.code_relations.filter(
            Q(source=code) | Q(target=code)
        ).select_related("source", "target", "project")

    def clean(self):
        cleaned = super().clean()
        relation = cleaned.get("relation")
        if relation and "kind" in cleaned:
            clash = CodeRelation.objects.filter(
                source=relation.source_id, target=relation.target_id, kind=cleaned["kind"]
            ).exclude(pk=relation.pk)
            if clash.exists():
                raise forms.ValidationError("This relation already exists.")
        return cleaned


class RelationDeleteForm(forms.Form):
    relation = ModelChoiceField(queryset=CodeRelation.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, code: Code, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].queryset = code.project.code_relations.filter(
            Q(source=code) | Q(target=code)
        ).select_related("source", "target", "project")


class NetworkForm(forms.Form):
    framework = forms.ChoiceField(choices=[("", "all frameworks"), *Framework.choices], required=False)
    level = forms.MultipleChoiceField(
        choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Levels"
    )
    hierarchy = forms.ChoiceField(
        choices=[("show", "show sub-code links"), ("hide", "hide sub-code links")], required=False
    )

    def filters(self) -> dict:
        """The valid filters; an invalid or missing one means "everything"."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "framework": data.get("framework") or None,
            "levels": set(data.get("level") or Level.values),
            "hierarchy": data.get("hierarchy") != "hide",
        }


class ImportForm(forms.Form):
    """Step one of an import: the file is read and compared with the codebook; nothing is written."""

    file = forms.FileField(
        label="Codebook file",
        help_text="REFI-QDA codebook (.qdc), CSV (Crosscase or Taguette) or QualCoder's plain text (.txt).",
    )

    def __init__(self, *args, project: Project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.project, self.user = project, user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {imports.MAX_BYTES // 1_000_000} MB; codebooks are much smaller."
            )
        self.filename = PurePath(upload.name).name[:200] or "codebook"
        self.content = upload.read()
        try:
            parsed = imports.read_codebook(filename=self.filename, data=self.content)
            self.plan = imports.plan_import(project=self.project, parsed=parsed)
        except Refused as refusal:
            raise forms.ValidationError(f"“{self.filename}” was not imported. {refusal.message}") from refusal
        return upload

    def signed(self) -> str:
        return imports.sign_upload(
            project=self.project,
            user=self.user,
            filename=self.filename,
            data=self.content,
            fingerprint=self.plan.fingerprint(),
        )


class ImportConfirmForm(forms.Form):
    """Step two: the previewed file, carried in a signed field (see `imports`), read again."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.project, self.user = project, user

    def clean_payload(self):
        try:
            self.filename, self.content, self.fingerprint = imports.unsign_upload(
                token=self.cleaned_data["payload"], project=self.project, user=self.user
            )
            self.parsed = imports.read_codebook(filename=self.filename, data=self.content)
        except Refused as refusal:
            raise forms.ValidationError(refusal.message) from refusal
        return self.cleaned_data["payload"]

    def signed(self, plan: imports.ImportPlan) -> str:
        return imports.sign_upload(
            project=self.project,
            user=self.user,
            filename=self.filename,
            data=self.content,
            fingerprint=plan.fingerprint(),
        )
