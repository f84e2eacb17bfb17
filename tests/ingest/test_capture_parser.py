"""Specification of the page-capture parser (articles.ingest.capture) and script guessing.

Pure functions: no database, no settings.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.ingest.capture import parse_capture
from articles.ingest.records import AgencyRecord, Block, CaptionRecord, IngestError
from articles.language import language_for_script, non_latin_runs, script_of
from tests.helpers.paths import CAPTURES
from tests.helpers.sample import HEADLINE, KOREAN_CAPTION, REUTERS_DESCRIPTION, SAMPLE

FURNITURE = ("Accessibility links", "Breaking News", "XS", "SM", "MD", "LG", "16x9 Image")
REUTERS = AgencyRecord(name="Reuters", description="Reuters is a news agency founded in 1851.")


def capture(name: str):
    return parse_capture((CAPTURES / name).read_bytes())


def all_text(record) -> list[str]:
    texts = [record.headline, *(b.text for b in record.blocks)]
    for c in record.captions:
        texts += [c.text, c.alt_text]
    if record.agency:
        texts += [record.agency.name, record.agency.description]
    return texts


def assert_no_furniture(record) -> None:
    for text in all_text(record):
        assert text not in FURNITURE
        assert "Accessibility links" not in text
        assert "Breaking News" not in text
        assert "Image" not in text
        assert "XS SM" not in text


# --- The sample -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return parse_capture(SAMPLE.read_bytes())


def test_sample_headline_and_identity(sample):
    assert sample.headline == "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
    assert sample.language == "en"
    assert sample.external_id == ""
    assert sample.version is None
    assert sample.source_url == ""
    assert sample.standfirst == ""


def test_sample_caption_is_stored_once(sample):
    assert sample.captions == (
        CaptionRecord(text=KOREAN_CAPTION, alt_text="", language="ko", credit=""),
    )


def test_sample_body(sample):
    assert len(sample.blocks) == 34
    assert len(sample.paragraphs) == 32
    assert sample.paragraphs[0] == (
        "The deal between the United States and Russia on Syrian chemical weapons was due in "
        "no small part to the labors of foreign policy veterans with contrasting styles: "
        "Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov."
    )
    assert sample.paragraphs[-1] == (
        "Those personal touches, many say, helped move the talks toward agreement and avert "
        "a U.S. military strike on Syria."
    )
    assert sample.subheadings == ["Unlikely couple", "Moving beyond the 'reset'"]
    assert sample.blocks[11] == Block("subheading", "Unlikely couple")
    assert sample.blocks[21] == Block("subheading", "Moving beyond the 'reset'")
    assert sample.blocks[10].text.endswith("you could be a senator.”")
    assert sample.blocks[12].text.startswith("Lavrov and Kerry might be diplomatic partners")


def test_sample_keeps_curly_quotes_exactly(sample):
    assert sample.paragraphs[1] == (
        "While their bosses, presidents Barack Obama and Vladimir Putin, get on poorly and can "
        "stoop to point scoring, the two ministers have what diplomats like to call "
        "“a good working relationship.”"
    )
    assert sample.paragraphs[2].startswith("“We've had our differences here and there")
    assert "a large red “reset” button." in sample.paragraphs[20]


def test_sample_agency(sample):
    assert sample.agency == AgencyRecord(name="Reuters", description=REUTERS_DESCRIPTION)


def test_sample_has_no_furniture(sample):
    assert_no_furniture(sample)
    assert KOREAN_CAPTION not in [b.text for b in sample.blocks]


# --- Variants ---------------------------------------------------------------------------


def test_russian_caption():
    record = capture("russian-caption.txt")
    caption = "Вид на зерновой терминал в порту Одессы."
    assert record.captions == (CaptionRecord(text=caption, language="ru"),)
    assert record.language == "en"
    assert record.paragraphs == [
        "Negotiators from four countries met on Monday to discuss extending the grain corridor.",
        "Officials said the talks would continue on Tuesday.",
    ]
    assert record.agency == REUTERS


def test_arabic_caption_and_one_line_text_sizes():
    record = capture("arabic-caption.txt")
    caption = "سكان يسيرون في شارع مدمر في المدينة القديمة."
    assert record.captions == (CaptionRecord(text=caption, language="ar"),)
    assert record.language == "en"
    assert record.paragraphs == [
        "A ceasefire held for a second day on Sunday, residents said.",
        "Aid trucks were expected to arrive later in the week.",
    ]
    assert record.agency == REUTERS
    assert_no_furniture(record)


def test_caption_with_different_alt_text():
    record = capture("alt-differs.txt")
    assert record.captions == (
        CaptionRecord(
            text="정상회의 개막을 앞둔 서울 시청 앞 광장. 경찰이 주변을 통제하고 있다.",
            alt_text="서울 시청 앞 광장의 모습.",
            language="ko",
        ),
    )
    assert record.captions[0].alt_text != record.captions[0].text
    assert record.paragraphs[0].startswith("Leaders from the region")
    assert len(record.blocks) == 2


def test_no_caption():
    record = capture("no-caption.txt")
    assert record.captions == ()
    assert record.headline == "Central Bank Holds Rates Steady"
    assert record.blocks == (
        Block(
            "paragraph",
            "The central bank left its key interest rate unchanged on Thursday, as expected.",
        ),
        Block("paragraph", "Policymakers said inflation was slowing but remained above target."),
        Block("paragraph", "Markets barely moved after the announcement."),
    )
    assert record.agency == REUTERS


def test_no_agency_box():
    record = capture("no-agency.txt")
    assert record.agency is None
    assert record.paragraphs == [
        "A powerful storm forced the closure of three ports on Friday.",
        "Shipping companies said delays could last several days.",
    ]
    assert_no_furniture(record)


def test_four_subheadings():
    record = capture("four-subheadings.txt")
    assert record.subheadings == ["Taxes", "Pensions", "Housing", "Energy bills"]
    assert [b.kind for b in record.blocks] == ["paragraph", *["subheading", "paragraph"] * 4]
    assert record.blocks[-1] == Block(
        "paragraph", "Households will receive a further discount on winter bills."
    )


def test_blocks_without_blank_lines():
    record = capture("no-blank-lines.txt")
    assert record.headline == "Airline Orders 50 New Jets"
    assert record.captions == ()
    assert record.blocks == (
        Block("paragraph", "The airline said on Tuesday it had ordered 50 narrow-body jets."),
        Block("paragraph", "Deliveries will start in 2027."),
        Block("subheading", "Fleet plans"),
        Block("paragraph", "The new aircraft will replace older models on short routes."),
        Block("paragraph", "The order is worth about $5 billion at list prices."),
    )
    assert record.agency == REUTERS


def test_russian_article():
    record = capture("russian-article.txt")
    assert record.language == "ru"
    assert record.headline == "Переговоры по зерновой сделке возобновятся в Стамбуле"
    assert record.captions == ()
    assert record.blocks == (
        Block(
            "paragraph",
            "Делегации четырёх стран встретились в понедельник, "
            "чтобы обсудить продление зернового коридора.",
        ),
        Block("subheading", "Итоги встречи"),
        Block("paragraph", "По словам чиновников, переговоры продолжатся во вторник."),
    )
    assert record.agency == REUTERS


def test_markup_looking_paragraphs_are_kept_literally():
    record = capture("markup-paragraphs.txt")
    assert record.blocks == tuple(
        Block("paragraph", text)
        for text in (
            "1851. was the year",
            "# not a heading",
            "*stars*",
            "_under_",
            "<b>angle</b>",
            "The agency was founded in 1851. It now reports in *many* languages & <b>formats</b>.",
        )
    )
    assert_no_furniture(record)


def test_crlf_and_cr_line_ends_give_the_same_record(sample):
    data = SAMPLE.read_bytes()
    assert parse_capture(data.replace(b"\n", b"\r\n")) == sample
    assert parse_capture(data.replace(b"\n", b"\r")) == sample


def test_bom_and_trailing_whitespace_are_dropped(sample):
    data = SAMPLE.read_bytes().replace(b"\n", b"  \t\n")
    assert parse_capture(b"\xef\xbb\xbf" + data) == sample


def test_sample_without_blank_lines_gives_the_same_record(sample):
    data = SAMPLE.read_bytes()
    while b"\n\n" in data:
        data = data.replace(b"\n\n", b"\n")
    assert parse_capture(data) == sample


def test_text_is_kept_exactly():
    text = "Héllo  “twice”  it’s…\ufb01ne — ok."  # noqa: RUF001
    record = parse_capture(f"Headline\n\n{text}\n".encode())
    assert record.paragraphs == [text]


def test_minimal_article_without_furniture():
    record = parse_capture(b"A headline\nOne paragraph.")
    assert record.headline == "A headline"
    assert record.blocks == (Block("paragraph", "One paragraph."),)
    assert record.captions == ()
    assert record.agency is None


def test_indented_lines_inside_the_body_are_body():
    data = "Headline\n\nFirst paragraph.\n    Indented paragraph.\nLast paragraph.\n"
    record = parse_capture(data.encode())
    assert record.paragraphs == ["First paragraph.", "Indented paragraph.", "Last paragraph."]
    assert record.agency is None


def test_agency_box_with_several_description_lines():
    data = "Headline\n\nBody.\n  • 16x9 Image\n    AFP\n    Line one.\n\n    Line two.\nXS\n"
    record = parse_capture(data.encode())
    assert record.agency == AgencyRecord(name="AFP", description="Line one.\nLine two.")
    assert record.paragraphs == ["Body."]


@pytest.mark.parametrize(
    "line",
    ["16x9 Image", "• 16x9 Image", "  - 4x3 Image", "* 1x1 Image", "XS SM MD LG", "LG"],
)
def test_furniture_lines_are_dropped_anywhere(line):
    data = f"{line}\nHeadline\n{line}\nFirst paragraph.\n{line}\nSecond paragraph.\n{line}"
    record = parse_capture(data.encode())
    assert record.headline == "Headline"
    assert record.paragraphs == ["First paragraph.", "Second paragraph."]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Unlikely couple", "subheading"),
        ("Moving beyond the 'reset'", "subheading"),
        ("One two three four five six seven eight", "subheading"),
        ("One two three four five six seven eight nine", "paragraph"),
        ("A" * 81, "paragraph"),
        ("He said so.", "paragraph"),
        ("Why?", "paragraph"),
        ("Ends with a colon:", "paragraph"),
        ("“It is over,” he said", "paragraph"),
        ("“Quoted sentence.”", "paragraph"),
        ("Not over yet…", "paragraph"),
        ("lower case start", "paragraph"),
        ("2013 in review", "paragraph"),
        ("Итоги встречи", "subheading"),
    ],
)
def test_subheading_rule(text, kind):
    record = parse_capture(f"Headline\n\nIntro.\n\n{text}\n\nMore.".encode())
    assert record.blocks[1] == Block(kind, text)


def test_last_block_is_never_a_subheading():
    record = parse_capture(b"Headline\n\nIntro.\n\nShort end")
    assert record.blocks[-1] == Block("paragraph", "Short end")


def test_two_different_latin_lines_after_headline_are_body():
    record = parse_capture(b"Headline\nFirst paragraph.\nSecond paragraph.\nThird.")
    assert record.captions == ()
    assert len(record.paragraphs) == 3


def test_latin_caption_in_a_russian_article():
    data = "Заголовок статьи\nA view of Kyiv\nA view of Kyiv at night.\nТекст статьи."  # noqa: RUF001
    record = parse_capture(data.encode())
    assert record.language == "ru"
    assert record.captions == (
        CaptionRecord(text="A view of Kyiv at night.", alt_text="A view of Kyiv", language="en"),
    )
    assert record.paragraphs == ["Текст статьи."]


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t\r\n  ", "empty"),
        (b"\xef\xbb\xbf \n", "empty"),
        (b"Headline\n\xff\xfe body", "not UTF-8"),
        (b"Headline\x00\x00\x00body", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"Head\x01\x02\x03\x04\x05\x06line\nBody.", "binary"),
        (
            b"Accessibility links\n\nBreaking News\n  \xe2\x80\xa2 16x9 Image\nXS\nSM\nMD\nLG",
            "no headline",
        ),
        (b"<!DOCTYPE html>\n<html><body>x</body></html>", "does not look like an article"),
        (b"<?xml version='1.0'?><a/>", "does not look like an article"),
        (b'  {"headline": "x"}', "does not look like an article"),
        (b"[1, 2, 3]", "does not look like an article"),
        (b"x" * 301 + b"\nBody.", "does not look like an article"),
        (b"Just a headline\n", "does not look like an article"),
        (b"Headline\n\n    Reuters\n", "does not look like an article"),
    ],
)
def test_bad_input(data, reason):
    with pytest.raises(IngestError, match=reason) as info:
        parse_capture(data)
    message = str(info.value)
    assert "\n" not in message
    assert ".txt" not in message


# --- Refusals: never a guessed headline (see the parser's "Refusals") --------------------

CAPTION_PAIR = f"{KOREAN_CAPTION}\n{KOREAN_CAPTION}\n"


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


REFUSALS = {
    # The seed page without its headline: the first text after the furniture is the caption
    # pair (alt text and caption), which must not become the headline.
    "no-headline": (
        lambda: sample_text().replace(HEADLINE + "\n", ""),
        "no headline: the first text is the photo caption",
    ),
    "no-headline-alt-text-differs": (
        lambda: f"코바니\n{KOREAN_CAPTION}\nThe deal between the United States and Russia.\n",
        "no headline: the first text is the photo caption",
    ),
    "caption-only": (
        lambda: f"Accessibility links\n\nBreaking News\n\n{CAPTION_PAIR}\n    Reuters\n",
        "no headline: the capture holds only the photo caption",
    ),
    "caption-once-only": (
        lambda: f"Breaking News\n\n{KOREAN_CAPTION}\n",
        "no headline: the first text ends with a full stop, like a body paragraph",
    ),
    "caption-in-another-script-before-the-body": (
        lambda: f"{KOREAN_CAPTION[:20]}\nThe deal between the United States and Russia.\n",
        "no headline: the first text is in another script than the body, like a photo caption",
    ),
    "body-paragraph-first": (
        lambda: "The deal was due in no small part to two ministers.\nThey kept talking.\n",
        "no headline: the first text ends with a full stop, like a body paragraph",
    ),
    "headline-only": (
        lambda: f"Breaking News\n\n{HEADLINE}\n\n    Reuters\n",
        "does not look like an article: a headline but no body paragraph",
    ),
    "headline-and-caption-only": (
        lambda: f"{HEADLINE}\n\n{CAPTION_PAIR}\n    Reuters\n",
        "does not look like an article: a headline and a photo caption but no body paragraph",
    ),
    "headline-repeated": (
        lambda: sample_text().replace(HEADLINE + "\n", HEADLINE + "\n" + HEADLINE + "\n"),
        "ambiguous headline: the first text is repeated",
    ),
    "headline-repeated-after-the-caption": (
        lambda: sample_text().replace(CAPTION_PAIR, CAPTION_PAIR + HEADLINE + "\n"),
        "ambiguous headline: the headline is repeated after the photo caption",
    ),
    "caption-repeated-in-the-body": (
        lambda: sample_text().replace(CAPTION_PAIR, CAPTION_PAIR + KOREAN_CAPTION + "\n"),
        "ambiguous caption: the photo caption is repeated in the body",
    ),
    "english-caption-pair-without-headline": (
        lambda: "A view of Kyiv at night.\nA view of Kyiv at night.\nThe city was dark.\n",
        "ambiguous headline: the first text is repeated",
    ),
    "caption-pair-inside-the-body": (
        lambda: f"{HEADLINE}\n\nFirst paragraph.\nA view of Kyiv.\nA view of Kyiv.\nLast.\n",
        "ambiguous body: a text is repeated on consecutive lines, like a photo caption",
    ),
}


@pytest.mark.parametrize(("text", "reason"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_capture_whose_parts_cannot_be_told_apart_is_refused(text, reason):
    with pytest.raises(IngestError) as info:
        parse_capture(text().encode())
    assert str(info.value) == reason


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Talks with the U.S.", "Talks with the U.S."),  # an abbreviation, not a full stop
        ("Waiting for Geneva...", "Waiting for Geneva..."),  # an ellipsis
        ("Is the deal done?", "Is the deal done?"),
        ("코바니 소식", "코바니 소식"),  # a Korean story: headline and body share the script
    ],
)
def test_headlines_that_only_look_like_sentences_are_kept(headline, expected):
    body = "시리아 도시 코바니." if headline.startswith("코") else "The body paragraph."
    record = parse_capture(f"{headline}\n\n{body}\n".encode())
    assert (record.headline, record.paragraphs) == (expected, [body])


def test_not_utf8_names_the_byte_position():
    with pytest.raises(IngestError, match=r"not UTF-8.*position 9\b"):
        parse_capture(b"Headline\n\xff body")


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"<html>", "HTML"),
        (b"{}", "JSON"),
        (b"x" * 301 + b"\nBody.", "301 characters"),
        (b"Headline only", "no body paragraph"),
    ],
)
def test_not_an_article_gives_the_specific_reason(data, detail):
    with pytest.raises(IngestError, match="does not look like an article") as info:
        parse_capture(data)
    assert detail in str(info.value)


def test_headline_of_300_characters_is_accepted():
    assert parse_capture(b"x" * 300 + b"\nBody.").headline == "x" * 300


def test_a_few_control_characters_are_not_binary():
    record = parse_capture(b"Headline\n\nA paragraph with one \x1b escape in a long line of text.")
    assert record.paragraphs == ["A paragraph with one \x1b escape in a long line of text."]


# --- Round trip ---------------------------------------------------------------------------

_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßçñ’“”'", min_size=1, max_size=12)  # noqa: RUF001
_paragraphs = st.lists(
    st.lists(_words, min_size=1, max_size=30).map(
        lambda ws: ws[0].capitalize() + " " + " ".join(ws[1:]) + "."
    ),
    min_size=1,
    max_size=12,
    unique=True,
)


@given(
    paragraphs=_paragraphs,
    separator=st.sampled_from(["\n", "\n\n", "\r\n", "\r\n\r\n", "\n  • 16x9 Image\n"]),
    agency=st.booleans(),
)
def test_paragraphs_round_trip(paragraphs, separator, agency):
    text = "Accessibility links\n\nBreaking News\n\nA Headline\n\n" + separator.join(paragraphs)
    if agency:
        text += "\n  • 16x9 Image\n\n    Reuters\n\n    Reuters is a news agency.\n"
    text += "\nXS\nSM\nMD\nLG"
    record = parse_capture(text.encode())
    assert record.headline == "A Headline"
    assert record.paragraphs == paragraphs
    assert record.subheadings == []
    assert record.captions == ()
    assert record.agency == (
        AgencyRecord("Reuters", "Reuters is a news agency.") if agency else None
    )


# --- Script and language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (KOREAN_CAPTION, "ko"),
        ("東京タワーの夜景", "ja"),
        ("ひらがなだけ", "ja"),
        ("カタカナ", "ja"),
        ("北京的天气很好", "zh"),
        ("Вид на порт Одессы", "ru"),
        ("سكان يسيرون في شارع", "ar"),
        ("שָׁלוֹם עולם", "he"),
        ("Καλημέρα κόσμε", "el"),
        ("สวัสดีครับ", "th"),
        ("नमस्ते दुनिया", "hi"),
        ("გამარჯობა", "ka"),
        ("Բարեւ աշխարհ", "hy"),
        ("Hello world", "en"),
        ("Crème brûlée, Straße", "en"),
        ("", "en"),
        ("123 — 456 !?", "en"),
        ("An English sentence quoting one word: мир.", "en"),
        ("Москва (Moscow) — столица России", "ru"),
    ],
)
def test_language_for_script(text, language):
    assert language_for_script(text) == language


def test_language_for_script_default():
    assert language_for_script("Bonjour tout le monde", default="fr") == "fr"
    assert language_for_script("", default="") == ""
    assert language_for_script("Привет", default="fr") == "ru"


@pytest.mark.parametrize(
    ("char", "script"),
    [
        ("a", "Latin"),
        ("é", "Latin"),
        ("я", "Cyrillic"),
        ("한", "Hangul"),
        ("の", "Hiragana"),
        ("カ", "Katakana"),
        ("字", "Han"),
        ("ع", "Arabic"),
        ("α", "Greek"),  # noqa: RUF001
        ("1", None),
        (" ", None),
        ("“", None),
        ("-", None),
    ],
)
def test_script_of(char, script):
    assert script_of(char) == script


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("Hello world", []),
        ("", []),
        ("Привет", [(0, 6, "ru")]),
        ("Kerry said «Привет, мир» today", [(12, 23, "ru")]),
        ("a 한국 b", [(2, 4, "ko")]),
        ("mixed Привет John мир.", [(6, 12, "ru"), (18, 21, "ru")]),
        ("Москва한국", [(0, 6, "ru"), (6, 8, "ko")]),
        ("東京タワー and 北京", [(0, 5, "ja"), (10, 12, "zh")]),
        (KOREAN_CAPTION, [(0, len(KOREAN_CAPTION) - 1, "ko")]),
    ],
)
def test_non_latin_runs(text, runs):
    assert non_latin_runs(text) == runs
    for start, end, _ in runs:
        assert script_of(text[start]) and script_of(text[end - 1])
