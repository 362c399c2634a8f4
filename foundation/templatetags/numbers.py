"""``{{ n|thousands }}``: a count or a place in a list, grouped by thousands as every figure of the portal is
(``foundation.amounts.format_decimal``): ``3115`` → ``3.115``, ``12`` → ``12``, ``None`` → ``–``.

At 10,000 cases the pages count thousands of rows ("3.115 Einträge", "Platz 2.075", "Seite 83 von 125"); written
plainly, as Django writes an integer without ``USE_THOUSAND_SEPARATOR``, they read "3115 Einträge". That setting is
not the way: it would group every integer a template writes, the ids in addresses and form fields among them.
Built in (``TEMPLATES``), like the other filters every page needs. Any other value (a text such as "–" from
``|default``) is written as it is.
"""

from django.template import Library

from foundation.amounts import format_decimal

register = Library()


@register.filter(is_safe=True)
def thousands(value):
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return format_decimal(value, 0)
    return value
