"""What an app declares on its ``AppConfig`` for the shell (:mod:`lingjun.apps.web.shell`) to
compose: navigation entries, home page sections, enterprise page panels. No model is imported
here, so every ``apps.py`` may import it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    """An entry of the main navigation: shown to users who may take ``action``."""

    label: str | Promise
    url_name: str  # "namespace:name"
    action: str
    order: int = 50
    #: other pages ("namespace:name") that mark this entry as the current one; otherwise any page
    #: of its namespace that no other entry claims
    also: tuple[str, ...] = ()
    #: the dotted path of a selector ``(*, user) -> int`` whose number is shown beside the label
    #: when it is not 0 (unread messages, items waiting in a queue)
    badge: str = ""

    @property
    def namespace(self) -> str:
        return self.url_name.partition(":")[0]


@dataclass(frozen=True)
class HomeSection:
    """A part of the home page: ``template`` rendered with what ``context`` returns.

    ``context`` is the dotted path of a selector ``(*, user, today) -> dict | None``; ``None``
    leaves the section out (nothing to show this user).
    """

    template: str
    context: str
    order: int = 50


@dataclass(frozen=True)
class Panel:
    """A panel of the enterprise page (``enterprise`` in its context), for users with ``action``."""

    template: str
    action: str
    order: int = 50
