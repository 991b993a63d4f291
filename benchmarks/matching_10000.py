"""Time the matching of 10 000 volunteers and 1 000 open opportunities and print the figures.

A benchmark, not a test: run it by hand on the target machine (the issue asks for matching that is "fast for
10 000 volunteers and 1 000 opportunities", SQL filtering and Python scoring only the candidates).

    .venv/bin/python benchmarks/matching_10000.py [--volunteers N] [--opportunities M] [--communities K]
                                                  [--database-url URL]

It builds a throw-away SQLite database in a temporary folder (or uses --database-url, a PostgreSQL database it
may wipe), runs the migrations, and writes the rows in bulk (people, memberships, profiles with 1-3 skills, days,
times, interests and a preferred centre; opportunities with 1-2 skills at a centre, dated or ongoing), all in one
community by default: the worst case, where every volunteer is a candidate of every opportunity. Then it times,
on the real services:
  - "suggested for you": the SQL candidates of one volunteer, then their ranking (many volunteers sampled);
  - "suggested volunteers": the SQL candidates of one opportunity, then their ranking (as a committee member sees
    them; the same query tells the matching volunteers when an opportunity is posted);
  - the pure scoring alone, on facts already in memory.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SAMPLES = {"volunteers": 200, "opportunities": 50}


def _ms(values) -> str:
    values = sorted(values)
    p95 = values[max(int(len(values) * 0.95) - 1, 0)]
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   max {values[-1] * 1000:7.1f} ms"


def build(volunteers: int, opportunities: int, communities: int, rng: random.Random) -> None:
    """The rows, in bulk (the services would hash 10 000 passwords); each one as the services would leave it."""
    from sqlalchemy import insert

    from civicvoice.accounts.models import User
    from civicvoice.communities.models import Centre, Community, Membership
    from civicvoice.database import utcnow
    from civicvoice.extensions import db
    from civicvoice.proposals.models import CATEGORIES
    from civicvoice.volunteers import profiles as volunteer_profiles
    from civicvoice.volunteers.models import (
        Opportunity,
        Skill,
        VolunteerProfile,
        category_bits,
        opportunity_skills,
        profile_centres,
        profile_skills,
    )

    volunteer_profiles.add_default_skills()
    skills = list(db.session.scalars(db.select(Skill.id)))
    bits, categories = category_bits(), list(CATEGORIES)
    now = utcnow()
    db.session.execute(insert(Community), [{"id": c + 1, "slug": f"c{c}", "code": f"C{c}", "name": f"حي {c}",
                                            "timezone": "Asia/Damascus"} for c in range(communities)])
    db.session.execute(insert(Centre), [{"id": n + 1, "community_id": n % communities + 1, "name": f"منارة {n}"}
                                        for n in range(communities * 3)])
    db.session.execute(insert(User), [{"id": n + 1, "email": f"v{n}@example.org", "email_key": f"v{n}@example.org",
                                       "display_name": f"متطوع {n}", "created_at": now} for n in range(volunteers + 1)])
    db.session.execute(insert(Membership), [{"community_id": n % communities + 1, "user_id": n + 1, "role": "member",
                                             "status": "active", "joined_at": now} for n in range(volunteers)])
    db.session.execute(insert(Membership), [{"community_id": c + 1, "user_id": volunteers + 1, "role": "committee",
                                             "status": "active", "joined_at": now} for c in range(communities)])
    db.session.execute(insert(VolunteerProfile), [{
        "id": n + 1, "user_id": n + 1, "tags": [], "about": "", "days": rng.randrange(1, 128),
        "times": rng.randrange(1, 8), "interests": sum(bits[k] for k in rng.sample(categories, 2)),
        "visibility": rng.choice(("committee", "members")), "created_at": now - timedelta(minutes=n),
        "updated_at": now} for n in range(volunteers)])
    db.session.execute(insert(profile_skills), [{"profile_id": n + 1, "skill_id": s} for n in range(volunteers)
                                                for s in rng.sample(skills, rng.randint(1, 3))])
    db.session.execute(insert(profile_centres), [{"profile_id": n + 1,
                                                  "centre_id": (n % communities) + 1 + communities * rng.randrange(3)}
                                                 for n in range(volunteers)])
    rows = []
    for n in range(opportunities):
        dated = n % 4 != 0
        starts = now + timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 12)) if dated else None
        rows.append({"id": n + 1, "community_id": n % communities + 1, "title": f"فرصة {n}", "description": "",
                     "centre_id": (n % communities) + 1 + communities * rng.randrange(3), "starts_at": starts,
                     "duration_minutes": 180 if dated else None, "days": 1 << rng.randrange(7),
                     "times": 1 << rng.randrange(3), "category": rng.choice(categories),
                     "capacity": rng.randint(2, 30), "places_taken": 0, "status": "open", "reason": "",
                     "created_at": now})
    db.session.execute(insert(Opportunity), rows)
    db.session.execute(insert(opportunity_skills), [{"opportunity_id": n + 1, "skill_id": s}
                                                    for n in range(opportunities) for s in rng.sample(skills, 2)])
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--opportunities", type=int, default=1_000)
    parser.add_argument("--communities", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL database this may wipe (default: a SQLite file)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from civicvoice import create_app
    from civicvoice.accounts.models import User
    from civicvoice.extensions import db
    from civicvoice.volunteers import candidates as volunteer_candidates
    from civicvoice.volunteers import matching
    from civicvoice.volunteers.models import Opportunity, VolunteerProfile

    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        app = create_app({"TESTING": True, "CIVICVOICE_ENV": "testing", "SECRET_KEY": "benchmark-" + "x" * 40,
                          "SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "memory", "RATELIMIT_ENABLED": False})
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
            started = time.perf_counter()
            build(args.volunteers, args.opportunities, args.communities, rng)
            built = time.perf_counter() - started

            profiles = db.session.scalars(select(VolunteerProfile).where(VolunteerProfile.id.in_(
                rng.sample(range(1, args.volunteers + 1), SAMPLES["volunteers"])))).all()
            suggest, suggest_counts = [], []
            for profile in profiles:
                started = time.perf_counter()
                ranked = volunteer_candidates.suggestions(profile.user)
                suggest.append(time.perf_counter() - started)
                suggest_counts.append(len(ranked))
                db.session.expire_all()

            chair = db.session.get(User, args.volunteers + 1)
            chosen = db.session.scalars(select(Opportunity).where(Opportunity.id.in_(
                rng.sample(range(1, args.opportunities + 1), SAMPLES["opportunities"])))).all()
            find, find_counts, candidates = [], [], []
            for opportunity in chosen:
                started = time.perf_counter()
                facts = volunteer_candidates.volunteer_candidates(opportunity)
                ranked = matching.rank_volunteers(volunteer_candidates.opportunity_facts(opportunity), facts)
                find.append(time.perf_counter() - started)
                find_counts.append(len(ranked))
                candidates.append(len(facts))
            facts = volunteer_candidates.volunteer_candidates(chosen[0])
            target = volunteer_candidates.opportunity_facts(chosen[0])
            started = time.perf_counter()
            for _ in range(10):
                matching.rank_volunteers(target, facts)
            pure = (time.perf_counter() - started) / 10
            opportunity_facts = volunteer_candidates.opportunity_candidates(profiles[0])
            started = time.perf_counter()
            for _ in range(100):
                matching.rank_opportunities(volunteer_candidates.volunteer_facts(profiles[0]), opportunity_facts)
            pure_opportunities = (time.perf_counter() - started) / 100
            assert volunteer_candidates.suggested_volunteers(chair, chosen[0])  # the committee's view runs too
            dialect = db.engine.dialect.name
            db.session.rollback()
            db.engine.dispose()

    print(f"volunteers {args.volunteers:,}, opportunities {args.opportunities:,}, communities {args.communities} "
          f"({dialect})")
    print(f"data set up                  {built:8.1f} s   (bulk inserts, not part of the matching)")
    print(f"suggested for you            {_ms(suggest)}   ({SAMPLES['volunteers']} volunteers, "
          f"{statistics.mean(suggest_counts):.0f} matches on average)")
    print(f"suggested volunteers         {_ms(find)}   ({SAMPLES['opportunities']} opportunities, "
          f"{statistics.mean(candidates):.0f} SQL candidates and {statistics.mean(find_counts):.0f} matches on average)")
    print(f"scoring only, 1 opportunity  {pure * 1000:7.1f} ms   for {len(facts):,} candidate volunteers")
    print(f"scoring only, 1 volunteer    {pure_opportunities * 1000:7.1f} ms   for {len(opportunity_facts):,} "
          f"candidate opportunities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
