"""Word diffs between revisions: Arabic words stay whole and in reading order."""
from types import SimpleNamespace

from flask_babel import force_locale

from civicvoice.proposals import diff, services
from tests.factories import link_council, make_council, make_proposal


def _text(parts, *ops):
    return "".join(text for op, text in parts if op in ops)


def test_unchanged_text_is_one_same_part():
    assert diff.words("إصلاح سقف المدرسة", "إصلاح سقف المدرسة") == [("same", "إصلاح سقف المدرسة")]


def test_arabic_words_are_replaced_whole_and_in_order():
    old, new = "إصلاح سقف المدرسة قبل الشتاء", "إصلاح سقف المدرسة الابتدائية قبل المطر"
    parts = diff.words(old, new)
    assert parts == [("same", "إصلاح سقف المدرسة "), ("ins", "الابتدائية "), ("same", "قبل "),
                     ("del", "الشتاء"), ("ins", "المطر")]
    # Reading the kept and removed parts gives the old text back, the kept and inserted ones the new text.
    assert _text(parts, "same", "del") == old
    assert _text(parts, "same", "ins") == new


def test_a_changed_letter_marks_the_whole_word():
    parts = diff.words("المدرسة", "المدرسه")
    assert parts == [("del", "المدرسة"), ("ins", "المدرسه")]


def test_a_changed_diacritic_marks_the_whole_word_not_a_loose_mark():
    parts = diff.words("سقف المدرسة", "سَقف المدرسة")
    assert parts[0] == ("del", "سقف") and parts[1] == ("ins", "سَقف")
    assert all(text and text[0] not in "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652" for _, text in parts)


def test_line_breaks_are_kept_so_the_text_reflows_as_written():
    old, new = "## المشكلة\n\nالماء يدخل الصفوف.", "## المشكلة\n\nالماء يدخل كل الصفوف.\n- صورة"
    parts = diff.words(old, new)
    assert _text(parts, "same", "del") == old and _text(parts, "same", "ins") == new
    assert ("ins", "كل ") in parts


def test_empty_sides():
    assert diff.words("", "نص جديد") == [("ins", "نص جديد")]
    assert diff.words("نص قديم", None) == [("del", "نص قديم")]
    assert diff.words(None, "") == []


def _revision(**fields):
    values = {"title": "عنوان", "summary": "", "body": "", "place": "", "resolution": "", "category": "other",
              "council_id": None, "council": None, **fields}
    return SimpleNamespace(**values)


def test_revisions_lists_only_the_changed_fields_in_form_order():
    old = _revision(title="إصلاح السقف", body="نص", place="المدرسة")
    new = _revision(title="إصلاح السقف", body="نص أطول", place="المدرسة", resolution="إصلاحه قبل الشتاء")
    changes = diff.revisions(old, new)
    assert [change["field"] for change in changes] == ["body", "resolution"]
    assert changes[0]["parts"] == [("same", "نص"), ("ins", " أطول")]
    assert diff.revisions(old, old) == []


def test_revisions_name_the_category_and_the_council(app, db):
    water, roads = make_council("مؤسسة المياه"), make_council("مديرية الطرق")
    old = _revision(category="water_sanitation", council_id=water.id, council=water)
    new = _revision(category="roads_transport", council_id=roads.id, council=roads)
    changes = {change["field"]: change["parts"] for change in diff.revisions(old, new)}
    assert changes["category"] == [("del", "المياه والصرف الصحي"), ("ins", "الطرق والنقل")]  # locale: ar
    with force_locale("en"):
        assert diff.revisions(old, new)[0]["parts"] == [("del", "Water and sanitation"),
                                                        ("ins", "Roads and transport")]
    assert changes["council"] == [("del", "مؤسسة المياه"), ("ins", "مديرية الطرق")]
    dropped = diff.revisions(new, _revision(category="roads_transport"))
    assert dropped == [{"field": "council", "parts": [("del", "مديرية الطرق"), ("ins", "")]}]


def test_diff_of_two_saved_revisions(app, db):
    proposal = make_proposal(status="draft", title="إنارة الشارع الرئيسي", category="electricity")
    council = link_council(proposal.community, make_council("مديرية الكهرباء"))
    services.edit(proposal.author, proposal, title="إنارة الشارع الرئيسي والساحة", category="roads_transport",
                  council_id=council.id)
    first, second = services.revision(proposal, 1), services.revision(proposal, 2)
    changes = {change["field"]: change["parts"] for change in diff.revisions(first, second)}
    assert set(changes) == {"title", "category", "council"}
    assert changes["title"] == [("same", "إنارة الشارع الرئيسي"), ("ins", " والساحة")]
    assert changes["council"] == [("del", ""), ("ins", "مديرية الكهرباء")]
