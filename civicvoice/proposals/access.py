"""Loading a demand for a request: every route and format answers 404 unless this person may see it."""
from flask import abort
from flask_login import current_user

from ..extensions import db
from . import rules
from .models import Proposal


def visible_proposal(proposal_id: int) -> Proposal:
    """The demand if this person may see it; 404 otherwise, so private demands do not leak."""
    proposal = db.get_or_404(Proposal, proposal_id)
    if not rules.can_view_proposal(current_user, proposal):
        abort(404)
    return proposal
