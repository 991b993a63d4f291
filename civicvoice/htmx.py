"""htmx helpers: detect an htmx request, render page or fragment from one URL."""
from flask import render_template, request


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
    """After a successful POST: the updated fragment for htmx, a 303 to `target` otherwise."""
    from .redirects import see_other

    return render_template(fragment, **context) if is_htmx() else see_other(target)
