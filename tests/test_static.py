"""Static files under hashed names: pages link them, Flask serves them a year (the plain names briefly), a wrong hash
is a 404, an edit gives a new name, and `flask static build` writes the tree nginx serves (plain, hashed, .gz, .br),
the same bytes every time."""
import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from flask import url_for

from civicvoice import assets
from tests.factories import make_user
from tests.pages import text_of

STATIC = Path(assets.__file__).parent / "static"
SOURCES = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())
HASHED_URL = re.compile(r"/static/(?P<dir>(?:[\w.-]+/)*)(?P<stem>[\w.-]+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.\w+)")


def sha12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def linked_assets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html)


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


def test_pages_link_css_and_js_by_hash_and_those_are_kept_a_year(client):
    urls = linked_assets(text_of(client.get("/")))
    assert len(urls) == 2
    for url in urls:
        match = HASHED_URL.fullmatch(url)  # same origin (the CSP's 'self'), the content's hash in the name
        assert match, url
        source = (STATIC / f"{match['dir']}{match['stem']}{match['suffix']}").read_bytes()
        assert match["digest"] == sha12(source)
        with client.get(url) as response:
            assert response.status_code == 200 and response.get_data() == source
            assert cache_control(response) == {"public", "max-age=31536000", "immutable"}
            assert "Set-Cookie" not in response.headers


def test_a_signed_in_person_gets_static_files_without_a_cookie(client, login_as):
    login_as(make_user())
    [url, _script] = linked_assets(text_of(client.get("/")))
    with client.get(url) as response:
        assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_every_static_file_has_a_hashed_url(app):
    with app.test_request_context():
        for name in SOURCES:
            url = url_for("static", filename=name)
            assert url == "/static/" + assets.hashed_name(name, sha12((STATIC / name).read_bytes())), url


def test_the_plain_name_still_answers_with_a_short_cache(client):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200 and response.get_data() == (STATIC / "css/app.css").read_bytes()
        assert cache_control(response) == {"public", "max-age=300"}


@pytest.mark.parametrize("name", [
    "css/app.000000000000.css",  # a hash that is no version of the file
    "css/app.{letter}.css",  # the hash of another file
    "css/app.{app}.js",  # the right hash under another type
    "css/app.{app}",  # without its suffix
    "css/letter.{app}.css",
    "css/other.{app}.css",  # no such file
])
def test_a_wrong_hash_is_not_found(client, name):
    digests = {key: sha12((STATIC / f"css/{key}.css").read_bytes()) for key in ("app", "letter")}
    with client.get("/static/" + name.format(**digests)) as response:
        assert response.status_code == 404


def test_unknown_files_stay_plain_and_not_found(app, client):
    with app.test_request_context():
        assert url_for("static", filename="css/nothing.css") == "/static/css/nothing.css"
    assert client.get("/static/css/nothing.css").status_code == 404


@pytest.mark.own_app
def test_a_changed_file_gets_a_new_name_and_its_old_name_is_gone(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    (tmp_path / "site.css").write_text("body { color: red; }")
    with app.test_request_context():
        old = url_for("static", filename="site.css")
    assert old == f"/static/site.{sha12(b'body { color: red; }')}.css"
    with client.get(old) as response:
        assert response.get_data() == b"body { color: red; }"
    (tmp_path / "site.css").write_text("body { color: green; }")  # edited while the app runs
    with app.test_request_context():
        new = url_for("static", filename="site.css")
    assert new == f"/static/site.{sha12(b'body { color: green; }')}.css"
    assert client.get(old).status_code == 404
    with client.get(new) as response:
        assert response.status_code == 200 and response.get_data() == b"body { color: green; }"


@pytest.mark.own_app
def test_a_leftover_copy_under_a_hashed_name_is_not_served(app, client, tmp_path):
    """Only the hash of the content makes a hashed name: not a file that happens to be called so (say, a copy of
    an older version left in the folder)."""
    app.static_folder = str(tmp_path)
    (tmp_path / "site.css").write_text("new")
    (tmp_path / f"site.{sha12(b'old')}.css").write_text("other")
    assert client.get(f"/static/site.{sha12(b'old')}.css").status_code == 404
    with client.get(f"/static/site.{sha12(b'new')}.css") as response:
        assert response.get_data() == b"new"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_plain_and_hashed_names_with_gzip_and_brotli(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["static", "build", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    built = tree(tmp_path / "out")
    expected = set()
    for name in SOURCES:
        data = (STATIC / name).read_bytes()
        hashed = assets.hashed_name(name, hashlib.sha256(data).hexdigest()[:12])
        for out in (name, hashed):
            assert built[out] == data
            assert gzip.decompress(built[out + ".gz"]) == data and built[out + ".gz"][4:8] == b"\0\0\0\0"  # no time
            assert brotli.decompress(built[out + ".br"]) == data
            expected |= {out, out + ".gz", out + ".br"}  # every file there is text
    assert set(built) == expected


def test_build_twice_gives_the_same_bytes_and_rewrites_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["static", "build", str(tmp_path / "a")]).exit_code == 0
    times = {p: p.stat().st_mtime_ns for p in (tmp_path / "a").rglob("*")}
    again = runner.invoke(args=["static", "build", str(tmp_path / "a")])
    assert again.exit_code == 0 and "0 file(s) written" in again.output
    assert times == {p: p.stat().st_mtime_ns for p in (tmp_path / "a").rglob("*")}
    assert runner.invoke(args=["static", "build", str(tmp_path / "b")]).exit_code == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_build_compresses_text_only_and_keeps_earlier_versions(tmp_path):
    source, out = tmp_path / "static", tmp_path / "out"
    (source / "img").mkdir(parents=True)
    png = b"\x89PNG not really"
    (source / "img/logo.png").write_bytes(png)
    (source / "site.css").write_text("a { color: red; }")
    assets.build(source, out)
    (source / "site.css").write_text("a { color: blue; }")
    assets.build(source, out)
    red, blue = sha12(b"a { color: red; }"), sha12(b"a { color: blue; }")
    assert set(tree(out)) == {f"img/logo.{sha12(png)}.png", "img/logo.png",
                              *(f"{name}{extension}" for name in (f"site.{red}.css", f"site.{blue}.css", "site.css")
                                for extension in ("", ".gz", ".br"))}
    assert (out / "site.css").read_text() == "a { color: blue; }"


def test_build_refuses_to_write_into_the_static_folder(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["static", "build", str(STATIC / "built")])
    assert result.exit_code != 0 and "inside the static folder" in result.output
    assert not (STATIC / "built").exists()
