"""Reading the pages the test client gets back: their text, their words, the flash messages after a redirect, the
fields of their forms."""
import re
from html import unescape
from html.parser import HTMLParser


def text_of(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    """The words of a page or message, without tags (inline ones leave no space), without the Unicode isolates
    around codes and addresses, and with single spaces."""
    html = re.sub(r"</?(bdi|span|strong|em|a|code|time)\b[^>]*>", "", html)
    text = re.sub("[\u2066-\u2069]", "", unescape(re.sub(r"<[^>]+>", " ", html)))
    return re.sub(r"\s+", " ", text).strip()


def flashes(client, response) -> list[str]:
    """The flash messages shown on the page a 303 leads to."""
    assert response.status_code == 303, text_of(response)[:2000]
    html = text_of(client.get(response.headers["Location"]))
    return [plain(item) for block in re.findall(r'<ul class="flash">(.*?)</ul>', html, re.S)
            for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]



class _FormFields(HTMLParser):
    """The named inputs of the form posting to `action`."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.found = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif tag == "input" and self.inside and attrs.get("name"):
            self.found[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict:
    """What a browser posts with the form whose action is `action` (its inputs, hidden ones included), by name."""
    parser = _FormFields(action)
    parser.feed(html)
    assert parser.found, f"no form posting to {action}"
    return parser.found
