"""Stored files: one contract kept by both backends (the local folder, and S3 against a real moto server on
127.0.0.1), then the app on S3 end to end (uploads and issued letters through their views, nothing in the local
folder), and two app hosts sharing one bucket: what one stores, the other serves."""
import io
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from flask import Flask
from sqlalchemy import select

from civicvoice import create_app, storage
from civicvoice.extensions import db
from civicvoice.letters import services as letters
from civicvoice.proposals import attachments
from civicvoice.proposals.models import Proposal
from civicvoice.storage import LocalStorage
from civicvoice.storage_s3 import S3Storage
from tests.conftest import TEST_CONFIG
from tests.factories import committee_member, link_council, make_community, make_member, make_sent_letter
from tests.hosts import another_host, same_browser
from tests.layers import imports

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
KEY = "a1" * 24
BAD_KEYS = ("", "../secret_key", "folder/name", "back\\slash", ".hidden")
PREFIX = "civicvoice"


# A local S3 server, and credentials for it -------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(process: subprocess.Popen, port: int, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto server stopped at start (exit {process.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"moto server not listening on 127.0.0.1:{port} after {seconds}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """`python -m moto.server` on a free port of 127.0.0.1, for this module; stopped after it."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    # Its request log goes to a file: a pipe nobody reads fills up, and the server then hangs mid-request.
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def aws_env():
    """Credentials where boto3 looks for them (the environment), and none of this machine's own AWS files."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "civicvoice-test")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "civicvoice-test-secret")
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        yield


@pytest.fixture(scope="module")
def s3_admin(s3_endpoint, aws_env):
    """A client of the test's own, to make buckets and look inside them."""
    return boto3.session.Session().client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3_admin):
    """A new, empty bucket for one test; its client."""
    name = f"civicvoice-{uuid.uuid4().hex[:16]}"
    s3_admin.create_bucket(Bucket=name)
    return name, s3_admin


def objects(bucket) -> set[str]:
    name, client = bucket
    return {item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", ())}


@contextmanager
def calls(store: S3Storage, operation: str):
    """The requests of one kind `store` makes to the bucket while inside."""
    made = []

    def count(**kwargs):
        made.append(operation)

    store.client.meta.events.register(f"before-call.s3.{operation}", count)
    try:
        yield made
    finally:
        store.client.meta.events.unregister(f"before-call.s3.{operation}", count)


# The contract, for each backend -----------------------------------------------------------------------------

@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    name, _client = request.getfixturevalue("bucket")
    # Two keys a page: listing five keys takes three requests, as a thousand and one would take two.
    return S3Storage(name, endpoint_url=request.getfixturevalue("s3_endpoint"), prefix=PREFIX, page_size=2)


@pytest.fixture
def web():
    """A bare Flask app, for the request a send() answers."""
    return Flask(__name__)


def test_a_stored_file_reads_back_until_deleted(store):
    store.put(KEY, PDF, "application/pdf")
    assert store.exists(KEY)
    assert store.get(KEY) == PDF
    store.delete(KEY)
    assert not store.exists(KEY)
    with pytest.raises(KeyError):
        store.get(KEY)


def test_a_missing_key_is_a_key_error_and_deleting_it_is_no_error(store):
    with pytest.raises(KeyError):
        store.get(KEY)
    assert not store.exists(KEY)
    store.delete(KEY)


def test_keys_lists_every_stored_key_across_pages(store):
    stored = sorted(f"{n:048x}" for n in range(5))
    for key in stored:
        store.put(key, b"x")
    assert list(store.keys()) == stored


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_that_is_a_path_is_refused(store, key):
    for attempt in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.exists(key),
                    lambda: store.delete(key)):
        with pytest.raises(KeyError):
            attempt()
    assert list(store.keys()) == []


def test_send_answers_with_the_file_and_its_key_as_etag(store, web):
    store.put(KEY, PDF, "application/pdf")
    with web.test_request_context():
        with store.send(KEY, "application/pdf", download_name="تقرير.pdf", as_attachment=True, max_age=0) as response:
            response.direct_passthrough = False
            assert response.status_code == 200
            assert response.get_data() == PDF
            assert response.get_etag() == (KEY, False)
            assert response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment;")


def test_send_answers_304_to_a_browser_that_has_the_file(store, web):
    store.put(KEY, PDF, "application/pdf")
    with web.test_request_context(headers={"If-None-Match": f'"{KEY}"'}):
        with store.send(KEY, "application/pdf", max_age=0, conditional=True) as response:
            assert response.status_code == 304


def test_send_answers_a_range_of_the_file(store, web):
    store.put(KEY, PDF, "application/pdf")
    with web.test_request_context(headers={"Range": "bytes=0-7", "If-None-Match": f'"{KEY}"'}):
        with store.send(KEY, "application/pdf", max_age=0, conditional=True) as response:
            response.direct_passthrough = False
            assert (response.status_code, response.get_data()) == (206, PDF[:8])


# What only S3 has: pages, a prefix, a bucket to spare ---------------------------------------------------------

@pytest.fixture
def s3_store(bucket, s3_endpoint):
    return S3Storage(bucket[0], endpoint_url=s3_endpoint, prefix=f"/{PREFIX}/", page_size=2)


def test_s3_lists_keys_page_by_page(s3_store):
    for n in range(5):
        s3_store.put(f"{n:048x}", b"x")
    with calls(s3_store, "ListObjectsV2") as made:
        assert len(list(s3_store.keys())) == 5
    assert len(made) == 3


def test_s3_keeps_files_under_the_prefix_and_lists_only_its_own(s3_store, bucket):
    name, client = bucket
    s3_store.put(KEY, PDF, "application/pdf")
    client.put_object(Bucket=name, Key="elsewhere", Body=b"not ours")
    client.put_object(Bucket=name, Key=f"{PREFIX}/deeper/{KEY}", Body=b"not ours either")
    assert objects(bucket) == {f"{PREFIX}/{KEY}", "elsewhere", f"{PREFIX}/deeper/{KEY}"}
    assert list(s3_store.keys()) == [KEY]
    assert client.head_object(Bucket=name, Key=f"{PREFIX}/{KEY}")["ContentType"] == "application/pdf"


def test_s3_revalidation_asks_nothing_of_the_bucket(s3_store, web):
    s3_store.put(KEY, PDF, "application/pdf")
    with calls(s3_store, "GetObject") as made, web.test_request_context(headers={"If-None-Match": f'W/"{KEY}"'}):
        with s3_store.send(KEY, "application/pdf", max_age=0, conditional=True) as response:
            assert response.status_code == 304
    assert made == []


def test_s3_errors_other_than_a_missing_key_are_not_hidden(s3_endpoint, aws_env):
    unknown = S3Storage("no-such-bucket-here", endpoint_url=s3_endpoint)
    for attempt in (lambda: unknown.get(KEY), lambda: unknown.put(KEY, b"x")):
        with pytest.raises(ClientError, match="NoSuchBucket"):
            attempt()


def test_boto3_is_imported_by_storage_s3_alone():
    importers = {i.source for i in imports() if i.target.split(".")[0] in ("boto3", "botocore")}
    assert importers == {"civicvoice.storage_s3"}


# Settings ---------------------------------------------------------------------------------------------------

def test_s3_settings_are_read_from_the_environment(monkeypatch):
    for name, value in {"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": "civicvoice-files",
                        "STORAGE_S3_ENDPOINT_URL": "https://s3.example.net", "STORAGE_S3_REGION": "eu-central-1",
                        "STORAGE_S3_PREFIX": "site"}.items():
        monkeypatch.setenv(name, value)
    config = create_app(TEST_CONFIG).config
    assert (config["STORAGE_BACKEND"], config["STORAGE_S3_BUCKET"], config["STORAGE_S3_ENDPOINT_URL"],
            config["STORAGE_S3_REGION"], config["STORAGE_S3_PREFIX"]) == (
        "s3", "civicvoice-files", "https://s3.example.net", "eu-central-1", "site")


def test_the_s3_defaults_are_aws_in_us_east_1_at_the_bucket_root():
    config = create_app(TEST_CONFIG).config
    assert (config["STORAGE_BACKEND"], config["STORAGE_S3_ENDPOINT_URL"], config["STORAGE_S3_REGION"],
            config["STORAGE_S3_PREFIX"]) == ("local", "", "us-east-1", "")


def test_s3_without_a_bucket_stops_the_start(monkeypatch):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.delenv("STORAGE_S3_BUCKET", raising=False)
    with pytest.raises(RuntimeError, match="STORAGE_S3_BUCKET"):
        create_app(TEST_CONFIG)


@pytest.mark.parametrize("backend", ["S3", "disk", "minio"])
def test_an_unknown_storage_backend_stops_the_start(monkeypatch, backend):
    monkeypatch.setenv("STORAGE_BACKEND", backend)
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        create_app(TEST_CONFIG)


@pytest.mark.parametrize("endpoint", ["s3.example.net", "ftp://s3.example.net", "https://"])
def test_an_endpoint_that_is_no_address_stops_the_start(endpoint):
    with pytest.raises(RuntimeError, match="STORAGE_S3_ENDPOINT_URL"):
        create_app({**TEST_CONFIG, "STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": "files",
                    "STORAGE_S3_ENDPOINT_URL": endpoint})


# The app on S3 ----------------------------------------------------------------------------------------------

def _on_s3(app, bucket, endpoint, upload_dir: Path) -> None:
    app.config.update(STORAGE_BACKEND="s3", STORAGE_S3_BUCKET=bucket[0], STORAGE_S3_ENDPOINT_URL=endpoint,
                      STORAGE_S3_PREFIX=PREFIX, UPLOAD_DIR=str(upload_dir))


@pytest.fixture
def s3_app(app, bucket, s3_endpoint, tmp_path):
    """The test's app storing on S3; its UPLOAD_DIR (which must stay empty) as `app.local`."""
    _on_s3(app, bucket, s3_endpoint, tmp_path / "uploads-a")
    app.local = tmp_path / "uploads-a"
    yield app
    del app.local


@pytest.fixture
def w(s3_app):
    community = make_community(slug="midan")
    council = link_council(community)
    return community, council, make_member(community)


def _draft_with(client, community, council, files) -> Proposal:
    response = client.post(f"/communities/{community.slug}/demands/new", content_type="multipart/form-data", data={
        "title": "إصلاح سقف مدرسة البنات", "summary": "السقف يدلف في الشتاء.", "body": "تفاصيل",
        "category": "facility_repair", "place": "الحارة القبلية", "resolution": "سقف لا يدلف.",
        "council_id": str(council.id), "attachments": [(io.BytesIO(data), name) for data, name in files]})
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Proposal).order_by(Proposal.id.desc()))


def _download(client, url, **headers):
    with client.get(url, headers=headers) as response:
        return response.status_code, response.headers, response.get_data()


def test_an_attachment_is_stored_in_the_bucket_and_served_by_its_view(s3_app, client, login_as, w, bucket):
    community, council, member = w
    login_as(member)
    proposal = _draft_with(client, community, council, [(PDF, "تقرير.pdf")])
    [item] = attachments.of(proposal)
    assert objects(bucket) == {f"{PREFIX}/{item.storage_key}"}
    url = f"/demands/{proposal.id}/attachments/{item.id}"
    status, headers, data = _download(client, url)
    assert (status, data, headers["ETag"]) == (200, PDF, f'"{item.storage_key}"')
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    status, _headers, data = _download(client, url, **{"If-None-Match": headers["ETag"]})
    assert (status, data) == (304, b"")
    assert not s3_app.local.exists()


def test_a_removed_attachment_leaves_the_bucket(s3_app, client, login_as, w, bucket):
    community, council, member = w
    login_as(member)
    proposal = _draft_with(client, community, council, [(PDF, "تقرير.pdf")])
    [item] = attachments.of(proposal)
    assert client.post(f"/demands/{proposal.id}/attachments/{item.id}/remove").status_code == 303
    assert objects(bucket) == set()


def test_an_issued_letter_is_read_back_from_the_bucket(s3_app, client, login_as, outbox, bucket):
    letter = make_sent_letter(method="email")
    key = letter.issued.pdf_key
    assert objects(bucket) == {f"{PREFIX}/{key}"}
    [mailed] = [message["attachments"] for message in outbox if message.get("attachments")]
    assert [tuple(item) for item in mailed] == [(f"{letter.reference.replace('/', '-')}.pdf", "application/pdf",
                                                  b"%PDF-1.7 stand-in")]
    login_as(committee_member(letter.proposal.community))
    status, _headers, data = _download(client, f"/demands/{letter.proposal_id}/letter.pdf")
    assert (status, data) == (200, b"%PDF-1.7 stand-in")
    assert letters.issued_pdf(letter.issued) == b"%PDF-1.7 stand-in"
    assert not s3_app.local.exists()


def test_the_s3_backend_is_kept_while_its_settings_stay(s3_app):
    first = storage.backend()
    assert storage.backend() is first
    s3_app.config["STORAGE_S3_PREFIX"] = "elsewhere"
    assert storage.backend() is not first
    assert storage.backend().prefix == "elsewhere/"


# Two app hosts, one bucket ----------------------------------------------------------------------------------

def test_a_file_stored_by_one_host_is_served_by_the_other(s3_app, client, login_as, w, tmp_path):
    community, council, member = w
    login_as(member)
    proposal = _draft_with(client, community, council, [(PDF, "تقرير.pdf")])
    [first] = attachments.of(proposal)
    with another_host(s3_app, UPLOAD_DIR=str(tmp_path / "uploads-b")) as other:
        second = same_browser(client, other)
        status, _headers, data = _download(second, f"/demands/{proposal.id}/attachments/{first.id}")
        assert (status, data) == (200, PDF)
        # And the other way round: the second host stores, the first serves.
        response = second.post(f"/demands/{proposal.id}/edit", content_type="multipart/form-data", data={
            "title": proposal.title, "summary": proposal.summary, "body": proposal.body,
            "category": proposal.category, "place": proposal.place, "resolution": proposal.resolution,
            "council_id": str(council.id), "attachments": [(io.BytesIO(PDF + b"%v2\n"), "two.pdf")]})
        assert response.status_code == 303
    db.session.expire_all()
    [_first, added] = attachments.of(proposal)
    status, _headers, data = _download(client, f"/demands/{proposal.id}/attachments/{added.id}")
    assert (status, data) == (200, PDF + b"%v2\n")
    assert not s3_app.local.exists()
    assert not (tmp_path / "uploads-b").exists()
