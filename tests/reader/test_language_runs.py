"""non_latin_runs finds its runs with one regular expression; it must give exactly what the
definition gives, written here as the character-by-character loop it replaced."""

from hypothesis import given, settings
from hypothesis import strategies as st

from articles.language import _group, language_for_script, non_latin_runs, script_of


def reference_runs(text):
    """The definition: a run starts and ends on a letter of one script group; non-letters
    (and letters of unknown scripts) between two of its letters stay inside it; a letter of
    another group, Latin included, ends it."""
    runs, start, end, group = [], -1, -1, None
    for i, char in enumerate(text):
        script = script_of(char)
        if script is None:
            continue
        g = _group(script)
        if g == group:
            end = i + 1
            continue
        if group is not None:
            runs.append((start, end, language_for_script(text[start:end], "")))
        group = None if g == "Latin" else g
        start, end = i, i + 1
    if group is not None:
        runs.append((start, end, language_for_script(text[start:end], "")))
    return [run for run in runs if run[2]]


# Letters of every script group, their edges, marks, neutral characters inside script ranges
# (the katakana middle dot, CJK punctuation), letters of scripts without a language.
ALPHABET = (
    "aZéßƒ ḁ"  # Latin
    "αΩἀ"  # Greek
    "жЖҩ"  # Cyrillic
    "աՖ"  # Armenian
    "אתְ"  # Hebrew, a point
    "عبـ"  # Arabic, tatweel
    "कि्"  # Devanagari with marks
    "กั"  # Thai with a mark
    "აჰ"  # Georgian
    "가힣ᄀㄱ"  # Hangul
    "中文〇々"  # Han
    "ひらがなカタカナｶ・ー"  # kana, the middle dot (not a letter), the long vowel mark
    "\u1200"  # Ethiopic: a letter of no known script
    " ,.!?0129-\n\t'\"「」。、"  # neutral
)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_same_runs_as_the_definition(text):
    assert non_latin_runs(text) == reference_runs(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_same_runs_for_any_text(text):
    assert non_latin_runs(text) == reference_runs(text)


def test_examples():
    assert non_latin_runs("Kerry와 Lavrov 외무장관, 2016년 9월 9일 회담.") == [
        (5, 6, "ko"),
        (14, 34, "ko"),
    ]
    assert non_latin_runs("中・文 and 日本語のテキスト, Привет!") == [
        (0, 3, "zh"),
        (8, 16, "ja"),
        (18, 24, "ru"),
    ]
    assert non_latin_runs("Plain English, 2016.") == []
