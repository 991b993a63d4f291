"""Arabic-aware text folding for matching: spelling variants of one word compare equal."""
import re
import unicodedata

_LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",  # alef with hamza or madda, alef wasla
    "ى": "ي", "ئ": "ي", "ؤ": "و",  # alef maqsura, hamza seats
    "ة": "ه",  # taa marbuta
    "ـ": None,  # tatweel
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
})
_NON_WORD = re.compile(r"[^\w]+")
# Proclitics written joined to the word: "والمدرسة" is "و" + "ال" + "مدرسة". The article (with what leads it) goes
# first; then one letter that may be a proclitic or the word's own first letter ("ومدرسة", but "بلدية"). Taking it
# off in both cases keeps "البلدية" and "بلدية" the same word.
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_PROCLITICS = ("و", "ب", "ل", "ف")


def fold(text: str) -> str:
    """Lower-case, without diacritics (tashkeel), tatweel or alef/hamza/taa-marbuta/yaa variants."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_LETTERS)).casefold()


def _stem(word: str) -> str:
    for prefixes in (_ARTICLES, _PROCLITICS):
        for prefix in prefixes:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix):]
                break
    return word


def words(text: str) -> list[str]:
    """The folded words of `text`, joined prefixes removed."""
    return [_stem(word) for word in _NON_WORD.split(fold(text)) if word]


def key(text: str) -> str:
    """A normalised copy of `text` to store beside it and match against."""
    return " ".join(words(text))


def _trigrams(text: str) -> set[str]:
    grams = set()
    for word in text.split():
        padded = f" {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """Trigram similarity (0–1) of two keys: shared trigrams over all trigrams (like pg_trgm, one space of padding)."""
    first, second = _trigrams(a), _trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
