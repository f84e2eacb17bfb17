"""Language of parts: text in another writing system than the article's language is marked
with its language, both in article bodies (the Markdown `text` render rule) and in plain-text
fields shown by templates (the `lang_runs` filter)."""

import pytest
from django.template import engines
from django.utils.safestring import SafeData, mark_safe

from articles.markup import mark_language_runs, render_body
from articles.reader.templating import lang_runs

# --- The template filter ------------------------------------------------------------------

FILTERED = {
    "latin-only": ("Kerry and Lavrov meet", "en", "Kerry and Lavrov meet"),
    "russian-quote": (
        "Lavrov: «Мы продолжим переговоры»",
        "en",
        'Lavrov: «<span lang="ru">Мы продолжим переговоры</span>»',
    ),
    "arabic-is-rtl": (
        "“أهلاً وسهلاً”: Cairo",
        "en",
        '“<span lang="ar" dir="rtl">أهلاً وسهلاً</span>”: Cairo',
    ),
    "hebrew-is-rtl": ("Shalom, שלום", "en", 'Shalom, <span lang="he" dir="rtl">שלום</span>'),
    "several-scripts": (
        "서울, 東京 and Αθήνα",
        "en",
        '<span lang="ko">서울</span>, <span lang="zh">東京</span> and <span lang="el">Αθήνα</span>',
    ),
    "japanese-kana": ("Tokyo (東京に)", "en", 'Tokyo (<span lang="ja">東京に</span>)'),
    "thai-and-hindi": (
        "สวัสดี / नमस्ते",
        "en",
        '<span lang="th">สวัสดี</span> / <span lang="hi">नमस्ते</span>',
    ),
    "own-script-unmarked": ("Мы продолжим, Kerry said", "ru", "Мы продолжим, Kerry said"),
    "ukrainian-is-cyrillic-too": ("Ми продовжимо", "uk", "Ми продовжимо"),
    "korean-may-quote-hanja": ("大韓民國 헌법", "ko", "大韓民國 헌법"),
    "korean-in-japanese": ("東京と서울", "ja", '東京と<span lang="ko">서울</span>'),
    "script-subtag": ("Мы", "sr-Latn", '<span lang="ru">Мы</span>'),
    "script-subtag-cyrillic": ("Мы", "sr-Cyrl", "Мы"),
    "region-subtag": ("Мы", "ru-RU", "Мы"),
    "escaped": (
        "<script>alert(\"Мы\")</script> & 'x'",
        "en",
        '&lt;script&gt;alert(&quot;<span lang="ru">Мы</span>&quot;)&lt;/script&gt; &amp; '
        "&#x27;x&#x27;",
    ),
}


@pytest.mark.parametrize(("text", "language", "html"), FILTERED.values(), ids=FILTERED.keys())
def test_lang_runs_filter(text, language, html):
    result = lang_runs(text, language)
    assert result == html
    assert isinstance(result, SafeData)


def test_lang_runs_in_a_template_escapes_first():
    template = engines["jinja2"].from_string("<h1>{{ headline|lang_runs(language) }}</h1>")
    html = template.render(
        {"headline": "<script>alert(1)</script> Путин & Obama", "language": "en"}
    )
    assert html == (
        '<h1>&lt;script&gt;alert(1)&lt;/script&gt; <span lang="ru">Путин</span> &amp; Obama</h1>'
    )


def test_lang_runs_defaults_to_english():
    assert lang_runs("Путин") == '<span lang="ru">Путин</span>'
    assert lang_runs("Путин", "") == '<span lang="ru">Путин</span>'
    template = engines["jinja2"].from_string("{{ headline|lang_runs }}")
    assert template.render({"headline": "Путин"}) == '<span lang="ru">Путин</span>'


def test_lang_runs_leaves_html_already_marked_safe_alone():
    html = mark_safe('<a title="Путин">Путин</a>')
    assert lang_runs(html, "en") is html


def test_the_language_tag_never_comes_from_the_text():
    # Whatever the text, the only markup added is a span with a lang from the fixed table.
    html = mark_language_runs('"><img src=x onerror=alert(1)>Мы', 'en"><b')
    assert html == '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;<span lang="ru">Мы</span>'


# --- The Markdown render rule ---------------------------------------------------------------

RENDERED = {
    "english-only": ("One paragraph.\n", "en", "<p>One paragraph.</p>\n"),
    "russian-paragraph": (
        "Kerry spoke.\n\n«Мы продолжим переговоры», сказал министр.\n",
        "en",
        '<p>Kerry spoke.</p>\n<p>«<span lang="ru">Мы продолжим переговоры», сказал министр'
        "</span>.</p>\n",
    ),
    "inside-emphasis": (
        "A poet read *สวัสดี* aloud.\n",
        "en",
        '<p>A poet read <em><span lang="th">สวัสดี</span></em> aloud.</p>\n',
    ),
    "subheading": (
        "## 서울 and Tokyo (東京)\n",
        "en",
        '<h2><span lang="ko">서울</span> and Tokyo (<span lang="zh">東京</span>)</h2>\n',
    ),
    "link-text": (
        "[Известия](https://iz.ru/)\n",
        "en",
        '<p><a href="https://iz.ru/"><span lang="ru">Известия</span></a></p>\n',
    ),
    "script-escaped": (
        '<script>alert("Мы")</script>\n',
        "en",
        '<p>&lt;script&gt;alert(&quot;<span lang="ru">Мы</span>&quot;)&lt;/script&gt;</p>\n',
    ),
    "own-language": (
        "Мы продолжим переговоры, said Kerry.\n",
        "ru",
        "<p>Мы продолжим переговоры, said Kerry.</p>\n",
    ),
    "korean-article": (
        "코바니 (Kobani)\n",
        "ko",
        "<p>코바니 (Kobani)</p>\n",
    ),
}


@pytest.mark.parametrize(("source", "language", "html"), RENDERED.values(), ids=RENDERED.keys())
def test_render_body_marks_other_scripts(source, language, html):
    assert render_body(source, language=language) == html


def test_render_body_without_a_language_marks_nothing():
    assert render_body("Путин\n") == "<p>Путин</p>\n"
    assert render_body("Путин\n", language="en") == '<p><span lang="ru">Путин</span></p>\n'


def test_article_body_html_uses_the_article_language(make_article):
    english = make_article(body="Лавров said.\n", language="en")
    russian = make_article(body="Лавров сказал.\n", language="ru")
    assert english.body_html() == '<p><span lang="ru">Лавров</span> said.</p>\n'
    assert russian.body_html() == "<p>Лавров сказал.</p>\n"
