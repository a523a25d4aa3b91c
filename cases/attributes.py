"""Typed attribute values on cases and transcripts: form fields for them and saving what a form cleaned."""

from django import forms
from django.db import models

from cases.models import Attribute, AttributeKind, AttributeValue


def form_field(attribute: Attribute, initial=None) -> forms.Field:
    common = {
        "label": attribute.name,
        "required": False,
        "initial": initial,
        "help_text": attribute.description,
    }
    match attribute.kind:
        case AttributeKind.NUMBER:
            return forms.DecimalField(max_digits=20, decimal_places=6, **common)
        case AttributeKind.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case AttributeKind.BOOLEAN:
            return forms.NullBooleanField(
                widget=forms.Select(choices=[("unknown", "—"), ("true", "Yes"), ("false", "No")]), **common
            )
        case _:
            return forms.CharField(max_length=500, **common)


def field_name(attribute: Attribute) -> str:
    return f"attr_{attribute.pk}"


class AttributeFormMixin:
    """Adds one field per attribute to a ModelForm and saves them into `value_model` rows."""

    value_model: type[AttributeValue]
    owner_field: str

    def add_attribute_fields(self, attributes: list[Attribute]) -> None:
        self.attributes = attributes
        current = {}
        if self.instance.pk:
            current = {v.attribute_id: v for v in self.instance.attribute_values.select_related("attribute")}
        for attribute in attributes:
            value = current.get(attribute.pk)
            self.fields[field_name(attribute)] = form_field(attribute, value.value if value else None)

    def save_attributes(self, owner: models.Model) -> None:
        for attribute in self.attributes:
            value = self.cleaned_data.get(field_name(attribute))
            if value in (None, ""):
                self.value_model.objects.filter(**{self.owner_field: owner, "attribute": attribute}).delete()
                continue
            row = self.value_model.objects.filter(**{self.owner_field: owner, "attribute": attribute}).first()
            if row is None:
                row = self.value_model(**{self.owner_field: owner, "attribute": attribute})
            row.attribute = attribute
            row.set_value(value)
            row.save()
