from django import template
from django.utils.safestring import SafeString

from codebook.models import Code
from coding.models import Valence
from coding.workspace.highlights import Paragraph
from coding.workspace.highlights import markup as paragraph_markup
from coding.workspace.page import code_rows as render_code_rows

register = template.Library()


@register.filter
def markup(paragraph: Paragraph, oob: bool = False) -> SafeString:
    return paragraph_markup(paragraph, oob=bool(oob))


@register.filter
def markup_each(paragraphs: list[Paragraph]) -> SafeString:
    """Every paragraph's markup, joined here rather than in a template loop: a long interview has hundreds."""
    return SafeString("".join(paragraph_markup(paragraph) for paragraph in paragraphs))


@register.filter
def code_rows(codes: list[Code], selected: frozenset[int]) -> SafeString:
    return render_code_rows(codes, selected=selected)


@register.simple_tag
def valence_model() -> type[Valence]:
    """The valence choices, for the template to list them as the model has them."""
    return Valence
