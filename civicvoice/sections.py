"""Pages that several packages fill: the page names its places, each package adds its own fragment there.

A core page (a demand's page, a community's page, one's account) cannot import the features built on it. Each
feature registers, for a place of such a page, its fragment's template and a function that returns the
fragment's context, or None when it has nothing to show; the page renders a place's fragments in their order.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: Callable[..., dict | None]
    order: int


_PLACES: dict[str, dict[str, Section]] = {}


def add(place: str, name: str, template: str, context: Callable[..., dict | None], order: int = 50) -> None:
    """Show `template` at `place`, with what context(**subject) returns (nothing when it returns None)."""
    _PLACES.setdefault(place, {})[name] = Section(name, template, context, order)


def render(place: str, **subject) -> list[Markup]:
    """The fragments of `place` for this subject (the page's own variables, e.g. proposal=…), in order."""
    fragments = []
    for section in sorted(_PLACES.get(place, {}).values(), key=lambda s: (s.order, s.name)):
        context = section.context(**subject)
        if context is not None:
            html = render_template(section.template, **(subject | context))
            fragments.append(Markup(html))  # nosec B704 # a template of ours, rendered with autoescaping on
    return fragments


def names(place: str) -> list[str]:
    """The sections registered at `place`, in order (for tests and the architecture notes)."""
    return [s.name for s in sorted(_PLACES.get(place, {}).values(), key=lambda s: (s.order, s.name))]
