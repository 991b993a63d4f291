"""Arabic folding for matching: spelling variants of one word compare equal, different words do not."""
import pytest

from civicvoice import arabic


@pytest.mark.parametrize(("variant", "plain"), [
    ("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"),  # hamza, madda, wasla
    ("ى", "ي"), ("ئ", "ي"), ("ؤ", "و"),
    ("ة", "ه"),
    ("مـدرســة", "مدرسه"),  # tatweel
    ("مَدْرَسَةٌ", "مدرسه"),  # tashkeel
    ("سَقْفِ", "سقف"),
    ("ﻻ", "لا"),  # presentation form (lam-alef ligature)
    ("Road REPAIR", "road repair"),
])
def test_fold_removes_the_variants(variant, plain):
    assert arabic.fold(variant) == plain


def test_fold_turns_arabic_indic_and_persian_digits_into_ascii():
    assert arabic.fold("شارع ٣٤، بناء ۱۲٠") == "شارع 34، بناء 120"


def test_fold_keeps_letters_it_does_not_fold():
    assert arabic.fold("حي الميدان") == "حي الميدان"
    assert arabic.fold("خ") != arabic.fold("ح")


def test_the_same_title_spelled_two_ways_has_one_key():
    assert arabic.key("إصلاحُ سَقْفِ المدرسة") == arabic.key("اصلاح سقف مدرسه") == "اصلاح سقف مدرسه"


def test_words_split_on_punctuation_and_spaces():
    assert arabic.words("  إصلاح، سقف!  (المدرسة)؟ ") == ["اصلاح", "سقف", "مدرسه"]
    assert arabic.words("") == [] and arabic.key("...؟") == ""


@pytest.mark.parametrize("word", ["مستشفى", "مستشفي"])
def test_a_word_without_prefix_stays_one_word(word):
    assert arabic.words(word) == ["مستشفي"]


@pytest.mark.parametrize("joined", ["المدرسة", "والمدرسة", "بالمدرسة", "للمدرسة", "ومدرسة", "فالمدرسة"])
def test_joined_conjunctions_and_article_come_off(joined):
    assert arabic.words(joined) == ["مدرسه"]


@pytest.mark.parametrize(("with_article", "without"), [("البلدية", "بلدية"), ("الوزارة", "وزارة"),
                                                       ("اللوحة", "لوحة"), ("والفرن", "فرن")])
def test_a_word_starting_with_a_proclitic_letter_matches_its_definite_form(with_article, without):
    assert arabic.words(with_article) == arabic.words(without)


def test_short_words_keep_their_first_letters():
    # "ولد" and "بئر" are too short to lose a letter; "الم" is not "ال" + "م".
    assert arabic.words("ولد بئر الم") == ["ولد", "بير", "الم"]


def test_similarity_is_one_for_the_same_key_and_zero_for_nothing_in_common():
    key = arabic.key("إصلاح سقف المدرسة")
    assert arabic.similarity(key, arabic.key("اصلاح سَقف مدرسه")) == 1.0
    assert arabic.similarity(key, arabic.key("تنظيف حديقة عامة")) == 0.0
    assert arabic.similarity(key, "") == 0.0 and arabic.similarity("", "") == 0.0


def test_similarity_ranks_closer_titles_higher():
    wanted = arabic.key("إنارة شارع الجامع")
    close = arabic.similarity(wanted, arabic.key("انارة الشارع"))
    far = arabic.similarity(wanted, arabic.key("إصلاح شبكة المياه"))
    assert 0.3 <= close < 1.0
    assert far < 0.3 < close


def test_similarity_is_symmetric():
    a, b = arabic.key("إصلاح الطريق العام"), arabic.key("اصلاح طريق")
    assert arabic.similarity(a, b) == arabic.similarity(b, a)
