import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import permissions, sections
from ..accounts import personal_data
from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.signals import contributors
from ..communities.views import community_or_404
from ..database import utcnow, write_transaction
from ..errors import Conflict, InvalidTransition
from ..extensions import db
from ..forms import ActionForm
from ..i18n import direction, ltr_text
from ..proposals.access import visible_proposal
from ..params import MAX_PAGE, query_int
from ..redirects import see_other
from ..signatures.export import cell
from . import charts, personal, rules, services, texts
from .forms import (
    ApprovalForm,
    AssistedVoterForm,
    CloseForm,
    OpenVoteForm,
    PriorityForm,
    ProxyForm,
    YesNoForm,
    ranking_form,
)
from .models import CHOICES, Poll

bp = Blueprint("voting", __name__)


def _poll(poll_id: int) -> Poll:
    """The vote (closed first if its time is over: closing happens on first access even without the scheduler)."""
    poll = db.get_or_404(Poll, poll_id)
    if poll.proposal_id is not None:
        visible_proposal(poll.proposal_id)
    if services.close_if_due(poll):
        db.session.commit()
    return poll


def _here(poll: Poll) -> str:
    return url_for(".show", poll_id=poll.id)


def _closes_at(form) -> object:
    return utcnow() + timedelta(days=form.closes_in_days.data)


# Opening ---------------------------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/vote/open", methods=["GET", "POST"])
@login_required
def open_vote(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_open_vote(current_user, proposal))
    form = OpenVoteForm()
    if form.validate_on_submit():
        poll = services.open_adoption_vote(
            current_user, proposal, closes_at=_closes_at(form), quorum_percent=form.quorum_percent.data,
            majority=form.majority.data, secret=form.secret.data, verified_only=form.verified_only.data)
        db.session.commit()
        flash(_("The vote is open; the members are told."), "success")
        return see_other(_here(poll))
    return render_template("voting/open.html", proposal=proposal, form=form)


@bp.route("/communities/<slug>/votes/new", methods=["GET", "POST"])
@login_required
def create_priority(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_create_priority_ballot(current_user, community))
    form = PriorityForm(quorum_percent=0)
    form.options.choices = [SelectChoice(p.id, p.title) for p in services.priority_choices(community)]
    if form.validate_on_submit() and _options_chosen(form):
        poll = services.open_priority_ballot(
            current_user, community, title=form.title.data, description=form.description.data or "",
            proposal_ids=form.options.data or [], method=form.method.data, closes_at=_closes_at(form),
            secret=form.secret.data, verified_only=form.verified_only.data, quorum_percent=form.quorum_percent.data)
        db.session.commit()
        flash(_("The ballot is open; the members are told."), "success")
        return see_other(_here(poll))
    return render_template("voting/priority_form.html", community=community, form=form)


def _options_chosen(form) -> bool:
    """Between 2 and MAX_OPTIONS demands; otherwise an error on the field, the form keeping what was typed."""
    if 2 <= len(set(form.options.data or [])) <= services.MAX_OPTIONS:
        return True
    form.options.errors = [*form.options.errors, _(
        "Choose between 2 and %(n)s open or adopted demands of this community.", n=services.MAX_OPTIONS)]
    return False


@bp.route("/communities/<slug>/votes")
def index(slug):
    community = community_or_404(slug)
    query_int("page", 1, maximum=MAX_PAGE)  # 400 for a page that is no page number, before the query
    page = db.paginate(services.of_community(community), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("voting/index.html", community=community, page=page)


# The vote page ---------------------------------------------------------------------------------

def _ballot_form(poll: Poll, answer=None):
    """The form for `poll`'s method, filled with `answer` (the person's current ballot) when given."""
    if poll.method == "yes_no":
        return YesNoForm(choice=answer)
    if poll.method == "approval":
        form = ApprovalForm(options=answer or [])
        form.options.choices = [SelectChoice(pid, title) for pid, title in _labels(poll).items()]
        return form
    return ranking_form(poll, _labels(poll), answer)


def _answer(poll: Poll, form):
    """The answer the form holds, or None when it is not valid (its errors then show on the page)."""
    if not form.validate_on_submit():
        return None
    if poll.method == "yes_no":
        return form.choice.data
    if poll.method == "approval":
        return form.options.data or []
    return form.ranking()


def _labels(poll: Poll) -> dict:
    return {o.proposal_id: services.option_title(o.proposal) for o in poll.options}


def _results(poll: Poll) -> dict:
    result = poll.result or {}
    rtl = direction() == "rtl"
    if poll.method == "yes_no":
        rows = [(CHOICES[c], result.get(c, 0)) for c in CHOICES]
        return {"chart": charts.bars(rows, rtl)}
    labels = _labels(poll)
    if poll.method == "approval":
        rows = [(labels[int(pid)], n) for pid, n in result.get("approvals", {}).items()]
        rows.sort(key=lambda row: -row[1])
        return {"chart": charts.bars(rows, rtl), "labels": labels}
    wins = {int(a): sum(1 for b, n in row.items() if n > result["pairwise"][b][a])
            for a, row in result.get("pairwise", {}).items()}
    rows = [(labels[pid], wins[pid]) for group in result.get("order", []) for pid in group]
    return {"chart": charts.bars(rows, rtl), "labels": labels, "wins": wins}


def poll_context(poll: Poll, form=None) -> dict:
    ballot = services.ballot_of(current_user, poll)
    answer = (ballot.choice if poll.method == "yes_no" else ballot.ranking) if ballot else None
    return {
        "poll": poll, "proposal": poll.proposal, "ballot": ballot,
        "participation": rules.participation_of(current_user, poll),
        "form": form or _ballot_form(poll, answer), "proxy_form": ProxyForm(formdata=None),
        "proxy_given": rules.proxy_given(current_user, poll),
        "proxies_held": [(proxy, _ballot_form(poll)) for proxy in rules.proxies_held(current_user, poll)
                         if rules.can_vote_by_proxy(current_user, poll, proxy.grantor)],
        "results": _results(poll) if poll.status == "closed" else None,
        "labels": _labels(poll), "action_form": ActionForm(),
    }


@bp.route("/votes/<int:poll_id>")
def show(poll_id):
    return render_template("voting/show.html", **poll_context(_poll(poll_id)))


def _receipt_message(ballot) -> str:
    return _("Your vote is counted. Your receipt code is %(code)s: note it to check your ballot in the results.",
             code=ltr_text(ballot.receipt))


def _refuse_clearly(poll: Poll) -> None:
    """An elector whose ballot can no longer be cast or changed is told why (409), not merely refused (403)."""
    if rules.can_vote(current_user, poll) or not rules.is_elector(current_user, poll):
        return
    if not poll.is_open:
        raise InvalidTransition(_("This vote is closed."))
    if rules.participation_of(current_user, poll) is not None:
        raise Conflict(_("This vote was already cast; it cannot be changed."))
    if rules.proxy_given(current_user, poll) is not None:
        raise Conflict(_("You gave your proxy for this vote: take it back to vote yourself."))


@bp.post("/votes/<int:poll_id>/ballot")
@write_transaction
@login_required
def cast(poll_id):
    poll = _poll(poll_id)
    _refuse_clearly(poll)
    permissions.require(rules.can_vote(current_user, poll))
    form = _ballot_form(poll)
    answer = _answer(poll, form)
    if answer is None:
        return render_template("voting/show.html", **poll_context(poll, form)), 400
    changing = rules.participation_of(current_user, poll) is not None
    ballot = services.cast(current_user, poll, answer)
    db.session.commit()
    flash(_("Your vote is changed.") if changing else _receipt_message(ballot), "success")
    return see_other(_here(poll))


@bp.post("/votes/<int:poll_id>/proxies/<int:grantor_id>/ballot")
@write_transaction
@login_required
def cast_by_proxy(poll_id, grantor_id):
    poll = _poll(poll_id)
    permissions.require(rules.can_vote_by_proxy(current_user, poll))
    proxy = next((p for p in rules.proxies_held(current_user, poll) if p.grantor_id == grantor_id), None)
    if proxy is None:
        abort(404)
    permissions.require(rules.can_vote_by_proxy(current_user, poll, proxy.grantor))
    form = _ballot_form(poll)
    answer = _answer(poll, form)
    if answer is None:
        flash(_("Check the ballot: %(error)s", error=_first_error(form)), "error")
        return see_other(_here(poll))
    ballot = services.cast_by_proxy(current_user, poll, proxy.grantor, answer)
    db.session.commit()
    flash(_("The vote of %(name)s is counted. Receipt code: %(code)s", name=proxy.grantor.known_name,
            code=ltr_text(ballot.receipt)), "success")
    return see_other(_here(poll))


def _first_error(form) -> str:
    errors = [*form.form_errors, *(e for field in form for e in field.errors)]
    return str(errors[0]) if errors else _("Please check what you entered.")


# Proxies ---------------------------------------------------------------------------------------

@bp.post("/votes/<int:poll_id>/proxy")
@write_transaction
@login_required
def give_proxy(poll_id):
    poll = _poll(poll_id)
    permissions.require(rules.can_give_proxy(current_user, poll))
    form = ProxyForm()
    holder = accounts.find_by_email(form.email.data) if form.validate_on_submit() else None
    if holder is None or not holder.is_active or not rules.is_elector(holder, poll):
        # An unknown address reads like a non-member: giving a proxy must not reveal who has an account.
        flash(_("No member entitled to vote in this vote uses this email address."), "error")
        return see_other(_here(poll))
    services.give_proxy(current_user, poll, holder)
    db.session.commit()
    flash(_("%(name)s can now vote for you in this vote.", name=holder.known_name), "success")
    return see_other(_here(poll))


@bp.post("/votes/<int:poll_id>/proxy/revoke")
@write_transaction
@login_required
def revoke_proxy(poll_id):
    poll = _poll(poll_id)
    permissions.require(rules.can_revoke_proxy(current_user, poll))
    services.revoke_proxy(current_user, poll)
    db.session.commit()
    flash(_("You took your proxy back: you can vote yourself."), "success")
    return see_other(_here(poll))


# The committee ---------------------------------------------------------------------------------

@bp.route("/votes/<int:poll_id>/assisted", methods=["GET", "POST"])
@write_transaction
@login_required
def assisted(poll_id):
    poll = _poll(poll_id)
    permissions.require(rules.can_record_assisted_ballot(current_user, poll))
    voter_form = AssistedVoterForm()
    voter_form.voter_id.choices = [SelectChoice(u.id, u.known_name) for u in services.assistable(poll)]
    form = _ballot_form(poll)
    if request.method == "POST" and voter_form.validate() and (answer := _answer(poll, form)) is not None:
        voter = db.session.get(User, voter_form.voter_id.data)
        ballot = services.record_assisted(current_user, poll, voter, answer)
        db.session.commit()
        flash(_("The ballot of %(name)s is counted. Give them their receipt code: %(code)s",
                name=voter.known_name, code=ltr_text(ballot.receipt)), "success")
        return see_other(url_for(".assisted", poll_id=poll.id))
    return render_template("voting/assisted.html", poll=poll, voter_form=voter_form, form=form,
                           labels=_labels(poll))


@bp.route("/votes/<int:poll_id>/close", methods=["GET", "POST"])
@write_transaction
@login_required
def close(poll_id):
    poll = _poll(poll_id)
    permissions.require(rules.can_close_poll(current_user, poll))
    form = CloseForm()
    if form.validate_on_submit():
        services.close(current_user, poll, form.reason.data)
        db.session.commit()
        flash(_("The vote is closed and counted."), "success")
        return see_other(_here(poll))
    return render_template("voting/close.html", poll=poll, form=form)


# Results ---------------------------------------------------------------------------------------

@bp.route("/votes/<int:poll_id>/ballots.csv")
def ballots_csv(poll_id):
    """Every ballot without its voter, sorted by receipt code: anyone can recount, each voter find theirs."""
    poll = _poll(poll_id)
    if poll.status != "closed":
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out)
    labels = _labels(poll)
    if poll.method == "yes_no":
        writer.writerow(["receipt", "choice"])
        writer.writerows([b.receipt, b.choice] for b in services.ballots(poll))
    else:
        writer.writerow(["receipt", "ranking" if poll.method == "ranked" else "approved"])
        writer.writerows([b.receipt, " > ".join(str(pid) for pid in b.ranking) if poll.method == "ranked"
                          else " ".join(str(pid) for pid in b.ranking)] for b in services.ballots(poll))
        writer.writerow([])
        writer.writerow(["demand", "title"])
        writer.writerows([pid, cell(title)] for pid, title in labels.items())
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="vote-{poll.id}-ballots.csv"'
    return response


@bp.route("/votes/<int:poll_id>/voters")
def voters(poll_id):
    poll = _poll(poll_id)
    permissions.require(rules.can_view_poll_votes(current_user, poll))
    page = db.paginate(services.votes_cast(poll), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("voting/voters.html", poll=poll, page=page, labels=_labels(poll),
                           channels=services.channels(poll, [ballot.voter_id for ballot in page.items]))


@bp.route("/votes/<int:poll_id>/ballots")
def ballot_list(poll_id):
    """The counted ballots with their receipt codes (closed votes); `receipt` finds one."""
    poll = _poll(poll_id)
    if poll.status != "closed":
        abort(404)
    receipt = (request.args.get("receipt") or "").strip().upper()[:20]
    if set(request.args) - {"receipt", "page"}:
        abort(400)
    query_int("page", 1, maximum=MAX_PAGE)  # 400 for a page that is no page number, before the query
    page = db.paginate(services.ballot_query(poll, receipt), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("voting/ballots.html", poll=poll, page=page, receipt=receipt, labels=_labels(poll))


def _demand_vote(proposal):
    poll = services.for_proposal(proposal)
    return {"poll": poll} if poll is not None else None


def _demand_open_vote(proposal):
    return {} if rules.can_open_vote(current_user, proposal) else None


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("voting", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.aside", "vote", "voting/_demand_vote.html", _demand_vote, order=10)
    sections.add("demand.aside", "open_vote", "voting/_demand_open_vote.html", _demand_open_vote, order=30)
    texts.register()
