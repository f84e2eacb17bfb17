"""Language of parts (WCAG 3.1.2): every run of text in another writing system (Hangul,
Cyrillic, Arabic, Han/kana, Greek, Hebrew, Thai, Devanagari, ...) on every public page sits
inside an element whose language, the closest `lang`, is written in that script.

The runs are found with articles.language.non_latin_runs on the text nodes (and the
alt, title, aria-label and placeholder attributes) of the page as Chromium built it.
"""

import pytest

from articles.language import non_latin_runs
from articles.markup import is_written_in
from tests.browser.conftest import (
    CHINESE_CAPTION,
    KOREAN_CAPTION,
    PUBLIC_PAGES,
    RUSSIAN_PARAGRAPH,
    visit,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Every text node and text attribute in <body>, with the language it is in: the `lang` of
# its closest element that has one.
TEXTS = """() => {
  const langOf = el => { const owner = el.closest("[lang]"); return owner ? owner.lang : ""; };
  const where = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "");
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || parent.closest("script, style, template")) continue;
    out.push({ text: node.data, lang: langOf(parent), where: where(parent) });
  }
  for (const el of document.body.querySelectorAll("[alt], [title], [aria-label], [placeholder]")) {
    for (const name of ["alt", "title", "aria-label", "placeholder"]) {
      const value = el.getAttribute(name);
      if (value) out.push({ text: value, lang: langOf(el), where: where(el) + "@" + name });
    }
  }
  return out;
}"""


def unmarked_runs(page):
    """(run text, its language, the language it sits in, where) of each run not marked."""
    wrong = []
    for item in page.evaluate(TEXTS):
        for start, end, run_language in non_latin_runs(item["text"]):
            if not is_written_in(run_language, item["lang"]):
                text = item["text"][start:end]
                wrong.append((text, run_language, item["lang"], item["where"]))
    return wrong


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_run_of_another_script_is_in_an_element_of_its_language(
    shared_page, live_server, public_pages, name
):
    page = shared_page("light", 1280)
    visit(page, live_server.url, public_pages[name])
    assert unmarked_runs(page) == []


def closest_lang(locator):
    return locator.evaluate("el => el.closest('[lang]').lang")


def test_a_russian_paragraph_in_an_english_article(shared_page, live_server, public_pages):
    page = shared_page("light", 1280)
    visit(page, live_server.url, public_pages["article-multilingual"])
    assert page.locator("html").get_attribute("lang") == "en"
    paragraph = page.locator(".article-body p", has_text="Мы продолжим")
    assert paragraph.inner_text() == RUSSIAN_PARAGRAPH
    russian = paragraph.locator("span[lang]")
    assert russian.count() == 1
    assert russian.get_attribute("lang") == "ru"
    assert russian.inner_text() == RUSSIAN_PARAGRAPH[1:-1]  # between « and the full stop
    # The browser applies it: :lang() matches, as it does for fonts and hyphenation.
    assert russian.evaluate("el => el.matches(':lang(ru)')")
    assert paragraph.evaluate("el => el.matches(':lang(en)')")
    # The subheading's Korean and Chinese words, and the Thai and Hindi words, too.
    heading = page.locator(".article-body h2")
    assert heading.locator("span[lang=ko]").inner_text() == "서울"
    assert heading.locator("span[lang=zh]").inner_text() == "東京"
    assert page.locator(".article-body em span[lang=th]").inner_text() == "สวัสดี"
    assert page.locator(".article-body span[lang=hi]").inner_text() == "नमस्ते"


def test_korean_captions(shared_page, live_server, public_pages):
    page = shared_page("light", 1280)
    # The sample's caption carries its language from ingest.
    visit(page, live_server.url, public_pages["article"])
    caption = page.locator("figcaption").first
    assert caption.inner_text().startswith("터키 접경 마을")
    assert caption.get_attribute("lang") == "ko"
    assert caption.evaluate("el => el.matches(':lang(ko)')")

    # A caption with its language set, and one in Chinese without: the words are marked.
    visit(page, live_server.url, public_pages["article-multilingual"])
    korean = page.locator("figcaption", has_text=KOREAN_CAPTION)
    assert korean.get_attribute("lang") == "ko"
    assert korean.locator("span").count() == 0
    chinese = page.locator("figcaption", has_text="北京")
    assert chinese.get_attribute("lang") is None
    assert chinese.locator("span[lang=zh]").inner_text() == CHINESE_CAPTION.rstrip("。")


def test_an_arabic_headline_on_the_home_page(shared_page, live_server, public_pages):
    page = shared_page("light", 1280)
    visit(page, live_server.url, public_pages["home"])
    link = page.locator(".article-card a", has_text="Cairo book fair")
    arabic = link.locator("span[lang]")
    assert arabic.count() == 1
    assert (arabic.get_attribute("lang"), arabic.get_attribute("dir")) == ("ar", "rtl")
    assert arabic.inner_text() == "أهلاً وسهلاً"
    assert closest_lang(link) == "en"
    # Its own page: the headline and the Greek and Hebrew words of the standfirst.
    link.click()
    page.wait_for_url(live_server.url + public_pages["article-multilingual"])
    assert page.locator("h1 span[lang=ar][dir=rtl]").inner_text() == "أهلاً وسهلاً"
    standfirst = page.locator(".standfirst")
    assert standfirst.locator("span[lang=el]").inner_text() == "Καλώς ήρθατε"
    assert standfirst.locator("span[lang=he][dir=rtl]").inner_text() == "ברוכים הבאים"
