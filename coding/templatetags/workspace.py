from django import template
from django.utils.safestring import SafeString

from coding.highlights import Paragraph
from coding.highlights import markup as paragraph_markup

register = template.Library()


@register.filter
def markup(paragraph: Paragraph, oob: bool = False) -> SafeString:
    return paragraph_markup(paragraph, oob=bool(oob))
