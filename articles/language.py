"""Guess a language from the writing system (script) of a text.

Only the script is looked at, so the answer is "the language most associated with
that script" (Cyrillic -> "ru", Han without kana -> "zh"), never a real language
detection. Latin text, or text without letters, gets the caller's default.

A letter is a character of Unicode category L* or M* (combining marks count, so
Thai, Devanagari and pointed Hebrew/Arabic are whole); its script comes from the
explicit code-point ranges below. Everything else (digits, spaces, punctuation,
symbols) has no script and is neutral.
"""

import re
import unicodedata
from bisect import bisect_right
from collections import Counter

# (first, last, script), sorted by first code point, non-overlapping.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "Latin"),
    (0x0061, 0x007A, "Latin"),
    (0x00AA, 0x00AA, "Latin"),
    (0x00BA, 0x00BA, "Latin"),
    (0x00C0, 0x024F, "Latin"),
    (0x0250, 0x02AF, "Latin"),
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"),
    (0x0870, 0x08FF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x1100, 0x11FF, "Hangul"),
    (0x1C80, 0x1C8F, "Cyrillic"),
    (0x1C90, 0x1CBF, "Georgian"),
    (0x1E00, 0x1EFF, "Latin"),
    (0x1F00, 0x1FFF, "Greek"),
    (0x2C60, 0x2C7F, "Latin"),
    (0x2D00, 0x2D2F, "Georgian"),
    (0x2DE0, 0x2DFF, "Cyrillic"),
    (0x2E80, 0x2FDF, "Han"),
    (0x3005, 0x3007, "Han"),
    (0x3021, 0x3029, "Han"),
    (0x3038, 0x303B, "Han"),
    (0x3040, 0x309F, "Hiragana"),
    (0x30A0, 0x30FF, "Katakana"),
    (0x3130, 0x318F, "Hangul"),
    (0x31F0, 0x31FF, "Katakana"),
    (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"),
    (0xA640, 0xA69F, "Cyrillic"),
    (0xA720, 0xA7FF, "Latin"),
    (0xA8E0, 0xA8FF, "Devanagari"),
    (0xA960, 0xA97F, "Hangul"),
    (0xAC00, 0xD7FF, "Hangul"),
    (0xF900, 0xFAFF, "Han"),
    (0xFB00, 0xFB06, "Latin"),
    (0xFB13, 0xFB17, "Armenian"),
    (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"),
    (0xFF21, 0xFF3A, "Latin"),
    (0xFF41, 0xFF5A, "Latin"),
    (0xFF66, 0xFF9F, "Katakana"),
    (0xFFA0, 0xFFDC, "Hangul"),
    (0x20000, 0x3FFFF, "Han"),
)
_STARTS = [first for first, _, _ in _RANGES]

_LANGUAGE = {
    "Hangul": "ko",
    "Cyrillic": "ru",
    "Arabic": "ar",
    "Hebrew": "he",
    "Greek": "el",
    "Thai": "th",
    "Devanagari": "hi",
    "Georgian": "ka",
    "Armenian": "hy",
}
_CJK = frozenset({"Han", "Hiragana", "Katakana"})


def script_of(char: str) -> str | None:
    """The script of one character ("Latin", "Hangul", "Han", ...), None if not a letter.

    Letters outside the known ranges (e.g. Ethiopic) return None too.
    """
    if unicodedata.category(char)[0] not in "LM":
        return None
    i = bisect_right(_STARTS, ord(char)) - 1
    if i >= 0 and ord(char) <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


def _group(script: str) -> str:
    """Han, Hiragana and Katakana compete for dominance together (Japanese mixes them)."""
    return "CJK" if script in _CJK else script


def language_for_script(text: str, default: str = "en") -> str:
    """The BCP 47 language of the dominant script of the letters in ``text``.

    Dominance is by letter count, Latin included, so an English text quoting one
    Russian word stays ``default``. Han with any kana is "ja", Han alone "zh".
    """
    counts: dict[str, int] = {}
    # Each distinct character looked up once (a text repeats a few dozen letters).
    for char, n in Counter(text).items():
        script = script_of(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + n
    groups: dict[str, int] = {}
    for script, n in counts.items():
        groups[_group(script)] = groups.get(_group(script), 0) + n
    if not groups:
        return default
    dominant = max(groups, key=groups.__getitem__)
    if dominant == "CJK":
        return "ja" if counts.get("Hiragana") or counts.get("Katakana") else "zh"
    return _LANGUAGE.get(dominant, default)


def _latin_or_not_a_letter() -> re.Pattern:
    """A character class of every code point below U+3000 whose script_of is Latin or None,
    as ranges; a text made only of those has no run in another script."""
    ranges, start = [], None
    for code in range(0x3000 + 1):
        ok = code < 0x3000 and script_of(chr(code)) in (None, "Latin")
        if ok and start is None:
            start = code
        elif not ok and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    return re.compile(f"[^{''.join(ranges)}]")


# Finds the first character that may start a run of another script (most English text has
# none: non_latin_runs then returns at once instead of looking at every character).
_MAYBE_OTHER_SCRIPT = _latin_or_not_a_letter()


def _classes() -> dict[str, str]:
    """{group: regex character class body} of the letters of each script group (script_of,
    with Han, Hiragana and Katakana together as "CJK"), plus "" for every letter of them all
    and "kana" for Hiragana and Katakana letters, built once from _RANGES."""
    points: dict[str, list[int]] = {}
    for first, last, script in _RANGES:
        for code in range(first, last + 1):
            if unicodedata.category(chr(code))[0] in "LM":
                points.setdefault(_group(script), []).append(code)
                if script in ("Hiragana", "Katakana"):
                    points.setdefault("kana", []).append(code)
    points[""] = sorted(
        code for group, codes in points.items() if group != "kana" for code in codes
    )

    def ranges(codes):
        parts, start, previous = [], None, None
        for code in codes:
            if start is None:
                start = previous = code
            elif code == previous + 1:
                previous = code
            else:
                parts.append((start, previous))
                start = previous = code
        if start is not None:
            parts.append((start, previous))
        return "".join(
            re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
            for a, b in parts
        )

    return {group: ranges(codes) for group, codes in points.items()}


def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """The runs: one alternative per script group, a run of its letters with anything that is
    not a letter of a known script (spaces, digits, punctuation, letters of unknown scripts)
    allowed between two of them, as non_latin_runs defines a run. And a kana letter."""
    classes = _classes()
    neutral = f"[^{classes.pop('')}]"
    kana = re.compile(f"[{classes.pop('kana')}]")
    runs = re.compile(
        "|".join(
            f"(?P<{group}>[{letters}](?:{neutral}*[{letters}])*)"
            for group, letters in classes.items()
        )
    )
    return runs, kana


_RUNS, _KANA = _patterns()
_GROUP_LANGUAGE = {**_LANGUAGE, "Latin": ""}


def non_latin_runs(text: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, language)`` of ``text`` written in one non-Latin script.

    A run starts and ends on a letter (``text[start:end]``); spaces, digits and
    punctuation between two letters of the same script stay inside it, a letter of
    another script (Latin included) ends it. Han and kana form one run ("ja" if it
    has kana, else "zh"). Scripts without a language (unknown ones) are skipped.

    One regular expression finds the runs (one alternative per script group, compiled at
    import from _RANGES): a character-by-character loop in Python was slow even on a short
    Korean caption (figures in docs/benchmarks.md, "Measurements behind the code").
    """
    if _MAYBE_OTHER_SCRIPT.search(text) is None:
        return []
    runs = []
    for match in _RUNS.finditer(text):
        group = match.lastgroup
        if group == "CJK":
            language = "ja" if _KANA.search(match.group()) else "zh"
        else:
            language = _GROUP_LANGUAGE[group]
        if language:
            runs.append((match.start(), match.end(), language))
    return runs
