from django import template

register = template.Library()

UNDEFINED = "—"


@register.simple_tag
def figure(values: dict, column) -> str:
    """A report figure as shown: counts with thousands separators, shares in per cent, coefficients to three
    places, and "—" where it is undefined."""
    value = values.get(column.key)
    if value is None:
        return UNDEFINED
    if column.kind == "percent":
        return f"{value * 100:.1f} %"
    if column.kind == "coefficient":
        return f"{value:.3f}".replace("-", "−")
    return f"{value:,}"
