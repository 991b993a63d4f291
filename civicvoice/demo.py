"""Demo data built through the services, so it obeys every rule real data does. Idempotent."""
from sqlalchemy import select

from .accounts import services as accounts
from .communities import services as communities
from .council import services as councils
from .council.models import Council
from .extensions import db

DEMO_PASSWORD = "demo-password-2026"

PEOPLE = [
    # email, name, locale, admin
    ("admin@civicvoice.example", "مدير الموقع", "ar", True),
    ("salma@civicvoice.example", "سلمى الحسن", "ar", False),
    ("omar@civicvoice.example", "عمر الخطيب", "ar", False),
    ("layla@civicvoice.example", "ليلى Haddad", "en", False),
    ("youssef@civicvoice.example", "يوسف العلي", "ar", False),
    ("staff@civicvoice.example", "رنا الموظفة", "ar", False),
]

COMMUNITIES = [
    {
        "slug": "al-midan", "code": "MDN", "name": "حي الميدان", "is_open": True,
        "description": "حي الميدان في دمشق: نعمل معاً على إصلاح المدرسة وشبكة المياه وخدمة كبار السن.",
        "centres": [{
            "name": "منارة الميدان المجتمعية", "address": "شارع الميدان الرئيسي، بجانب جامع الدقاق، دمشق",
            "opening_hours": "من الأحد إلى الخميس، 9:00 – 15:00", "phone": "+963 11 123 4567",
        }],
        "committee": ["salma@civicvoice.example"],
        "members": ["omar@civicvoice.example", "layla@civicvoice.example"],
    },
    {
        "slug": "ain-al-fijeh", "code": "AFJ", "name": "قرية عين الفيجة", "is_open": False,
        "description": "قرية في وادي بردى. الانضمام بموافقة اللجنة.",
        "centres": [
            {"name": "منارة عين الفيجة", "address": "ساحة القرية، قرب المدرسة الابتدائية",
             "opening_hours": "السبت والثلاثاء، 10:00 – 13:00", "phone": None},
            {"name": "نقطة دير مقرن", "address": "مبنى البلدية القديم", "opening_hours": "الأربعاء 16:00 – 18:00",
             "phone": None},
        ],
        "committee": ["youssef@civicvoice.example"],
        "members": ["omar@civicvoice.example"],
    },
]

DEMANDS = [
    # community, author, title, summary, category, final status, co-author
    ("al-midan", "omar@civicvoice.example", "إصلاح سقف مدرسة البنات في الميدان",
     "سقف الصفوف في الطابق الثاني يسرّب مياه المطر منذ الشتاء الماضي، والطالبات يدرسن في الممر.",
     "facility_repair", "open", "layla@civicvoice.example"),
    ("al-midan", "layla@civicvoice.example", "تأمين مياه الشرب لحارة الجامع",
     "المياه لا تصل إلى البيوت إلا يوماً واحداً في الأسبوع، ونطلب إصلاح الخط الرئيسي.",
     "water_sanitation", "in_review", None),
    ("ain-al-fijeh", "omar@civicvoice.example", "إنارة الطريق من الساحة إلى المدرسة",
     "الطريق مظلم بعد المغرب، والأطفال يعودون من الدروس المسائية فيه.", "electricity", "open", None),
]

COUNCIL = {
    "name": "مجلس مدينة دمشق", "jurisdiction": "محافظة دمشق", "contact_email": "diwan@damascus-council.example",
    "postal_address": "ساحة المحافظة، دمشق، سوريا", "response_days": 30,
}


def load() -> int:
    """Create what is missing; return how many records were created."""
    created = 0
    people = {}
    for email, name, locale, admin in PEOPLE:
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, DEMO_PASSWORD, admin=admin, locale=locale)
            created += 1
        people[email] = user
    admin = people["admin@civicvoice.example"]

    council = db.session.scalar(select(Council).where(Council.name == COUNCIL["name"]))
    if council is None:
        council = councils.create_council(admin, **COUNCIL)
        created += 1
    staff = people["staff@civicvoice.example"]
    if councils.staff_membership(staff) is None:
        # The demo skips the emailed invitation a real staff member would follow.
        councils.add_staff(admin, council, staff, "responder")
        created += 1

    for spec in COMMUNITIES:
        community = communities.by_slug(spec["slug"])
        if community is None:
            community = communities.create_community(
                admin, name=spec["name"], slug=spec["slug"], code=spec["code"], description=spec["description"],
                is_open=spec["is_open"])
            for centre in spec["centres"]:
                communities.add_centre(admin, community, **centre)
            communities.link_councils(admin, community, [council])
            created += 1
        for email in spec["committee"]:
            if communities.membership(community, people[email]) is None:
                communities.appoint_first_committee(admin, community, people[email])
                created += 1
        for email in spec["members"]:
            if communities.membership(community, people[email]) is None:
                member = communities.join(people[email], community)
                if member.status == "pending":
                    communities.approve_request(people[spec["committee"][0]], member)
                created += 1
    for spec in DEMANDS:
        created += _demand(people, council, *spec)
    created += _deliberation(people)
    created += _vote(people)
    return created


def _vote(people) -> int:
    """An adoption vote open on the street-lighting demand of Ain al-Fijeh, whose small goal is reached."""
    from datetime import timedelta

    from .database import utcnow
    from .proposals import services as proposals
    from .proposals.models import Proposal
    from .voting import services as voting

    proposal = db.session.scalar(select(Proposal).where(Proposal.title == DEMANDS[2][2]))
    if proposal is None or proposal.status != "open":
        return 0
    chair = people["youssef@civicvoice.example"]
    proposals.set_goal(chair, proposal, max(proposal.signature_count, 1))
    db.session.refresh(proposal)
    voting.open_adoption_vote(chair, proposal, closes_at=utcnow() + timedelta(days=7))
    return 1


def _deliberation(people) -> int:
    """Arguments, an amendment and a meeting on the school-roof demand, so the discussion pages have content."""
    from datetime import datetime, time, timedelta, timezone
    from zoneinfo import ZoneInfo

    from .deliberation import amendments
    from .deliberation import services as deliberation
    from .deliberation.models import Argument
    from .meetings import services as meetings
    from .proposals.models import Proposal

    proposal = db.session.scalar(select(Proposal).where(Proposal.title == DEMANDS[0][2]))
    if proposal is None or proposal.status != "open" or db.session.scalar(
            select(Argument.id).where(Argument.proposal_id == proposal.id).limit(1)):
        return 0
    salma, omar = people["salma@civicvoice.example"], people["omar@civicvoice.example"]
    layla = people["layla@civicvoice.example"]
    deliberation.post(salma, proposal, "for", "السقف يسرّب الماء فوق ثلاثة صفوف، والطالبات ينقلن إلى الممر في كل شتاء.")
    question = deliberation.post(salma, proposal, "question", "هل طلبتم تقدير كلفة من مهندس؟ الجهة الإدارية ستسأل عن ذلك.")
    deliberation.reply(omar, question, "نعم، المهندس Sami Haddad قدّر الكلفة بـ 4,500,000 ل.س تقريباً.", as_authors=True)
    against = deliberation.post(layla, proposal, "against",
                                "Repairing only the roof is not enough: the walls of the east wing are cracked too.")
    deliberation.mark_helpful(salma, against)
    amendments.propose(salma, proposal, "لنحدد موعداً واضحاً للتنفيذ قبل الشتاء.",
                       resolution="تنفيذ الإصلاح قبل بداية فصل الشتاء والتحقق منه من قبل اللجنة.")
    community = proposal.community
    local_day = (datetime.now(timezone.utc) + timedelta(days=7)).astimezone(ZoneInfo(community.timezone)).date()
    starts_at = datetime.combine(local_day, time(17, 0), tzinfo=ZoneInfo(community.timezone))
    meetings.schedule(salma, community, centre_id=community.centres[0].id, title="اجتماع مفتوح حول سقف المدرسة",
                      starts_at=starts_at.astimezone(timezone.utc), duration_minutes=90, capacity=40,
                      description="نناقش المطلب ونقرر موعد التصويت.", agenda_ids=[proposal.id])
    return 1


def _demand(people, council, slug, author_email, title, summary, category, status, coauthor_email) -> int:
    from .proposals import services as proposals
    from .proposals.models import Proposal

    community = communities.by_slug(slug)
    if db.session.scalar(select(Proposal.id).where(Proposal.community_id == community.id, Proposal.title == title)):
        return 0
    author = people[author_email]
    proposal = proposals.create_draft(
        author, community, title=title, summary=summary, category=category, council_id=council.id,
        body="## ما المشكلة؟\n" + summary + "\n\n## ما المطلوب؟\n- كشف هندسي\n- إصلاح خلال شهرين",
        place=community.name, latitude=None, longitude=None, resolution="تنفيذ الإصلاح والتحقق منه من قبل اللجنة.")
    if coauthor_email:
        proposals.invite_coauthor(author, proposal, people[coauthor_email])
        proposals.answer_invitation(people[coauthor_email], proposal, accept=True)
    proposals.submit(author, proposal)
    if status == "open":
        committee = communities.committee(community)[0].user
        proposals.publish(committee, proposal)
        from .signatures import services as signatures

        for person in people.values():
            if communities.is_active_member(community, person):
                signatures.sign(person, proposal, "public" if person.locale == "ar" else "letter_only")
    return 1
