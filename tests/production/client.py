"""A small HTTP client for the smoke test, on the standard library: what a browser without JavaScript does.

It speaks HTTPS to nginx (trusting the test's own certificate authority) with the site's Host header, or plain
HTTP straight to one app host the way nginx does (X-Forwarded-* headers); keeps cookies; reads the forms of a
page and posts them back with their hidden fields (the CSRF token) and their defaults.
"""
import http.client
import socket
import ssl
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    path: str = ""  # what was asked for: a form without an action posts back to it

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: dict[str, str] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)  # every option of each select


class _Forms(HTMLParser):
    """Every form of a page: its action, and the value each of its fields would submit as the page stands."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(attrs.get("action", ""), attrs.get("method", "get").lower(),
                              attrs.get("enctype") == "multipart/form-data")
            self.forms.append(self._form)
            return
        if self._form is None or "name" not in attrs:
            if tag == "option" and self._select:
                self._option(attrs)
            return
        name, kind = attrs["name"], attrs.get("type", "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self._form.fields[name] = attrs.get("value", "on")
        elif tag == "input" and kind not in ("submit", "button", "file", "image", "reset"):
            self._form.fields[name] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self._form.fields[name] = ""
        elif tag == "select":
            self._select = name
            self._form.selects[name] = []

    def _option(self, attrs):
        value = attrs.get("value", "")
        self._form.selects[self._select].append(value)
        if "selected" in attrs or self._select not in self._form.fields:
            self._form.fields[self._select] = value

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, content_type, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One person's device: cookies kept across requests, through nginx by default.

    `upstream` (host, port): talk to that app host directly instead, as nginx would, with the same cookies.
    """

    def __init__(self, base_url: str, https_address: tuple[str, int], ca_file: str, *, upstream=None,
                 cookies: dict | None = None):
        self.base_url = base_url
        self.site = urlsplit(base_url)
        self.https_address = https_address
        self.ca_file = ca_file
        self.upstream = upstream
        self.cookies = {} if cookies is None else cookies

    def on(self, upstream: tuple[str, int]) -> "Browser":
        """The same device (cookies), talking to one app host directly."""
        return Browser(self.base_url, self.https_address, self.ca_file, upstream=upstream,
                       cookies=self.cookies)

    def _connection(self):
        if self.upstream:
            return http.client.HTTPConnection(*self.upstream, timeout=30)
        return _SiteConnection(self.https_address, self.site.hostname, self.ca_file)

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                host: str | None = None) -> Response:
        sent = {"Host": host or self.site.netloc, "User-Agent": "civicvoice-smoke-test",
                "Accept-Language": "en"}
        if self.upstream:
            sent |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent |= headers or {}
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read(), path)
        finally:
            connection.close()
        self._keep_cookies(response)
        return response

    def _keep_cookies(self, response: Response) -> None:
        for line in response.headers.get_all("Set-Cookie") or []:
            pair, _sep, attributes = line.partition(";")
            name, _eq, value = pair.strip().partition("=")
            attributes = attributes.lower()
            if "max-age=0" in attributes or "expires=thu, 01 jan 1970" in attributes or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def get(self, path: str, **options) -> Response:
        return self.request("GET", path, **options)

    def post(self, path: str, fields: dict, files: dict | None = None, **options) -> Response:
        if files:
            body, content_type = _multipart(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, "Origin": self.base_url, "Referer": self.base_url + path}
        return self.request("POST", path, body=body, headers=headers | options.pop("headers", {}), **options)

    def form(self, page: Response, action: str) -> Form:
        """The form of `page` that posts to `action` (its path)."""
        found = [form for form in forms(page.text) if (urlsplit(form.action).path or page.path) == action]
        assert found, f"no form posting to {action} on the page ({page.status}):\n{page.text[:2000]}"
        return found[0]

    def submit(self, page: Response, action: str, fields: dict | None = None, files: dict | None = None
               ) -> Response:
        """Fill the form of `page` that posts to `action` and post it, with its hidden fields and defaults."""
        form = self.form(page, action)
        return self.post(action, form.fields | (fields or {}), files=files)


    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/login")
        signed_in = self.submit(page, "/login", {"email": email, "password": password})
        assert signed_in.status == 303, signed_in.text[:2000]
        assert "__Host-session" in self.cookies  # Secure, host-only: the production cookie


class _SiteConnection(http.client.HTTPSConnection):
    """Connects to nginx's address, but presents (SNI) and checks (certificate) the site's name, as a browser
    that resolved the name would."""

    def __init__(self, address: tuple[str, int], server_name: str, ca_file: str):
        super().__init__(*address, timeout=30, context=ssl.create_default_context(cafile=ca_file))
        self.server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)
