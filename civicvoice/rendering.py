"""User text to HTML: markdown-it-py with raw HTML off, then nh3 with an allowlist."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "code", "pre", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def markdown(text: str | None) -> Markup:
    """Safe HTML for user markdown; links get rel="nofollow noopener", only http(s)/mailto URLs survive."""
    html = _markdown.render(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="nofollow noopener",
                      url_schemes={"http", "https", "mailto"})
    return Markup(clean)  # noqa: S704  # nosec B704 # sanitised by nh3 just above


def init_app(app) -> None:
    app.jinja_env.filters["markdown"] = markdown
