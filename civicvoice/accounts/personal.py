"""What accounts (and the activity below them) hold about a person, for their download."""
from sqlalchemy import select

from ..activity.models import Event, Notification, NotificationPreference
from ..extensions import db
from .models import AccountToken, User, UserSession
from .personal_data import Part, row

# Never given out: the password's hash; a session's or a link's secret (a copy would sign in or reset).
ACCOUNT_FIELDS = ("id", "email", "display_name", "phone", "locale", "digits", "show_name_publicly", "is_admin",
                  "created_at", "email_verified_at", "verified_in_person_at", "identity_level")


def export(user: User) -> Part:
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id))
    links = db.session.scalars(select(AccountToken).where(AccountToken.user_id == user.id).order_by(AccountToken.id))
    return Part({
        "account": row(user, *ACCOUNT_FIELDS),
        "sessions": [row(s, "id", "created_at", "last_seen_at", "expires_at", "remembered", "browser", "platform",
                         "revoked_at", "revoked_reason") for s in sessions],
        "emailed_links": [row(t, "purpose", "created_at", "expires_at", "used_at") for t in links],
    })


def export_activity(user: User) -> Part:
    """What the person did (each action's record, without what others' records say), what they were told, and how
    they chose to hear it. The details of an action are left out: a committee member's record may name others."""
    events = db.session.scalars(select(Event).where(Event.actor_id == user.id).order_by(Event.id))
    notifications = db.session.scalars(select(Notification).where(Notification.recipient_id == user.id)
                                       .order_by(Notification.id))
    preferences = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id)
                                     .order_by(NotificationPreference.kind))
    return Part({
        "actions": [row(e, "verb", "subject_type", "subject_id", "community_id", "created_at") for e in events],
        "notifications": [row(n, "kind", "created_at", "read_at", "email", "mailed_at")
                          | row(n.event, "verb", "subject_type", "subject_id") for n in notifications],
        "notification_preferences": [row(p, "kind", "channel", "updated_at") for p in preferences],
    })
