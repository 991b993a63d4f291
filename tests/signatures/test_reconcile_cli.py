"""`flask signatures reconcile`: recounts confirmed signatures, reports each drifted demand, fixes it."""
import io
import re
from datetime import date

from PIL import Image
from sqlalchemy import select, text

from civicvoice.extensions import db
from civicvoice.proposals import attachments
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import services
from civicvoice.signatures.models import Signature
from tests.factories import committee_member, make_community, make_member, make_proposal, make_user


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 200, 190)).save(out, "JPEG")
    return out.getvalue()


def reconcile(app):
    db.session.commit()  # the command runs in its own app context and session: let it see our data
    result = app.test_cli_runner().invoke(args=["signatures", "reconcile"])
    assert result.exit_code == 0, result.output
    db.session.commit()  # and start a fresh read (SQLite keeps an open transaction's snapshot)
    return result.output


def stored(proposal_id) -> tuple[int, int, int]:
    columns = (Proposal.signature_count, Proposal.online_count, Proposal.paper_count)
    return tuple(db.session.execute(select(*columns).where(Proposal.id == proposal_id)).one())


def drift(proposal_id, online, paper):
    """Set the counters wrong, consistently: the check signature_count = online + paper still holds."""
    db.session.execute(text("UPDATE proposals SET online_count = :online, paper_count = :paper, "
                            "signature_count = :total WHERE id = :id"),
                       {"online": online, "paper": paper, "total": online + paper, "id": proposal_id})
    db.session.commit()


def reported(output) -> dict[int, str]:
    return {int(n): line for line in output.splitlines() for n in re.findall(r"^demand (\d+):", line)}


def signed_demands():
    """Demand A: 3 online (+1 pending, +1 voided) and 2 on paper (+1 voided); B: 1 online; C: none."""
    community = make_community()
    committee = committee_member(community)
    a, b, c = (make_proposal(community, status="open") for _ in range(3))
    for _ in range(3):
        services.sign(make_member(community), a)
    services.sign(make_member(community, make_user(verified=False)), a)  # pending: not counted
    voided = services.sign(make_member(community), a)
    services.void(committee, voided, "حساب وهمي")
    scan = attachments.prepare([(jpeg_bytes(), "sheet.jpg")])[0]
    batch = services.record_paper_batch(committee, a, centre=None, collected_on=date.today(), scan=scan,
                                        rows=[(f"ساكن {n}", "حارة الجامع", "") for n in range(3)])
    services.void(committee, batch_rows(batch)[0], "مكرر")
    services.sign(make_member(community), b)
    db.session.commit()
    return a.id, b.id, c.id


def batch_rows(batch):
    return list(db.session.scalars(
        select(Signature).where(Signature.batch_id == batch.id).order_by(Signature.id)))


def test_reconcile_reports_and_fixes_drift_then_finds_none(app):
    a, b, c = signed_demands()
    assert [stored(p) for p in (a, b, c)] == [(5, 3, 2), (1, 1, 0), (0, 0, 0)]
    drift(a, online=7, paper=0)
    drift(b, online=0, paper=4)

    output = reconcile(app)
    lines = reported(output)
    assert set(lines) == {a, b}, output
    assert "stored {'online': 7, 'paper': 0}, counted {'online': 3, 'paper': 2}" in lines[a]
    assert "stored {'online': 0, 'paper': 4}, counted {'online': 1, 'paper': 0}" in lines[b]
    assert "2 demand(s) had drifted." in output
    assert [stored(p) for p in (a, b, c)] == [(5, 3, 2), (1, 1, 0), (0, 0, 0)]

    again = reconcile(app)
    assert reported(again) == {}, again
    assert "0 demand(s) had drifted." in again
    assert [stored(p) for p in (a, b, c)] == [(5, 3, 2), (1, 1, 0), (0, 0, 0)]


def test_reconcile_fixes_a_demand_whose_rows_are_all_gone(app):
    """A demand with counters but no confirmed row left (e.g. rows deleted by hand) goes back to zero."""
    a, _b, _c = signed_demands()
    db.session.execute(text("DELETE FROM signatures WHERE proposal_id = :id AND status = 'confirmed'"),
                       {"id": a})
    db.session.commit()

    output = reconcile(app)
    assert set(reported(output)) == {a}, output
    assert "counted {'online': 0, 'paper': 0}" in reported(output)[a]
    assert stored(a) == (0, 0, 0)
    assert "0 demand(s) had drifted." in reconcile(app)


def test_reconcile_on_a_clean_database_reports_nothing(app):
    signed_demands()
    output = reconcile(app)
    assert reported(output) == {} and "0 demand(s) had drifted." in output

