"""Photos and documents of a demand: checked by content, cleaned of metadata, stored outside static/ under
random names, served with safe headers, and refused with a clear message that keeps the rest of the form."""
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from sqlalchemy import func, select

from civicvoice import storage
from civicvoice.activity.models import Event
from civicvoice.communities.services import link_councils
from civicvoice.extensions import db
from civicvoice.proposals import attachments
from civicvoice.proposals import services as proposals
from civicvoice.proposals.models import Attachment, Proposal
from tests.factories import make_committee, make_community, make_council, make_member, make_user

FIELDS = {
    "title": "إصلاح سقف مدرسة البنات", "summary": "السقف يدلف في الشتاء.", "body": "تفاصيل",
    "category": "facility_repair", "place": "الحارة القبلية", "resolution": "سقف لا يدلف.",
}
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def jpeg(size=(8, 6), exif=None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def png(size=(8, 6), text=None) -> bytes:
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.fixture
def w(app):
    council = make_council(name="مجلس البلدة")
    community = make_community(slug="midan")
    link_councils(None, community, [council])
    db.session.commit()
    return SimpleNamespace(council=council, community=community, committee=make_committee(community),
                           author=make_member(community), member=make_member(community), outsider=make_user())


def _form(w, files=(), **fields):
    return {**FIELDS, "council_id": str(w.council.id), **fields,
            "attachments": [(io.BytesIO(data), name) for data, name in files]}


def _draft(w, files=(), status="draft"):
    """A draft with these (data, filename) attached, through the services."""
    proposal = proposals.create_draft(w.author, w.community, **FIELDS, council_id=w.council.id, latitude=None,
                                      longitude=None)
    for upload in attachments.prepare(list(files), proposal):
        attachments.add(w.author, proposal, upload)
    if status != "draft":
        proposals.submit(w.author, proposal)
    if status == "open":
        proposals.publish(w.committee, proposal)
    db.session.commit()
    return proposal


def _stored(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"] or Path(app.instance_path) / "uploads")
    return sorted(directory.iterdir()) if directory.exists() else []


def _download(client, url):
    with client.get(url) as response:
        return response.status_code, response.headers, response.get_data()


def _error_under_attachments(page) -> str:
    match = re.search(r'<p class="error-message" id="attachments-error">(.*?)</p>', page, re.S)
    assert match, "no error under the attachments field"
    return match.group(1)


# Accepted files. ------------------------------------------------------------------------------------

def test_jpeg_png_and_pdf_are_attached_with_the_draft(app, client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(jpeg(), "صورة السقف.jpg"), (png(), "plan.PNG"), (PDF, "تقرير.pdf")]))
    assert response.status_code == 303
    proposal = db.session.scalar(select(Proposal))
    found = [(a.filename, a.content_type) for a in attachments.of(proposal)]
    assert found == [("صورة السقف.jpg", "image/jpeg"), ("plan.png", "image/png"),
                     ("تقرير.pdf", "application/pdf")]
    assert len(_stored(app)) == 3
    page = client.get(f"/demands/{proposal.id}").get_data(as_text=True)
    for a in attachments.of(proposal):
        assert f'href="/demands/{proposal.id}/attachments/{a.id}"' in page
    assert db.session.scalar(select(func.count(Event.id)).where(Event.verb == "proposal.attachment_added")) == 3


def test_files_can_be_added_while_editing(client, login_as, w):
    proposal = _draft(w, [(png(), "one.png")])
    login_as(w.author)
    response = client.post(f"/demands/{proposal.id}/edit", content_type="multipart/form-data",
                           data=_form(w, [(PDF, "two.pdf")]))
    assert response.status_code == 303
    assert [a.filename for a in attachments.of(proposal)] == ["one.png", "two.pdf"]


def test_files_live_outside_static_under_random_names(app, w):
    proposal = _draft(w, [(png(), "my street.png"), (PDF, "../../etc/passwd.pdf")])
    static = Path(app.static_folder).resolve()
    names = []
    for a in attachments.of(proposal):
        path = (storage.upload_folder() / a.storage_key).resolve()
        assert path.is_file() and static not in path.parents
        assert re.fullmatch(r"[0-9a-f]{48}", path.name)  # nothing of the uploaded name, nothing guessable
        names.append(a.filename)
    assert names == ["my street.png", "passwd.pdf"]
    assert len({a.storage_key for a in attachments.of(proposal)}) == 2


@pytest.mark.app_config(UPLOAD_DIR=None)
def test_the_default_upload_directory_is_in_the_instance_folder(app, w):
    proposal = _draft(w, [(png(), "a.png")])
    path = storage.upload_folder() / attachments.of(proposal)[0].storage_key
    assert path.parent == Path(app.instance_path) / "uploads"


def test_the_upload_directory_is_configurable(app, tmp_path, w):
    app.config["UPLOAD_DIR"] = str(tmp_path / "elsewhere")
    proposal = _draft(w, [(png(), "a.png")])
    assert storage.upload_folder().joinpath(attachments.of(proposal)[0].storage_key).parent == tmp_path / "elsewhere"
    assert len(list((tmp_path / "elsewhere").iterdir())) == 1


# Refused files keep the rest of the form. --------------------------------------------------------------

def _assert_form_kept(page):
    assert 'value="إصلاح سقف مدرسة البنات"' in page
    assert "السقف يدلف في الشتاء.</textarea>" in page
    assert 'value="الحارة القبلية"' in page and "سقف لا يدلف.</textarea>" in page
    assert '<option selected value="facility_repair">' in page


def test_a_pdf_renamed_jpg_is_refused_and_the_form_kept(app, client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(png(), "good.png"), (PDF, "photo.jpg")]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "photo.jpg" in _error_under_attachments(page)
    assert "لا يطابق ما يدلّ عليه اسمه" in _error_under_attachments(page)  # "is not what its name says"
    assert 'aria-invalid="true"' in page
    _assert_form_kept(page)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    assert _stored(app) == []  # the good file was not kept either


def test_a_text_file_is_refused(app, client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(b"just some text\n", "notes.txt")]))
    assert response.status_code == 200
    assert _error_under_attachments(response.get_data(as_text=True))
    _assert_form_kept(response.get_data(as_text=True))
    assert _stored(app) == []


@pytest.mark.parametrize("data, name", [(b"just some text\n", "notes.png"), (b"<svg onload=alert(1)>", "x.pdf"),
                                        (b"GIF89a....", "anim.jpg"), (b"", "empty.png")])
def test_files_that_are_not_jpeg_png_or_pdf_inside_are_refused(app, client, login_as, w, data, name):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(data, name)]))
    assert response.status_code == 200
    assert name in _error_under_attachments(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_a_broken_image_is_refused_with_a_message(app, client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png")]))
    assert response.status_code == 200
    assert _error_under_attachments(response.get_data(as_text=True))
    assert _stored(app) == []


@pytest.mark.app_config(ATTACHMENT_MAX_BYTES=1000)
def test_an_oversized_file_gets_a_clear_error_and_the_form_is_kept(app, client, login_as, w):
    w.author.locale = "en"
    db.session.commit()
    big = png(size=(300, 300)) + b"\x00" * 2000
    assert len(big) > 1000
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(big, "big.png")]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = _error_under_attachments(page)
    assert "big.png" in error and "larger than" in error
    assert "than 0.001 MB" in error  # the limit is said as it is, not rounded down to "0 MB"
    _assert_form_kept(page)
    assert _stored(app) == [] and db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.app_config(ATTACHMENT_MAX_BYTES=1000)
def test_an_oversized_file_while_editing_saves_nothing(client, login_as, w):
    proposal = _draft(w)
    login_as(w.author)
    response = client.post(f"/demands/{proposal.id}/edit", content_type="multipart/form-data",
                           data=_form(w, [(PDF + b"%" * 2000, "big.pdf")], title="عنوان جديد للمطلب"))
    assert response.status_code == 200
    assert 'value="عنوان جديد للمطلب"' in response.get_data(as_text=True)  # what was typed is still there
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == FIELDS["title"]
    assert len(proposals.revisions(proposal)) == 1 and attachments.of(proposal) == []


@pytest.mark.app_config(ATTACHMENTS_PER_PROPOSAL=2)
def test_a_demand_has_at_most_so_many_attachments(client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", content_type="multipart/form-data",
                           data=_form(w, [(png(), "1.png"), (png(), "2.png"), (png(), "3.png")]))
    assert response.status_code == 200
    assert _error_under_attachments(response.get_data(as_text=True))
    proposal = _draft(w, [(png(), "1.png")])
    assert client.post(f"/demands/{proposal.id}/edit", content_type="multipart/form-data",
                       data=_form(w, [(png(), "2.png")])).status_code == 303
    response = client.post(f"/demands/{proposal.id}/edit", content_type="multipart/form-data",
                           data=_form(w, [(png(), "3.png")]))
    assert response.status_code == 200 and _error_under_attachments(response.get_data(as_text=True))
    assert [a.filename for a in attachments.of(proposal)] == ["1.png", "2.png"]


# Metadata. ---------------------------------------------------------------------------------------------

def test_exif_gps_and_artist_are_stripped_from_a_jpeg(client, login_as, w):
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Salma Haddad"
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (33.0, 30.0, 0.0),
                                  ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (36.0, 17.0, 0.0)}
    original = jpeg(exif=exif)
    with Image.open(io.BytesIO(original)) as image:  # the control: the metadata is really there
        assert image.getexif()[ExifTags.Base.Artist] == "Salma Haddad"
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    proposal = _draft(w, [(original, "roof.jpg")], status="open")
    a = attachments.of(proposal)[0]
    status, headers, body = _download(client, f"/demands/{proposal.id}/attachments/{a.id}")
    assert status == 200
    assert b"Salma" not in body and b"PhoneMaker" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "JPEG" and image.size == (8, 6)
        assert dict(image.getexif()) == {}
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert storage.read(a.storage_key) == body  # what is stored is the cleaned copy


def test_exif_orientation_is_applied_before_it_is_dropped(w):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was held sideways
    proposal = _draft(w, [(jpeg(size=(8, 4), exif=exif), "sideways.jpg")])
    with Image.open(io.BytesIO(storage.read(attachments.of(proposal)[0].storage_key))) as image:
        assert image.size == (4, 8)
        assert ExifTags.Base.Orientation not in image.getexif()


def test_png_text_chunks_are_stripped(w):
    proposal = _draft(w, [(png(text={"Author": "Salma Haddad", "Comment": "home address"}), "plan.png")])
    data = storage.read(attachments.of(proposal)[0].storage_key)
    assert b"Salma" not in data and b"home address" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and not image.text


def test_a_pdf_is_stored_as_uploaded(w):
    proposal = _draft(w, [(PDF, "report.pdf")])
    a = attachments.of(proposal)[0]
    assert storage.read(a.storage_key) == PDF and a.size == len(PDF)


# Download. ---------------------------------------------------------------------------------------------

def test_images_are_served_inline_with_safe_headers(client, w):
    proposal = _draft(w, [(png(), "plan.png"), (jpeg(), "roof.jpeg")], status="open")
    for a, kind in zip(attachments.of(proposal), ("image/png", "image/jpeg")):
        status, headers, body = _download(client, f"/demands/{proposal.id}/attachments/{a.id}")
        assert status == 200 and headers["Content-Type"] == kind
        assert headers["X-Content-Type-Options"] == "nosniff"
        csp = headers["Content-Security-Policy"]
        assert "sandbox" in csp and "default-src 'none'" in csp
        assert headers["Content-Disposition"].startswith("inline")
        assert "no-store" in headers["Cache-Control"] or "private" in headers["Cache-Control"]


def test_a_pdf_is_served_as_a_download(client, w):
    proposal = _draft(w, [(PDF, "تقرير المهندس.pdf")], status="open")
    a = attachments.of(proposal)[0]
    status, headers, body = _download(client, f"/demands/{proposal.id}/attachments/{a.id}")
    assert status == 200 and body == PDF
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''" in headers["Content-Disposition"]  # the Arabic name survives, encoded
    assert "sandbox" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_of_a_private_demand_is_404_for_outsiders(client, login_as, w):
    proposal = _draft(w, [(png(), "plan.png")], status="in_review")
    url = f"/demands/{proposal.id}/attachments/{attachments.of(proposal)[0].id}"
    assert _download(client, url)[0] == 404
    for outsider in (w.outsider, w.member):
        login_as(outsider)
        assert _download(client, url)[0] == 404
    for insider in (w.author, w.committee):
        login_as(insider)
        assert _download(client, url)[0] == 200


def test_an_attachment_is_only_found_under_its_own_demand(client, w):
    private = _draft(w, [(png(), "secret.png")])
    public = _draft(w, [(png(), "public.png")], status="open")
    secret = attachments.of(private)[0]
    assert _download(client, f"/demands/{public.id}/attachments/{secret.id}")[0] == 404
    assert _download(client, f"/demands/{public.id}/attachments/999999")[0] == 404


# Removal. ----------------------------------------------------------------------------------------------

def test_an_author_removes_an_attachment(app, client, login_as, w):
    proposal = _draft(w, [(png(), "one.png"), (PDF, "two.pdf")])
    one, two = attachments.of(proposal)
    key, one_id = one.storage_key, one.id
    login_as(w.author)
    edit_page = client.get(f"/demands/{proposal.id}/edit").get_data(as_text=True)
    assert f"/demands/{proposal.id}/attachments/{one_id}/remove" in edit_page
    response = client.post(f"/demands/{proposal.id}/attachments/{one_id}/remove")
    assert response.status_code == 303 and response.headers["Location"] == f"/demands/{proposal.id}/edit"
    assert [a.id for a in attachments.of(proposal)] == [two.id]
    assert not storage.exists(key) and storage.exists(two.storage_key)
    assert _download(client, f"/demands/{proposal.id}/attachments/{one_id}")[0] == 404
    assert client.post(f"/demands/{proposal.id}/attachments/{one_id}/remove").status_code == 404
    removed = db.session.scalar(select(Event).where(Event.verb == "proposal.attachment_removed"))
    assert removed.actor_id == w.author.id


def test_only_authors_of_an_editable_demand_remove_attachments(client, login_as, w):
    draft = _draft(w, [(png(), "one.png")])
    published = _draft(w, [(png(), "two.png")], status="open")
    login_as(w.committee)
    a = attachments.of(draft)[0]
    assert client.post(f"/demands/{draft.id}/attachments/{a.id}/remove").status_code == 403
    login_as(w.member)
    assert client.post(f"/demands/{draft.id}/attachments/{a.id}/remove").status_code == 404
    b = attachments.of(published)[0]
    assert client.post(f"/demands/{published.id}/attachments/{b.id}/remove").status_code == 403
    login_as(w.author)
    assert client.post(f"/demands/{published.id}/attachments/{b.id}/remove").status_code == 403
    assert db.session.scalar(select(func.count(Attachment.id))) == 2
