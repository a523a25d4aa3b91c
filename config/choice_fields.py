"""Choice fields over a project's rows (its codes, people, cases) whose list is read in one plain query: every
form of the project uses these rather than Django's.

Django's ModelChoiceIterator reads the list with `.iterator()`, which on PostgreSQL opens a server-side
cursor, outside a transaction one held past commit: declare, fetch and close, three round trips for a few
dozen rows. These read them as any queryset does.
"""

from django import forms


class ReadAtOnce(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ReadAtOnce


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ReadAtOnce
