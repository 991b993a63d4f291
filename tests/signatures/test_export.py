"""The committee's CSV of signers (SECURITY.md A.8): formulas neutralised, UTF-8 with a BOM, each signer's
name choice respected, and only for the committee of the demand."""
import csv
import io

import pytest

from civicvoice.signatures import export, services
from tests.factories import (committee_member, make_admin, make_committee, make_community, make_member,
                             make_paper_batch, make_proposal, make_signature, make_user)

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def demand(app):
    return make_proposal(make_community(), status="open")


def _download(client, login_as, proposal, user=None):
    login_as(user or committee_member(proposal.community))
    return client.get(f"/demands/{proposal.id}/signers.csv")


def _table(response) -> list[list[str]]:
    assert response.data.startswith(BOM)
    return list(csv.reader(io.StringIO(response.data[len(BOM):].decode("utf-8"))))


# The cells ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\",\"y\")",
                                  "\t=1", "\r=1"])
def test_a_cell_starting_like_a_formula_gets_a_leading_quote(text):
    assert export.cell(text) == "'" + text


@pytest.mark.parametrize("text", ["سعاد الأحمد", "Rana", "1+1", "a=b", "", "'quoted"])
def test_other_cells_are_kept_as_typed(text):
    assert export.cell(text) == text


def test_none_is_an_empty_cell():
    assert export.cell(None) == ""


# The download ------------------------------------------------------------------------------------

def test_formula_names_comments_and_neighbourhoods_are_neutralised(client, login_as, demand):
    make_signature(demand, make_user(name="=HYPERLINK(\"http://evil.example\",\"x\")"), comment="+cmd|' /C calc'!A0")
    make_signature(demand, make_user(name="@SUM(1)"), comment="-2+3")
    make_paper_batch(demand, rows=[("سعاد", "=1+1", ""), ("خالد", "@A1", "")])
    rows = _table(_download(client, login_as, demand))[1:]
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1)" in cells and "'-2+3" in cells and "''=1+1" not in cells
    assert "'=1+1" in cells and "'@A1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_csv_is_utf8_with_a_bom_and_a_download(client, login_as, demand):
    make_signature(demand, make_user(name="سعاد الأحمد"), comment="لأن الشارع مظلم")
    response = _download(client, login_as, demand)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params.get("charset", "utf-8") == "utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename=signers-{demand.id}.csv"
    assert "no-store" in response.headers["Cache-Control"]
    table = _table(response)
    assert ["سعاد الأحمد", "لأن الشارع مظلم"] == [table[1][1], table[1][-1]]


def test_the_csv_lists_confirmed_signatures_only_online_and_paper(client, login_as, demand):
    make_signature(demand, make_user(name="مؤكد"))
    make_signature(demand, make_user(name="معلق", verified=False))
    voided = make_signature(demand, make_user(name="ملغى"))
    services.void(committee_member(demand.community), voided, "وهمي")
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    table = _table(_download(client, login_as, demand))
    assert len(table) == 1 + 3
    assert [row[0] for row in table[1:]] == ["1", "2", "3"]
    body = "\n".join(",".join(row) for row in table)
    assert "مؤكد" in body and "معلق" not in body and "ملغى" not in body


def test_letter_only_names_and_paper_names_are_a_resident(client, login_as, demand):
    make_signature(demand, make_user(name="اسم للكتاب فقط"), visibility="letter_only")
    make_paper_batch(demand, rows=[("اسم على الورق", "الجامع", "0944123456")])
    committee = make_committee(demand.community, make_user(locale="en"))
    response = _download(client, login_as, demand, committee)
    body = response.data.decode("utf-8")
    assert "اسم للكتاب فقط" not in body and "اسم على الورق" not in body
    assert "0944123456" not in body
    assert [row[1] for row in _table(response)[1:]] == ["a resident", "a resident"]


def test_emails_and_phones_are_not_in_the_csv(client, login_as, demand):
    signer = make_user(email="signer@example.org", phone="0944999888")
    make_signature(demand, signer)
    body = _download(client, login_as, demand).data.decode("utf-8")
    assert "signer@example.org" not in body and "0944999888" not in body


# Who may download ----------------------------------------------------------------------------------

def test_a_member_gets_403(client, login_as, demand):
    assert _download(client, login_as, demand, make_member(demand.community)).status_code == 403


def test_the_committee_of_another_community_gets_403(client, login_as, demand):
    assert _download(client, login_as, demand, committee_member(make_community())).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client, demand):
    response = client.get(f"/demands/{demand.id}/signers.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_site_admin_downloads_it(client, login_as, demand):
    assert _download(client, login_as, demand, make_admin()).status_code == 200


@pytest.mark.parametrize("status", ["in_review", "hidden"])
def test_a_private_demand_is_404_for_outsiders_and_served_to_its_committee(client, login_as, status):
    demand = make_proposal(status=status)
    assert _download(client, login_as, demand, make_member(demand.community)).status_code == 404
    assert _download(client, login_as, demand, make_user()).status_code == 404
    assert _download(client, login_as, demand).status_code == 200


def test_headers_are_in_the_committees_language(client, login_as, demand):
    make_signature(demand)
    committee = make_committee(demand.community, make_user(locale="en"))
    assert _table(_download(client, login_as, demand, committee))[0][:3] == ["Number", "Name", "Neighbourhood"]
