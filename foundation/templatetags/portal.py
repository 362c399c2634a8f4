"""``{% portal "name" %}``: a text of the portal's identity (``settings.PORTAL``: its name, short name, tagline, who
offers it, the start page's title and introduction, the texts of the accessibility statement); ``{% letterhead "land"
%}``: a line of the sender of every document (``settings.LETTERHEAD``: the Land, the authority, its unit and address).

Both are built in (``TEMPLATES``), so every page, mail and error page reads the portal's and the Land's names from
the configuration of the installation and no template names them itself. ``{% portal "name" as name %}`` keeps the
text in a variable (for ``{% blocktranslate with … %}``). A key that does not exist is an error, not an empty text.
"""

from django.conf import settings
from django.template import Library

register = Library()


@register.simple_tag
def portal(key: str) -> str:
    return str(settings.PORTAL[key])


@register.simple_tag
def letterhead(key: str) -> str:
    return str(settings.LETTERHEAD[key])
