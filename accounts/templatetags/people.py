from django import template

from accounts.people import display_name as name

register = template.Library()


@register.filter
def display_name(user) -> str:
    """`{{ coding.coder|display_name }}`: select `coder__profile` with the coder, or each costs a query."""
    return name(user)
