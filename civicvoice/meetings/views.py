from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import permissions, sections
from ..accounts import personal_data
from ..accounts.signals import account_deleted, contributors
from ..communities.signals import member_left
from ..communities.views import community_or_404
from ..database import write_transaction
from ..errors import InvalidInput
from ..extensions import db
from ..forms import ActionForm
from ..htmx import after_post
from ..params import MAX_PAGE, query_int
from ..redirects import see_other
from . import ics, personal, rules, services, texts
from .forms import CancelForm, MeetingForm, MinutesForm, RsvpForm
from .models import Meeting

bp = Blueprint("meetings", __name__)


def _meeting(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


def _here(meeting: Meeting) -> str:
    return url_for(".show", meeting_id=meeting.id)


def _meeting_form(community, meeting: Meeting | None = None) -> MeetingForm:
    data = {}
    if meeting is not None and request.method == "GET":
        local = meeting.starts_at.astimezone(ZoneInfo(community.timezone))
        data = {"date": local.date(), "time": local.time().replace(second=0, microsecond=0),
                "agenda": [item.proposal_id for item in meeting.agenda]}
    form = MeetingForm(obj=meeting, **data)
    form.centre_id.choices = [SelectChoice(c.id, c.name) for c in community.centres]
    form.agenda.choices = [SelectChoice(p.id, p.title) for p in services.agenda_choices(community)]
    return form


def _fields(form: MeetingForm, community) -> dict:
    """The form's values as the services take them; the local date and time become UTC in the community's zone."""
    local = datetime.combine(form.date.data, form.time.data, tzinfo=ZoneInfo(community.timezone))
    return {"centre_id": form.centre_id.data, "title": form.title.data, "description": form.description.data or "",
            "starts_at": local.astimezone(timezone.utc), "duration_minutes": form.duration_minutes.data,
            "capacity": form.capacity.data, "agenda_ids": form.agenda.data or []}


def _save(form: MeetingForm, community, action) -> bool:
    """Run the service; a rule it refuses (a past date…) shows under the form, which keeps what was typed."""
    try:
        action(**_fields(form, community))
    except InvalidInput as error:
        db.session.rollback()
        form.date.errors = [*form.date.errors, error.message]
        return False
    return True


@bp.route("/communities/<slug>/meetings")
def index(slug):
    community = community_or_404(slug)
    query_int("page", 1, maximum=MAX_PAGE)  # 400 for a page that is no page number, before the query
    past = db.paginate(services.past(community), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("meetings/index.html", community=community,
                           upcoming=services.upcoming(community, limit=50), past=past)


@bp.route("/communities/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def create(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_schedule_meeting(current_user, community))
    form = _meeting_form(community)
    if not community.centres:
        flash(_("Add a community centre first: meetings take place at a centre."), "error")
    meeting = None
    if form.validate_on_submit():
        def schedule(**fields):
            nonlocal meeting
            meeting = services.schedule(current_user, community, **fields)
        if _save(form, community, schedule):
            db.session.commit()
            flash(_("The meeting is scheduled and the members are told."), "success")
            return see_other(_here(meeting))
    return render_template("meetings/form.html", form=form, community=community, meeting=None)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id):
    meeting = _meeting(meeting_id)
    permissions.require(rules.can_edit_meeting(current_user, meeting))
    form = _meeting_form(meeting.community, meeting)
    if form.validate_on_submit() and _save(
            form, meeting.community, lambda **fields: services.update(current_user, meeting, **fields)):
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(_here(meeting))
    return render_template("meetings/form.html", form=form, community=meeting.community, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(meeting_id):
    meeting = _meeting(meeting_id)
    permissions.require(rules.can_cancel_meeting(current_user, meeting))
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel(current_user, meeting, form.reason.data)
        db.session.commit()
        flash(_("The meeting is cancelled; people who said they would come are told."), "success")
        return see_other(_here(meeting))
    return render_template("meetings/cancel.html", meeting=meeting, form=form)


def rsvp_context(meeting: Meeting) -> dict:
    counts = services.counts(meeting)
    answer = services.answer_of(current_user, meeting)
    return {"meeting": meeting, "counts": counts, "answer": answer,
            "places_left": services.places_left(meeting, counts["going"]),
            "rsvp_form": RsvpForm(answer=answer, formdata=None)}


@bp.route("/meetings/<int:meeting_id>")
def show(meeting_id):
    meeting = _meeting(meeting_id)
    return render_template("meetings/show.html", action_form=ActionForm(), **rsvp_context(meeting))


@bp.post("/meetings/<int:meeting_id>/rsvp")
@write_transaction
@login_required
def rsvp(meeting_id):
    meeting = _meeting(meeting_id)
    permissions.require(rules.can_rsvp_meeting(current_user, meeting))
    form = RsvpForm()
    if not form.validate_on_submit():
        flash(form.answer.errors[0] if form.answer.errors else _("Choose going, maybe or not going."), "error")
        return see_other(_here(meeting))
    services.rsvp(current_user, meeting, form.answer.data)
    db.session.commit()
    flash(_("Your answer is saved."), "success")
    return after_post("meetings/_rsvp.html", _here(meeting) + "#rsvp", **rsvp_context(meeting))


@bp.route("/meetings/<int:meeting_id>.ics")
def calendar(meeting_id):
    meeting = _meeting(meeting_id)
    response = Response(ics.calendar(meeting), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-{meeting.id}.ics"'
    return response


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(meeting_id):
    meeting = _meeting(meeting_id)
    permissions.require(rules.can_post_minutes(current_user, meeting))
    items = {item.id: item for item in meeting.agenda}
    if request.method == "GET":
        form = MinutesForm(minutes=meeting.minutes, attendance=meeting.attendance, outcomes=[
            {"item_id": item.id, "outcome": item.outcome or "", "note": item.outcome_note} for item in meeting.agenda])
    else:
        form = MinutesForm()
    if form.validate_on_submit():
        outcomes = {entry.item_id.data: (entry.outcome.data or None, entry.note.data or "")
                    for entry in form.outcomes if entry.item_id.data in items}
        services.post_minutes(current_user, meeting, form.minutes.data, form.attendance.data, outcomes)
        db.session.commit()
        flash(_("The minutes are posted; each outcome is on its demand's timeline."), "success")
        return see_other(_here(meeting))
    rows = [(entry, items.get(entry.item_id.data)) for entry in form.outcomes]
    return render_template("meetings/minutes.html", meeting=meeting, form=form,
                           rows=[(entry, item) for entry, item in rows if item is not None])


def _demand_meetings(proposal):
    meetings = services.for_proposal(proposal)
    return {"meetings": meetings} if meetings else None


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("meetings", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.aside", "meetings", "meetings/_demand_meetings.html", _demand_meetings, order=70)
    sections.add("community.aside", "meetings", "meetings/_community_meetings.html",
                 lambda community: {"meetings": services.upcoming(community)}, order=10)
    sections.add("centre.aside", "meetings", "meetings/_centre_meetings.html",
                 lambda community, centre: {"meetings": services.upcoming(community, centre=centre, limit=20)},
                 order=10)
    texts.register()
    member_left.connect(services.on_member_left)
    account_deleted.connect(services.on_account_deleted)
