"""Demo data built through the services, so it obeys every rule real data does. Idempotent."""
import io
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from PIL import Image
from sqlalchemy import event, inspect, select

from .accounts import services as accounts
from .activity.models import Event
from .communities import rules as community_rules
from .communities import services as communities
from .communities.models import Council
from .council import responses
from .council import services as councils
from .database import utcnow
from .deliberation import amendments
from .deliberation import services as deliberation
from .deliberation.models import Argument
from .extensions import db
from .letters import deadlines
from .letters import services as letters
from .meetings import services as meetings
from .moderation import items
from .moderation import services as moderation
from .pdf import PdfUnavailable
from .proposals import attachments
from .proposals import services as proposals
from .proposals.models import Proposal
from .signatures import services as signatures
from .volunteers import hours, offers, opportunities, profiles, signups
from .volunteers.models import Opportunity
from .voting import services as voting

DEMO_PASSWORD = "demo-password-2026"  # nosec B105 # the demo accounts' password, published on purpose

PEOPLE = [
    # email, name, locale, admin
    ("admin@civicvoice.example", "مدير الموقع", "ar", True),
    ("salma@civicvoice.example", "سلمى الحسن", "ar", False),
    ("omar@civicvoice.example", "عمر الخطيب", "ar", False),
    ("layla@civicvoice.example", "ليلى Haddad", "en", False),
    ("youssef@civicvoice.example", "يوسف العلي", "ar", False),
    ("staff@civicvoice.example", "رنا الموظفة", "ar", False),
    ("samir@civicvoice.example", "سمير البائع", "ar", False),
]

COMMUNITIES = [
    {
        "slug": "al-midan", "code": "MDN", "name": "حي الميدان", "is_open": True,
        "description": "حي الميدان في دمشق: نعمل معاً على إصلاح المدرسة وشبكة المياه وخدمة كبار السن.",
        "centres": [{
            "name": "منارة الميدان المجتمعية", "address": "شارع الميدان الرئيسي، بجانب جامع الدقاق، دمشق",
            "opening_hours": "من الأحد إلى الخميس، 9:00 – 15:00", "phone": "+963 11 123 4567",
        }],
        # Two committee members, so a letter drafted by one can be approved by the other (four eyes).
        "committee": ["salma@civicvoice.example", "omar@civicvoice.example"],
        "members": ["layla@civicvoice.example", "samir@civicvoice.example"],
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
        # Omar on the committee too: the council's letters below are drafted by one and approved by the other.
        "committee": ["youssef@civicvoice.example", "omar@civicvoice.example"],
        "members": [],
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

# A demand of al-midan the community adopted by a vote, whose letter to the council Salma drafted: it waits for
# the approval of the other committee member, Omar (four eyes), who can then send it by email to the council.
ADOPTED = {
    "community": "al-midan", "author": "layla@civicvoice.example", "category": "health",
    "title": "إعادة فتح المستوصف الصحي في حي الميدان",
    "summary": "المستوصف مغلق منذ أكثر من سنة، وكبار السن والأطفال يقطعون مسافة طويلة إلى أقرب مركز صحي في المدينة.",
    "body": "## ما المشكلة؟\nأُغلق المستوصف بعد تقاعد الطبيب الوحيد فيه، والمبنى ما زال صالحاً ومجهزاً.\n\n"
            "## ما المطلوب؟\n- تعيين طبيب عام وممرضة ثلاثة أيام في الأسبوع\n"
            "- تأمين أدوية الأمراض المزمنة (السكري والضغط) لكبار السن",
    "place": "المستوصف القديم، شارع الميدان الرئيسي، دمشق",
    "resolution": "فتح المستوصف أيام الأحد والثلاثاء والخميس من 9:00 إلى 13:00 بطبيب وممرضة خلال شهرين.",
}
ADOPTED_PAPER = [  # signed at the centre on a sheet the committee entered: (name, neighbourhood, phone)
    ("أم محمد الشامي", "حارة الجامع", ""), ("أبو سمير الحلبي", "باب مصلى", ""),
    ("فاطمة الزين", "الميدان الفوقاني", "+963 944 123 456"), ("Rami Saleh", "حارة الجامع", ""),
    ("خديجة العمر", "الميدان التحتاني", ""), ("محمود القباني", "باب مصلى", ""),
]
LETTER = {
    "drafted_by": "salma@civicvoice.example", "approver": "omar@civicvoice.example", "language": "ar",
    "recipient_title": "السيد رئيس المجلس", "show_hijri": True,  # the salutation adds «المحترم»
}

COUNCIL = {
    "name": "مجلس مدينة دمشق", "jurisdiction": "محافظة دمشق", "contact_email": "diwan@damascus-council.example",
    "postal_address": "ساحة المحافظة، دمشق، سوريا", "response_days": 30,
    # 30 working days: Fridays and Saturdays (Python weekdays 4 and 5) are not counted.
    "working_days": True, "weekend": (4, 5),
}
RESPONDER = "staff@civicvoice.example"

# Two letters Ain al-Fijeh sent to the council, built in the past ("days" ago) through the services, for the
# council's inbox and the accountability pages: one overdue and unanswered, one acknowledged, accepted and
# scheduled. The older one comes first, so the references follow the dates (AFJ/<year>/001, then 002).
COUNCIL_COMMUNITY = "ain-al-fijeh"
COUNCIL_LETTERS = [
    {
        "title": "ترحيل النفايات من ساحة عين الفيجة مرتين في الأسبوع", "category": "environment",
        "summary": "سيارة النظافة لا تأتي إلا مرة كل أسبوعين، والنفايات تتراكم قرب المدرسة الابتدائية ومجرى النبع.",
        "body": "## ما المشكلة؟\nالحاويات الثلاث في الساحة تمتلئ خلال يومين، والرائحة تصل إلى الصفوف.\n\n"
                "## ما المطلوب؟\n- ترحيل النفايات يومي الأحد والأربعاء\n- حاويتان إضافيتان بعيداً عن مجرى النبع",
        "place": "ساحة القرية، قرب المدرسة الابتدائية",
        "resolution": "ترحيل النفايات مرتين في الأسبوع بانتظام لمدة ثلاثة أشهر على الأقل.",
        "paper": [("أم علي البرداوي", "الحارة الغربية", ""), ("أبو حسن الفيجاوي", "ساحة القرية", ""),
                  ("سعاد الخطيب", "طريق النبع", "")],
        # Sent 50 days ago: 30 working days are six weeks, so the deadline passed about a week ago.
        "days": {"adopted": 56, "sent": 50}, "registry_number": "3187",
    },
    {
        "title": "إصلاح خط مياه الشرب من النبع إلى الحارة الغربية", "category": "water_sanitation",
        "summary": "الأنبوب القديم مكسور في ثلاثة مواضع، والحارة الغربية بلا ماء للشرب منذ شهرين.",
        "body": "## ما المشكلة؟\nالخط الممتد من النبع إلى الحارة الغربية قديم ومكسور في ثلاثة مواضع.\n\n"
                "## ما المطلوب؟\n- استبدال الأنابيب المكسورة\n- فحص ضغط المياه بعد الإصلاح",
        "place": "الحارة الغربية، عين الفيجة",
        "resolution": "وصول مياه الشرب إلى بيوت الحارة الغربية كل يوم.",
        "paper": [("خالد البرداوي", "الحارة الغربية", ""), ("مريم العيسى", "الحارة الغربية", ""),
                  ("Hassan Nasr", "طريق النبع", ""), ("زينب الفيجاوي", "الحارة الغربية", "+963 933 222 111")],
        "days": {"adopted": 26, "sent": 20, "acknowledged": 18, "answered": 15, "progress": 12},
        "registry_number": "4512",
        "acknowledgement": "وصل الكتاب إلى ديوان المجلس وأحيل إلى مديرية الموارد المائية.",
        "answer": "وافق المجلس على إصلاح الخط. ستستبدل ورشة مؤسسة المياه نحو 300 متر من الأنابيب "
                  "على نفقة المجلس.",
        "progress": "حُدد موعد بدء العمل. قد تنقطع المياه عن الحارة الغربية يوماً واحداً أثناء الإصلاح.",
        "scheduled_in": 9,  # the work is scheduled 9 days after the demo is loaded
    },
]


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
            member = communities.membership(community, people[email])
            if member is None or member.status != "active" or member.role != "committee":
                # Also promotes a member of a demo loaded before they were on the committee.
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
    created += _letter(people, council)
    created += _council_letters(people, council)
    created += _moderation(people)
    created += _volunteers(people, COMMUNITIES)
    return created


def _moderation(people) -> int:
    """On the school-roof demand, Samir posts an advertisement (Layla reported it: it waits in al-midan's queue)
    and an argument naming a neighbour with her phone (Salma hid it: the public log says why, and Samir may
    appeal); al-midan holds arguments with links for review; Layla asks for an identity check at the centre."""
    samir, salma, layla = (people[f"{name}@civicvoice.example"] for name in ("samir", "salma", "layla"))
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == DEMANDS[0][2]))
    if proposal is None or proposal.status != "open" or db.session.scalar(
            select(Argument.id).where(Argument.author_id == samir.id).limit(1)):
        return 0
    advert = deliberation.post(samir, proposal, "for", "عندي أفضل أسعار للقرميد والعزل! اتصلوا بمحل البناء الحديث.")
    moderation.report(layla, items.of("argument", advert), "spam", "إعلان لمحل لا علاقة له بالمطلب.")
    personal = deliberation.post(samir, proposal, "against",
                                 "جارتنا أم خالد تعرف المقاول، رقمها 0944 555 123 واسألوها لماذا تأخر الإصلاح.")
    moderation.hide(salma, items.of("argument", personal), "كشف رقم هاتف جارة دون إذنها.")
    community = proposal.community
    moderation.update_rules(salma, community, report_threshold=3, hold_account_days=0, hold_links=True,
                            hold_words="")
    if community_rules.open_verification_request(layla, community) is None and layla.verified_in_person_at is None:
        communities.request_verification(layla, community, "أستطيع الحضور يوم الأحد صباحاً.")
    return 1


@contextmanager
def _days_ago(days: int):
    """The services called inside act `days` days ago: every time set on a row they add or change (a creation, a
    vote's closing time, a letter's sending) is moved back by that much, and so are such times in the data of the
    events they record. No clock is patched: the rules run as they do today, on the present."""
    session = db.session()
    session.flush()
    touched = {}

    def collect(session, *_args):
        for row in (*session.new, *session.dirty):
            touched[id(row)] = row

    start, shift = utcnow(), timedelta(days=days)
    event.listen(session, "before_flush", collect)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "before_flush", collect)
    for row in touched.values():
        for column in inspect(row).mapper.column_attrs:
            value = getattr(row, column.key)
            if isinstance(value, datetime) and value >= start:
                setattr(row, column.key, value - shift)
        if isinstance(row, Event) and row.data:
            row.data = {key: _moved_back(value, start, shift) for key, value in row.data.items()}
    session.flush()


def _moved_back(value, start, shift):
    """An ISO time in an event's data, moved back like the rows; anything else as it is."""
    if not isinstance(value, str) or "T" not in value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None or moment < start:
        return value
    return (moment - shift).isoformat()


def _council_letters(people, council) -> int:
    """Ain al-Fijeh's letters to the council (COUNCIL_LETTERS), sent by hand in the past.

    Approving a letter renders its PDF: without WeasyPrint (or Pango) these are left out, the rest of the demo
    loads, and a later `flask demo load` on a machine that has them adds them.
    """
    community = communities.by_slug(COUNCIL_COMMUNITY)
    created = 0
    for spec in COUNCIL_LETTERS:
        if db.session.scalar(select(Proposal.id).where(Proposal.community_id == community.id,
                                                       Proposal.title == spec["title"])):
            continue
        try:
            with db.session.begin_nested():
                _council_letter(people, council, community, spec)
        except PdfUnavailable as error:
            current_app.logger.warning("Demo: the letters sent to the council are left out: %s", error.message)
            break
        created += 1
    return created


def _council_letter(people, council, community, spec) -> None:
    """One demand of Ain al-Fijeh from its draft to the council's last step in `spec`, each step on its day."""
    days = spec["days"]
    chair, drafter = people["youssef@civicvoice.example"], people["omar@civicvoice.example"]
    staff = people[RESPONDER]

    def local_day(ago: int):
        return letters.local_today(community) - timedelta(days=ago)

    # A week of signing (online and on a paper sheet), then the vote, adopted when it closes.
    with _days_ago(days["adopted"] + 7):
        fields = {name: spec[name] for name in ("title", "summary", "category", "body", "place", "resolution")}
        proposal = proposals.create_draft(drafter, community, council_id=council.id, latitude=None, longitude=None,
                                          **fields)
        proposals.submit(drafter, proposal)
        proposals.publish(chair, proposal)
        for person in people.values():
            if communities.is_active_member(community, person):
                signatures.sign(person, proposal, "public")
        sheet = io.BytesIO()
        Image.new("RGB", (60, 80), "white").save(sheet, "PNG")
        [scan] = attachments.prepare([(sheet.getvalue(), "sheet.png")])
        signatures.record_paper_batch(chair, proposal, centre=community.centres[0],
                                      collected_on=local_day(days["adopted"] + 7), scan=scan, rows=spec["paper"])
        proposals.set_goal(chair, proposal, proposal.signature_count)
        db.session.refresh(proposal)
        poll = voting.open_adoption_vote(chair, proposal, closes_at=utcnow() + timedelta(days=7))
        for voter in voting.electors(poll):
            voting.cast(voter, poll, "yes")
    with _days_ago(days["adopted"]):
        voting.close(None, poll)  # the scheduler, when its time was up
    db.session.refresh(proposal)

    # The letter: drafted by Omar, approved by Youssef (four eyes), delivered by hand at the council's office.
    with _days_ago(days["sent"] + 2):
        letter = letters.create(drafter, proposal, "ar")
        letters.edit(drafter, letter, letter_date=local_day(days["sent"] + 1), show_hijri=True,
                     recipient_title=LETTER["recipient_title"])
    with _days_ago(days["sent"] + 1):
        letters.approve(chair, letter)
    with _days_ago(days["sent"]):
        letters.record_hand_delivery(drafter, letter, delivered_on=local_day(days["sent"]),
                                     delivered_by=drafter.display_name, registry_number=spec["registry_number"])
    # Its deadline, counted in the council's calendar from the day it was really delivered.
    letter.response_due_on = deadlines.due_date(council, letter.sent_at, letter.delivered_on)
    _set_due_in_events(proposal, letter.response_due_on)

    if "acknowledged" in days:
        with _days_ago(days["acknowledged"]):
            responses.acknowledge(staff, letter, registry_number=spec["registry_number"],
                                  body=spec["acknowledgement"], language="ar")
    if "answered" in days:
        with _days_ago(days["answered"]):
            responses.answer(staff, letter, "accepted", body=spec["answer"], language="ar")
    if "progress" in days:
        with _days_ago(days["progress"]):
            responses.post_progress(staff, letter, "scheduled", spec["progress"],
                                    scheduled_for=deadlines.today(council) + timedelta(days=spec["scheduled_in"]),
                                    language="ar")
    db.session.flush()


def _set_due_in_events(proposal, due) -> None:
    for item in db.session.scalars(select(Event).where(Event.subject_type == "proposals",
                                                       Event.subject_id == proposal.id,
                                                       Event.verb == "proposal.send_letter")):
        item.data = dict(item.data, due=due.isoformat())


def _vote(people) -> int:
    """An adoption vote open on the street-lighting demand of Ain al-Fijeh, whose small goal is reached."""
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

        for person in people.values():
            if communities.is_active_member(community, person):
                signatures.sign(person, proposal, "public" if person.locale == "ar" else "letter_only")
    return 1


def _letter(people, council) -> int:
    """The adopted clinic demand of al-midan and its draft letter, drafted by Salma, not approved.

    Approving renders the PDF (WeasyPrint); the demo stops before, so it loads on a machine without Pango, and
    Omar, the other committee member, can try the four-eyes approval.
    """
    community = communities.by_slug(ADOPTED["community"])
    proposal = db.session.scalar(select(Proposal).where(Proposal.community_id == community.id,
                                                        Proposal.title == ADOPTED["title"]))
    created = 0
    if proposal is None:
        proposal = _adopted(people, council, community)
        created += 1
    if proposal.status == "adopted" and letters.of(proposal) is None:
        drafter = people[LETTER["drafted_by"]]
        letter = letters.create(drafter, proposal, LETTER["language"])
        letters.edit(drafter, letter, recipient_title=LETTER["recipient_title"], show_hijri=LETTER["show_hijri"])
        created += 1
    return created


def _adopted(people, council, community):
    """Drafted by Layla (verified in person), published by the committee, signed online and on paper, adopted by a
    vote closed early."""
    author, chair = people[ADOPTED["author"]], communities.committee(community)[0].user
    if author.verified_in_person_at is None:  # Salma met Layla at the centre: one signer verified in person
        communities.verify_in_person(chair, community, author)
    fields = {name: ADOPTED[name] for name in ("title", "summary", "category", "body", "place", "resolution")}
    proposal = proposals.create_draft(author, community, council_id=council.id, latitude=None, longitude=None,
                                      **fields)
    proposals.submit(author, proposal)
    proposals.publish(chair, proposal)
    for person in people.values():
        if communities.is_active_member(community, person):
            signatures.sign(person, proposal, "public" if person.locale == "ar" else "letter_only")
    sheet = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(sheet, "PNG")
    [scan] = attachments.prepare([(sheet.getvalue(), "sheet.png")])
    signatures.record_paper_batch(chair, proposal, centre=community.centres[0], collected_on=date.today(), scan=scan,
                                  rows=ADOPTED_PAPER)
    proposals.set_goal(chair, proposal, proposal.signature_count)
    db.session.refresh(proposal)
    poll = voting.open_adoption_vote(chair, proposal, closes_at=utcnow() + timedelta(days=7))
    for voter in voting.electors(poll):
        voting.cast(voter, poll, "yes" if voter.locale == "ar" else "abstain")
    voting.close(chair, poll, "صوّت جميع الأعضاء قبل الموعد.")
    db.session.refresh(proposal)
    return proposal


# Volunteering in al-midan: a partner coordinator, Layla's profile, a clean-up done last week (3 hours each, Layla's
# feedback pending) and a work day on the school roof coming, which Layla is offered as "suggested for you".
PARTNER = ("hiba@civicvoice.example", "هبة النجار", "جمعية البر والخدمات الاجتماعية")
CLEANUP = "تنظيف ساحة المنارة وتجهيز الصفوف"
ROOF_DAY = "يوم عمل تطوعي لترميم سقف مدرسة البنات"


def _volunteers(people, community_specs) -> int:
    """Volunteer demo data through the services; added once (the clean-up's title is the marker)."""
    community = communities.by_slug(community_specs[0]["slug"])
    if db.session.scalar(select(Opportunity.id).where(Opportunity.title == CLEANUP)):
        return 0
    salma, omar, layla = (people[f"{name}@civicvoice.example"] for name in ("salma", "omar", "layla"))
    email, name, organisation = PARTNER
    partner = accounts.find_by_email(email) or accounts.create_user(email, name, DEMO_PASSWORD, locale="ar")
    profiles.add_default_skills()
    opportunities.add_coordinator(salma, community, partner, organisation)
    centre = community.centres[0]
    skills = {skill.key: skill.id for skill in profiles.skills()}
    profiles.save_profile(layla, skill_ids=[skills["building"], skills["teaching"]], tags=["دهان"],
                            interests=["facility_repair", "education"], days=0b0110000, times=0b001,
                            centre_ids=[centre.id], visibility="members",
                            about="I teach maths and have helped repair houses in the neighbourhood.")
    roof = db.session.scalar(select(Proposal).where(Proposal.title == DEMANDS[0][2]))
    zone = ZoneInfo(community.timezone)

    def on(days: int, hour: int):
        day = (datetime.now(timezone.utc) + timedelta(days=days)).astimezone(zone).date()
        return datetime.combine(day, time(hour, 0), tzinfo=zone).astimezone(timezone.utc)

    with _days_ago(8):  # posted last week for the next day: it took place a week ago
        cleanup = opportunities.post(salma, community, title=CLEANUP, centre_id=centre.id, starts_at=on(1, 9),
                                  duration_minutes=180, capacity=6, skill_ids=[skills["events"]],
                                  description="نجهز الساحة والصفوف قبل بدء الدروس المسائية.")
        for person in (layla, omar):
            signups.confirm(salma, signups.sign_up(person, cleanup))
    hours.record_hours(salma, cleanup, {signup.id: 3 for signup in signups.confirmed(cleanup)})
    if roof is not None and roof.status in ("open", "voting", "adopted"):
        offers.offer_help(omar, roof, kind="time", hours=8, detail="يومان من العمل في عطلة نهاية الأسبوع")
        offers.offer_help(salma, roof, kind="resource", detail="سلم كبير وأدوات دهان")
        day = next(d for d in range(3, 10) if on(d, 9).astimezone(zone).weekday() == 4)  # the coming Friday
        opportunities.post(partner, community, title=ROOF_DAY, centre_id=centre.id, proposal_id=roof.id,
                        starts_at=on(day, 9), duration_minutes=360, capacity=8,
                        skill_ids=[skills["building"], skills["plumbing"]],
                        description="نصلح العزل فوق الصفوف الثلاثة. أحضروا قفازات؛ الأدوات مؤمنة.")
    return 1
