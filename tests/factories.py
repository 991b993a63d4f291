"""Factories: plain functions with sane defaults, named after the state they build. They go through the services."""
from itertools import count

from civicvoice.accounts import services as accounts
from civicvoice.communities import services as communities
from civicvoice.council import services as councils
from civicvoice.database import utcnow
from civicvoice.extensions import db

PASSWORD = "correct horse battery staple"
_seq = count(1)


def make_user(name=None, email=None, *, verified=True, admin=False, locale="ar", password=PASSWORD, **fields):
    n = next(_seq)
    user = accounts.create_user(email or f"user{n}@example.org", name or f"مستخدم {n}", password, admin=admin,
                                locale=locale, verified=verified, check_password_policy=False)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def make_admin(**kwargs):
    return make_user(admin=True, **kwargs)


def make_community(name=None, *, is_open=True, admin=None, **kwargs):
    n = next(_seq)
    community = communities.create_community(admin, name=name or f"حي {n}", slug=kwargs.pop("slug", f"community-{n}"),
                                             code=kwargs.pop("code", f"C{n}"), is_open=is_open, **kwargs)
    db.session.commit()
    return community


def make_member(community, user=None, *, role="member"):
    user = user or make_user()
    if role == "committee":
        communities.appoint_first_committee(None, community, user)
    else:
        membership = communities.membership(community, user)
        if membership is None:
            membership = communities.join(user, community)
        if membership.status == "pending":
            membership.status, membership.joined_at = "active", utcnow()
    db.session.commit()
    return user


def make_committee(community, user=None):
    return make_member(community, user, role="committee")


def make_pending(community, user=None):
    user = user or make_user()
    communities.join(user, community)
    db.session.commit()
    return user


def make_council(name=None, **kwargs):
    council = councils.create_council(None, name=name or f"مجلس {next(_seq)}", **kwargs)
    db.session.commit()
    return council


def make_centre(community, **kwargs):
    centre = communities.add_centre(None, community, name=kwargs.pop("name", "منارة"), **kwargs)
    db.session.commit()
    return centre


def make_staff(council, user=None, role="responder"):
    user = user or make_user()
    councils.add_staff(None, council, user, role)
    db.session.commit()
    return user
