"""Lists of demands: filters and sorts from allowlists, plain-link pagination that keeps them, a fixed
number of queries whatever the number of rows, indexes behind every filter and sort; and the committee's
review queue."""
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from sqlalchemy import inspect, text

from civicvoice.communities.services import link_councils
from civicvoice.extensions import db
from civicvoice.proposals import services as proposals
from tests.factories import make_admin, make_committee, make_community, make_council, make_member, make_user

FIELDS = {"summary": "ملخص", "body": "", "place": "", "latitude": None, "longitude": None, "resolution": "حل"}


@pytest.fixture
def w(app):
    """Two communities; `midan` addresses two councils, `bab` a third."""
    water, roads, power = (make_council(name=n) for n in ("مجلس المياه", "مجلس الطرق", "مجلس الكهرباء"))
    midan, bab = make_community(slug="midan", name="حي الميدان"), make_community(slug="bab", name="باب توما")
    link_councils(None, midan, [water, roads])
    link_councils(None, bab, [power])
    db.session.commit()
    return SimpleNamespace(water=water, roads=roads, power=power, midan=midan, bab=bab,
                           committee=make_committee(midan), bab_committee=make_committee(bab),
                           author=make_member(midan), bab_author=make_member(bab), member=make_member(midan),
                           admin=make_admin())


def demand(w, title, *, community=None, council=None, category="other", status="open", signatures=0,
           active=None, coauthors=0):
    """A demand through the services, then its counters set as co-signing will set them."""
    community = community or w.midan
    author = w.author if community is w.midan else w.bab_author
    committee = w.committee if community is w.midan else w.bab_committee
    council = council or community.councils[0]
    proposal = proposals.create_draft(author, community, title=title, category=category, council_id=council.id,
                                      **FIELDS)
    for _ in range(coauthors):
        coauthor = make_member(community)
        proposals.invite_coauthor(author, proposal, coauthor)
        proposals.answer_invitation(coauthor, proposal, True)
    if status != "draft":
        proposals.submit(author, proposal)
    if status in ("open", "withdrawn", "merged", "hidden", "voting"):
        proposals.publish(committee, proposal)
    if status in ("rejected",):
        proposals.reject(committee, proposal, "other", "لا")
    if status == "withdrawn":
        proposals.withdraw(author, proposal, "انتهى")
    if status in ("hidden", "voting"):
        proposal.status = status
    proposal.signature_count = proposal.online_count = signatures
    if active is not None:
        proposal.last_activity_at = active
    db.session.commit()
    return proposal


def titles(response) -> list[str]:
    """The demand titles of a list page, in order."""
    assert response.status_code == 200
    return re.findall(r'<h2><a href="/demands/\d+"><bdi>(.*?)</bdi></a></h2>', response.get_data(as_text=True))


# Filters and sorts. ------------------------------------------------------------------------------------

def test_the_community_list_shows_its_public_demands_newest_first(client, w):
    with freeze_time("2026-01-01"):
        demand(w, "الأقدم")
    with freeze_time("2026-02-01"):
        demand(w, "الأحدث")
    demand(w, "في حي آخر", community=w.bab)
    assert titles(client.get("/communities/midan/demands")) == ["الأحدث", "الأقدم"]
    assert set(titles(client.get("/demands"))) == {"الأحدث", "الأقدم", "في حي آخر"}


def test_filter_by_category(client, w):
    demand(w, "ماء", category="water_sanitation")
    demand(w, "طريق", category="roads_transport")
    assert titles(client.get("/communities/midan/demands?category=water_sanitation")) == ["ماء"]
    assert titles(client.get("/demands?category=roads_transport")) == ["طريق"]
    assert titles(client.get("/demands?category=health")) == []


def test_filter_by_status(client, w):
    demand(w, "مفتوح")
    demand(w, "مسحوب", status="withdrawn")
    demand(w, "قيد التصويت", status="voting")
    assert titles(client.get("/communities/midan/demands?status=withdrawn")) == ["مسحوب"]
    assert titles(client.get("/demands?status=voting")) == ["قيد التصويت"]
    assert set(titles(client.get("/demands"))) == {"مفتوح", "مسحوب", "قيد التصويت"}


def test_filter_by_council(client, w):
    demand(w, "للمياه", council=w.water)
    demand(w, "للطرق", council=w.roads)
    demand(w, "للكهرباء", community=w.bab, council=w.power)
    assert titles(client.get(f"/communities/midan/demands?council={w.roads.id}")) == ["للطرق"]
    assert titles(client.get(f"/demands?council={w.power.id}")) == ["للكهرباء"]
    page = client.get("/communities/midan/demands").get_data(as_text=True)
    assert "مجلس المياه" in page and "مجلس الكهرباء" not in page  # only the community's councils are offered
    assert client.get(f"/communities/midan/demands?council={w.power.id}").status_code == 400


def test_filters_combine(client, w):
    demand(w, "ماء للمياه", category="water_sanitation", council=w.water)
    demand(w, "ماء للطرق", category="water_sanitation", council=w.roads)
    demand(w, "طريق للطرق", category="roads_transport", council=w.roads)
    url = f"/communities/midan/demands?category=water_sanitation&council={w.roads.id}&status=open&sort=newest"
    assert titles(client.get(url)) == ["ماء للطرق"]


def test_sort_by_signatures(client, w):
    demand(w, "قليل", signatures=3)
    demand(w, "كثير", signatures=300)
    demand(w, "وسط", signatures=40)
    assert titles(client.get("/communities/midan/demands?sort=signatures")) == ["كثير", "وسط", "قليل"]
    assert titles(client.get("/demands?sort=signatures")) == ["كثير", "وسط", "قليل"]


def test_sort_by_recent_activity(client, w):
    now = datetime.now(timezone.utc)
    demand(w, "نشط أمس", active=now - timedelta(days=1))
    demand(w, "نشط اليوم", active=now)
    demand(w, "نشط قبل شهر", active=now - timedelta(days=30))
    assert titles(client.get("/communities/midan/demands?sort=active")) == ["نشط اليوم", "نشط أمس", "نشط قبل شهر"]


def test_the_filter_form_works_without_javascript(client, w):
    demand(w, "ماء", category="water_sanitation")
    page = client.get(f"/communities/midan/demands?category=water_sanitation&sort=signatures&council={w.water.id}"
                      ).get_data(as_text=True)
    form = re.search(r'<form method="get" action="/communities/midan/demands"[^>]*>', page)
    assert form and 'hx-get="/communities/midan/demands"' in form.group(0)
    assert '<option selected value="water_sanitation">' in page
    assert '<option selected value="signatures">' in page
    assert f'<option selected value="{w.water.id}">' in page
    assert '<button type="submit">' in page


def test_the_empty_filter_form_as_a_browser_sends_it_is_accepted(client, w):
    demand(w, "أي مطلب")
    url = "/communities/midan/demands?category=&status=&council=&sort=newest"
    assert titles(client.get(url)) == ["أي مطلب"]


@pytest.mark.parametrize("query", [
    "sort=oldest", "sort=title", "sort=author.email", "sort=published_at desc", "sort=1;DROP TABLE proposals",
    "category=weather", "category=water_sanitation' OR '1'='1", "status=draft", "status=in_review",
    "status=rejected", "status=hidden", "status=bogus", "council=abc", "council=999999", "council=-1",
    "council=1 UNION SELECT password_hash FROM users", "filter[user__password_hash]=x", "sort[]=newest",
])
def test_values_outside_the_allowlists_are_400(client, w, query):
    demand(w, "مطلب")
    for path in ("/demands", "/communities/midan/demands"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        body = response.get_data(as_text=True)
        assert "$argon2" not in body and "مطلب" not in body


def test_an_unknown_community_list_is_404(client):
    assert client.get("/communities/nowhere/demands").status_code == 404


# Never listed. ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", [None, "author", "committee", "admin"])
def test_private_and_hidden_demands_are_never_listed(client, login_as, w, viewer):
    demand(w, "منشور")
    for status in ("draft", "in_review", "rejected", "hidden"):
        demand(w, f"مخفي {status}", status=status)
    if viewer:
        login_as(getattr(w, viewer))
    for url in ("/demands", "/communities/midan/demands", "/demands?sort=signatures",
                "/communities/midan/demands?sort=active&category=other"):
        assert titles(client.get(url)) == ["منشور"], url


def test_a_demand_withdrawn_before_publication_is_never_listed(client, w):
    draft = demand(w, "سحب قبل النشر", status="draft")
    proposals.withdraw(w.author, draft, "لا حاجة")
    db.session.commit()
    assert titles(client.get("/demands?status=withdrawn")) == []


# Pagination. -----------------------------------------------------------------------------------------

def _links(page) -> dict[str, str]:
    return {rel: href.replace("&amp;", "&")
            for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]+)"', page)}


@pytest.mark.app_config(PER_PAGE=2, MAX_PER_PAGE=3)
def test_pagination_links_keep_the_filters(client, w):
    for n in range(5):
        demand(w, f"ماء {n}", category="water_sanitation", council=w.water, signatures=n)
    demand(w, "ماء للطرق", category="water_sanitation", council=w.roads, signatures=50)
    demand(w, "طريق", category="roads_transport", council=w.water, signatures=100)
    url = f"/communities/midan/demands?category=water_sanitation&sort=signatures&council={w.water.id}"
    first = client.get(url)
    assert titles(first) == ["ماء 4", "ماء 3"]
    links = _links(first.get_data(as_text=True))
    assert set(links) == {"next"}
    for kept in ("category=water_sanitation", "sort=signatures", f"council={w.water.id}", "page=2"):
        assert kept in links["next"]
    second = client.get(links["next"])
    assert titles(second) == ["ماء 2", "ماء 1"]
    links = _links(second.get_data(as_text=True))
    assert set(links) == {"prev", "next"} and "category=water_sanitation" in links["prev"]
    third = client.get(links["next"])
    assert titles(third) == ["ماء 0"]
    assert set(_links(third.get_data(as_text=True))) == {"prev"}


@pytest.mark.app_config(PER_PAGE=2, MAX_PER_PAGE=3)
def test_pagination_across_communities(client, w):
    for n in range(3):
        demand(w, f"الميدان {n}")
        demand(w, f"باب توما {n}", community=w.bab)
    pages, url = [], "/demands?sort=newest"
    while url:
        response = client.get(url)
        pages.append(titles(response))
        url = _links(response.get_data(as_text=True)).get("next")
    assert [len(p) for p in pages] == [2, 2, 2]
    assert len({t for p in pages for t in p}) == 6


@pytest.mark.app_config(PER_PAGE=2, MAX_PER_PAGE=3)
@pytest.mark.parametrize("per_page", ["3", "50", "100000", "9" * 40])
def test_per_page_never_enlarges_a_page(client, w, per_page):
    for n in range(6):
        demand(w, f"مطلب {n}")
    for path in ("/demands", "/communities/midan/demands"):
        shown = titles(client.get(f"{path}?per_page={per_page}"))
        assert 1 <= len(shown) <= 3


@pytest.mark.app_config(PER_PAGE=2, MAX_PER_PAGE=3)
@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "999", "1000001", "99999999999999999999"])
def test_a_page_out_of_range_is_404_not_500(client, w, page):
    demand(w, "مطلب")
    assert client.get(f"/demands?page={page}").status_code == 404


# Queries and indexes. --------------------------------------------------------------------------------

def _fill(w, n):
    councils = [w.water, w.roads]
    for i in range(n):
        demand(w, f"مطلب رقم {i}", council=councils[i % 2], category=("water_sanitation", "other")[i % 2],
               signatures=i, coauthors=1 if i % 3 == 0 else 0)
        demand(w, f"مطلب باب توما {i}", community=w.bab, coauthors=1 if i % 2 else 0)


LIST_URLS = ["/demands", "/demands?sort=signatures", "/communities/midan/demands",
             "/communities/midan/demands?sort=active&category=other", "/communities/bab/demands?status=open"]


@pytest.mark.app_config(PER_PAGE=50, MAX_PER_PAGE=50)
@pytest.mark.parametrize("signed_in", [False, True])
def test_lists_run_a_fixed_number_of_queries(client, login_as, count_queries, w, signed_in):
    if signed_in:
        login_as(w.committee)

    def measure():
        counts = {}
        for url in LIST_URLS:
            with count_queries() as queries:
                response = client.get(url)
            assert response.status_code == 200
            counts[url] = len(queries)
        return counts

    _fill(w, 3)
    few = measure()
    _fill(w, 22)  # 25 per community now, all on one page
    assert len(titles(client.get("/communities/midan/demands"))) == 25
    assert measure() == few


@pytest.mark.app_config(PER_PAGE=50, MAX_PER_PAGE=50)
def test_htmx_list_fragments_run_a_fixed_number_of_queries(client, count_queries, w):
    _fill(w, 3)
    with count_queries() as few:
        client.get("/communities/midan/demands?sort=signatures", headers={"HX-Request": "true"})
    _fill(w, 22)
    with count_queries() as many:
        client.get("/communities/midan/demands?sort=signatures", headers={"HX-Request": "true"})
    assert len(many) == len(few)


def test_every_filter_and_sort_has_an_index(db):
    indexes = [tuple(index["column_names"]) for index in inspect(db.engine).get_indexes("proposals")]

    def leads(*columns):
        return any(index[:len(columns)] == columns for index in indexes)

    assert leads("community_id", "status")  # a community's list
    assert leads("status", "published_at")  # newest
    assert leads("status", "signature_count")  # most signed
    assert leads("status", "last_activity_at")  # recently active
    assert leads("category")  # category filter
    assert leads("council_id")  # council filter
    assert leads("community_id", "title_key")  # similar demands


@pytest.mark.sqlite
@pytest.mark.parametrize("filters", [
    {}, {"sort": "signatures"}, {"sort": "active"}, {"category": "other"}, {"status": "open"},
    {"community": True}, {"community": True, "sort": "signatures"}, {"council": True},
])
def test_list_queries_search_an_index_instead_of_scanning(app, w, filters):
    filters = dict(filters)
    if filters.pop("community", False):
        filters["community"] = w.midan
    if filters.pop("council", False):
        filters["council_id"] = w.water.id
    query = proposals.listing(**filters)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]  # noqa: S608
    scans = [step for step in plan if re.match(r"SCAN proposals\b", step) and "USING" not in step]
    assert scans == [], plan


# The review queue. -----------------------------------------------------------------------------------

def test_the_review_queue_is_for_the_committee_of_the_community(client, login_as, w):
    demand(w, "بانتظار المراجعة", status="in_review")
    assert client.get("/communities/midan/review").status_code == 302  # sign in first
    for outsider in (w.author, w.member, w.bab_committee, make_user()):
        login_as(outsider)
        assert client.get("/communities/midan/review").status_code == 403
    for insider in (w.committee, w.admin):
        login_as(insider)
        page = client.get("/communities/midan/review").get_data(as_text=True)
        assert "بانتظار المراجعة" in page
    assert client.get("/communities/nowhere/review").status_code == 404


def test_the_review_queue_lists_only_demands_awaiting_review_oldest_first(client, login_as, w):
    with freeze_time("2026-03-01"):
        demand(w, "قدّم أولاً", status="in_review")
    with freeze_time("2026-03-05"):
        demand(w, "قدّم ثانياً", status="in_review")
    demand(w, "مسودة", status="draft")
    demand(w, "منشور")
    demand(w, "في حي آخر", community=w.bab, status="in_review")
    login_as(w.committee)
    page = client.get("/communities/midan/review").get_data(as_text=True)
    found = re.findall(r'<a href="/demands/\d+"><bdi>(.*?)</bdi></a>', page)
    assert found == ["قدّم أولاً", "قدّم ثانياً"]


def _queue_meta(client, login_as, user) -> str:
    login_as(user)  # signed at the frozen time: a session signed "in the future" would not be accepted
    page = client.get("/communities/midan/review").get_data(as_text=True)
    items = page.split('<ul class="list">', 1)[1].split("</ul>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", items).split())


def test_the_review_queue_shows_age_and_when_review_is_due(client, login_as, w):
    w.committee.locale = "en"
    db.session.commit()
    with freeze_time("2026-03-01 09:00"):
        demand(w, "A demand", status="in_review")
    with freeze_time("2026-03-03 10:00"):
        meta = _queue_meta(client, login_as, w.committee)
        assert "waiting 2 days" in meta and "due in 5 days" in meta
        assert "overdue" not in meta
    with freeze_time("2026-03-08 10:00"):
        meta = _queue_meta(client, login_as, w.committee)
        assert "waiting 7 days" in meta and "due now" in meta
    with freeze_time("2026-03-15 10:00"):
        meta = _queue_meta(client, login_as, w.committee)
        assert "waiting 14 days" in meta and "overdue" in meta and "due now" not in meta


def test_review_delays_are_set_per_community(client, login_as, w):
    w.committee.locale = "en"
    w.midan.review_due_days, w.midan.review_overdue_days = 2, 3
    db.session.commit()
    with freeze_time("2026-03-01 09:00"):
        demand(w, "A demand", status="in_review")
    with freeze_time("2026-03-02 10:00"):
        assert "due in 1 day" in _queue_meta(client, login_as, w.committee)
    with freeze_time("2026-03-03 10:00"):
        assert "due now" in _queue_meta(client, login_as, w.committee)
    with freeze_time("2026-03-04 10:00"):
        assert "overdue" in _queue_meta(client, login_as, w.committee)


def test_the_review_queue_age_counts_from_the_last_submission(client, login_as, w):
    w.committee.locale = "en"
    db.session.commit()
    with freeze_time("2026-03-01 09:00"):
        p = demand(w, "A demand", status="in_review")
        proposals.request_changes(w.committee, p, "more")
        db.session.commit()
    with freeze_time("2026-03-20 09:00"):
        proposals.submit(w.author, p)
        db.session.commit()
    with freeze_time("2026-03-21 10:00"):
        meta = _queue_meta(client, login_as, w.committee)
        assert "waiting 1 day" in meta and "overdue" not in meta


def test_the_review_queue_in_arabic(client, login_as, w):
    with freeze_time("2026-03-01 09:00"):
        demand(w, "مطلب قديم", status="in_review")
    with freeze_time("2026-03-20 10:00"):
        login_as(w.committee)
        page = client.get("/communities/midan/review").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "مطالب بانتظار المراجعة" in page and "تأخرت المراجعة" in page


def test_the_review_queue_runs_a_fixed_number_of_queries(client, login_as, count_queries, w):
    login_as(w.committee)
    for n in range(2):
        demand(w, f"مراجعة {n}", status="in_review", coauthors=1)
    with count_queries() as few:
        client.get("/communities/midan/review")
    for n in range(2, 15):
        demand(w, f"مراجعة {n}", status="in_review", coauthors=n % 2)
    with count_queries() as many:
        client.get("/communities/midan/review")
    assert len(many) == len(few)

