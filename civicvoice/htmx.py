"""htmx helpers: detect an htmx request, render page or fragment from one URL."""
from flask import render_template, request

from .redirects import see_other


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(template: str, fragment: str, **context) -> str:
    """The full page normally; only its fragment (which the page includes) for htmx swaps."""
    return render_template(fragment if is_htmx() else template, **context)


def _vary(response):
    response.vary.add("HX-Request")
    return response


def init_app(app) -> None:
    app.after_request(_vary)


def after_post(fragment: str, target: str, **context):
    """After a successful POST: the updated fragment for htmx, a 303 to `target` otherwise.

    The htmx answer carries the flashed messages too, swapped out of band into the page's #flash, so a
    message is read where the action happened instead of surfacing on some later page.
    """
    if not is_htmx():
        return see_other(target)
    messages = render_template("_flash.html")
    return render_template(fragment, **context) + f'<div id="flash" role="status" hx-swap-oob="true">{messages}</div>'

