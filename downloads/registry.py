"""The documents that are made in the background and handed out when ready (issue 13: heavy documents off
the request path). A domain app registers a maker once, by name; the web page, the API and the task ask for it
by that name. The maker's own permission check is the one home of who may have the document: it is asked when
the document is requested and again when it is made (a right lost in between gives no document).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Made:
    content: bytes
    filename: str        # the German download name (foundation.files.download_name)
    content_type: str


@dataclass(frozen=True)
class Maker:
    name: str                                   # "jury.ranking_pdf"
    label: Callable[[dict], str]                # what the document is, for lists and mails: "Rangliste Aufruf 3 (PDF)"
    allowed: Callable[[object, dict], bool]     # may this user have it, with these parameters?
    make: Callable[[object, dict], Made]        # the document, made for this user (rows they may not see left out)
    clean: Callable[[dict], dict] = lambda params: params  # checks and normalises the parameters (ValueError)


_makers: dict[str, Maker] = {}
_loaded = False


def register(maker: Maker) -> Maker:
    _makers[maker.name] = maker
    return maker


def _load_all() -> None:
    """Import every app's `downloads` module once (where the makers register)."""
    global _loaded
    if _loaded:
        return
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            __import__(f"{config.name}.downloads")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.downloads":
                raise
    _loaded = True


def maker(name: str) -> Maker:
    """The registered maker; KeyError for an unknown name."""
    _load_all()
    return _makers[name]


def names() -> list[str]:
    _load_all()
    return sorted(_makers)
