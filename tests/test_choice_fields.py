"""Every choice of rows in the project's forms is read in one plain query (`config.choice_fields`)."""

import importlib
import pkgutil

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.choice_fields import ModelChoiceField, ReadAtOnce
from tests.factories import CaseFactory

PACKAGES = ("accounts", "cases", "codebook", "coding")


def project_forms() -> list[type[forms.BaseForm]]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name and not module.name.endswith(".tests"):
                importlib.import_module(module.name)
    found, pending = [], [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in PACKAGES:
                found.append(subclass)
    return found


def test_every_form_reads_its_choices_of_rows_at_once():
    choosing = {
        f"{form.__module__}.{form.__name__}.{name}": field
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.ModelChoiceField)
    }
    assert len(choosing) > 10  # the walk found the forms
    assert [name for name, field in choosing.items() if field.iterator is not ReadAtOnce] == []


@pytest.mark.django_db
def test_choices_come_from_one_query_without_a_cursor(project):
    for name in ("Bern", "Accra"):
        CaseFactory(project=project, name=name)
    field = ModelChoiceField(queryset=project.cases.order_by("name"), empty_label="Any case")
    with CaptureQueriesContext(connection) as captured:
        choices = [(str(value), label) for value, label in field.choices]
    assert choices[0] == ("", "Any case") and [label for _, label in choices[1:]] == ["Accra", "Bern"]
    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["SELECT"]
