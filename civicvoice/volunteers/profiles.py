"""Volunteer profiles and the site's list of skills: what a person can give, when, where, and who may see it."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import activity
from ..communities.models import Centre, Membership
from ..errors import InvalidInput
from ..extensions import db
from .models import (
    ALL_DAYS,
    ALL_TIMES,
    DEFAULT_SKILLS,
    VISIBILITY,
    Skill,
    VolunteerProfile,
    category_bits,
)

MAX_TAGS = 10


def skills(active_only: bool = True) -> list[Skill]:
    query = select(Skill).order_by(Skill.key)
    return list(db.session.scalars(query.where(Skill.active.is_(True)) if active_only else query))


def add_default_skills() -> int:
    """Put back any skill of DEFAULT_SKILLS missing from the list (the demo on an emptied database); returns how
    many were added. Skills an administrator renamed or took off the list are left as they are."""
    known = set(db.session.scalars(select(Skill.key)))
    missing = [Skill(key=key, name_ar=ar, name_en=en, active=True) for key, ar, en in DEFAULT_SKILLS
               if key not in known]
    db.session.add_all(missing)
    db.session.flush()
    return len(missing)


def add_skill(actor, *, key: str, name_ar: str, name_en: str) -> Skill:
    """A new skill on the site's list; a key already used is refused."""
    key = key.strip().lower()
    if not key or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in key):
        raise InvalidInput(_("Use lower-case Latin letters, digits and _ for the key."))
    skill = Skill(key=key, name_ar=name_ar.strip(), name_en=name_en.strip(), active=True)
    try:
        with db.session.begin_nested():
            db.session.add(skill)
    except IntegrityError:
        raise InvalidInput(_("A skill with this key already exists.")) from None
    activity.record(actor, "volunteering.skill_added", skill, None, key=key)
    return skill


def update_skill(actor, skill: Skill, *, name_ar: str, name_en: str, active: bool) -> None:
    """Rename a skill or take it off the list (profiles and opportunities that have it keep it)."""
    skill.name_ar, skill.name_en, skill.active = name_ar.strip(), name_en.strip(), active
    db.session.flush()
    activity.record(actor, "volunteering.skill_changed", skill, None, key=skill.key, active=active)


def _skills_by_id(ids) -> list[Skill]:
    ids = set(ids or ())
    if not ids:
        return []
    found = list(db.session.scalars(select(Skill).where(Skill.id.in_(ids), Skill.active.is_(True))))
    if len(found) != len(ids):
        raise InvalidInput(_("Choose skills from the list."))
    return found


def profile_of(user) -> VolunteerProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))


def centre_choices(user) -> list[Centre]:
    """Centres of the communities the person is an active member of (their preferred centres come from these)."""
    return list(db.session.scalars(
        select(Centre).join(Membership, Membership.community_id == Centre.community_id)
        .where(Membership.user_id == user.id, Membership.status == "active").order_by(Centre.name, Centre.id)))


def parse_tags(text: str) -> list[str]:
    """Free tags typed as "tag, tag، tag": trimmed, without duplicates, at most MAX_TAGS of 40 characters."""
    parts = [part.strip() for part in (text or "").replace("،", ",").split(",")]
    tags = list(dict.fromkeys(part[:40] for part in parts if part))
    if len(tags) > MAX_TAGS:
        raise InvalidInput(_("Give at most %(n)s free tags.", n=MAX_TAGS))
    return tags


def mask(bits) -> int:
    return sum(1 << int(bit) for bit in set(bits or ()))


def save_profile(user, *, skill_ids=(), tags=(), interests=(), days: int = 0, times: int = 0, centre_ids=(),
                 about: str = "", visibility: str = "committee") -> VolunteerProfile:
    """Create or replace the person's volunteer profile; refuses skills, centres or choices not on the lists."""
    if visibility not in VISIBILITY:
        raise InvalidInput(_("Choose who may see your profile."))
    if not (0 <= days <= ALL_DAYS and 0 <= times <= ALL_TIMES):
        raise InvalidInput(_("Choose days and times from the list."))
    bits = category_bits()
    if any(key not in bits for key in interests):
        raise InvalidInput(_("Choose a category from the list."))
    allowed = {centre.id: centre for centre in centre_choices(user)}
    if any(cid not in allowed for cid in centre_ids):
        raise InvalidInput(_("Choose centres of your communities."))
    profile = profile_of(user)
    created = profile is None
    if created:
        profile = VolunteerProfile(user_id=user.id)
        db.session.add(profile)
    profile.skills = _skills_by_id(skill_ids)
    profile.centres = [allowed[cid] for cid in dict.fromkeys(centre_ids)]
    profile.tags = list(tags)
    profile.interests = sum(bits[key] for key in set(interests))
    profile.days, profile.times = days, times
    profile.about, profile.visibility = about.strip(), visibility
    db.session.flush()
    activity.record(user, "volunteering.profile_created" if created else "volunteering.profile_changed", profile)
    return profile
