"""Head metadata of reader pages, as search engines and social networks read it: canonical
address, description, Open Graph, Twitter card and schema.org NewsArticle JSON-LD.

Real views, real database; the JSON-LD is parsed out of the page HTML.
"""

import json
import re
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from articles.ingest.writer import ingest
from articles.models import Agency, Article, Author, Caption
from articles.reader import metadata, text_size
from tests.helpers.html import page, parse
from tests.helpers.images import png_bytes
from tests.helpers.metadata import head_tags, jsonld
from tests.helpers.sample import HEADLINE, SAMPLE_SLUG
from tests.helpers.times import iso

HOST = "http://testserver"
SAMPLE_URL = f"{HOST}/articles/{SAMPLE_SLUG}/"
# The sample's first paragraph, cut at a word boundary to at most 160 characters.
SAMPLE_DESCRIPTION = (
    "The deal between the United States and Russia on Syrian chemical weapons was due in no "
    "small part to the labors of foreign policy veterans with contrasting…"
)
ISO = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d\Z")
PUBLISHER = {
    "@type": "Organization",
    "name": "Newsroom",
    "url": f"{HOST}/",
    "logo": {"@type": "ImageObject", "url": f"{HOST}/static/favicon.svg"},
}
INJECTION = "</script><script>alert(1)</script>"


def social_tags(document):
    return {
        key: value
        for key, value in head_tags(document).items()
        if key.startswith(("og:", "article:", "twitter:")) or key == "description"
    }


def person(author):
    """A schema.org Person with the address of the author's page (/authors/<slug>/, the
    slug percent-encoded when it is not ASCII)."""
    return {
        "@type": "Person",
        "name": author.name,
        "url": f"{HOST}/authors/{quote(author.slug)}/",
    }


@pytest.fixture
def sample_article(db, sample_bytes):
    result = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)
    assert not result.failed, result.error
    return result.article


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def rich_article(make_article, media):
    """An article with everything: standfirst, two authors, an agency with a website and a
    lead photo."""
    agency = Agency.objects.create(
        name="Example Wire", slug="example-wire", website="https://wire.example/"
    )
    authors = [
        Author.objects.create(name="Jane Doe", slug="jane-doe"),
        Author.objects.create(name="김민준", slug="김민준"),
    ]
    article = make_article(
        headline="Talks resume in Geneva",
        slug="talks-resume-in-geneva",
        standfirst="Diplomats   return to the table\nafter a week.",
        agency=agency,
        authors=authors,
        published_at=timezone.now() - timedelta(hours=3),
    )
    second = Caption(article=article, text="Second photo.", position=1)
    second.image.save("second.png", ContentFile(png_bytes()), save=False)
    second.save()
    lead = Caption(
        article=article,
        text="Ministers at the table.",
        alt_text="Two men shake hands in front of flags.",
        is_lead=True,
        position=2,
    )
    lead.image.save("lead.png", ContentFile(png_bytes()), save=False)
    lead.save()
    article.lead = lead
    return article


# --- JSON-LD ----------------------------------------------------------------------------


def test_sample_article_jsonld_exactly(client, sample_article):
    data = jsonld(page(client, sample_article.get_absolute_url()))
    published = iso(sample_article.published_at)
    assert data == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": SAMPLE_URL},
        "url": SAMPLE_URL,
        "headline": HEADLINE,
        "datePublished": published,
        "dateModified": iso(max(sample_article.updated_at, sample_article.published_at)),
        "inLanguage": "en",
        "description": SAMPLE_DESCRIPTION,
        # The capture names no author and carries no photo file: no "author", no "image".
        "sourceOrganization": {"@type": "Organization", "name": "Reuters"},
        "copyrightHolder": {"@type": "Organization", "name": "Reuters"},
        "publisher": PUBLISHER,
    }


def test_dates_are_strict_iso_8601_with_offset(client, sample_article):
    data = jsonld(page(client, sample_article.get_absolute_url()))
    for key in ("datePublished", "dateModified"):
        assert ISO.match(data[key]), data[key]
        assert datetime.fromisoformat(data[key]).utcoffset() is not None
    assert datetime.fromisoformat(data["datePublished"]) == sample_article.published_at.replace(
        microsecond=0
    )
    assert data["datePublished"].endswith("+00:00")  # TIME_ZONE is UTC
    assert datetime.fromisoformat(data["dateModified"]) >= datetime.fromisoformat(
        data["datePublished"]
    )


def test_microseconds_are_dropped_and_modified_is_never_before_published(client, make_article):
    published = timezone.now().replace(microsecond=654321) - timedelta(hours=2)
    article = make_article(published_at=published)
    # Written the day before its scheduled time, not changed since.
    Article.objects.filter(pk=article.pk).update(updated_at=published - timedelta(days=1))
    document = page(client, article.get_absolute_url())
    data = jsonld(document)
    expected = timezone.localtime(published).replace(microsecond=0).isoformat()
    assert data["datePublished"] == expected
    assert data["dateModified"] == expected
    tags = head_tags(document)
    assert tags["article:published_time"] == expected
    assert tags["article:modified_time"] == expected


def test_rich_article_jsonld_exactly(client, rich_article):
    url = f"{HOST}/articles/talks-resume-in-geneva/"
    data = jsonld(page(client, rich_article.get_absolute_url()))
    wire = {"@type": "Organization", "name": "Example Wire", "url": "https://wire.example/"}
    assert data == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": "Talks resume in Geneva",
        "datePublished": iso(rich_article.published_at),
        "dateModified": iso(rich_article.updated_at),
        "inLanguage": "en",
        "description": "Diplomats return to the table after a week.",
        "author": [person(a) for a in Author.objects.order_by("name")],
        "sourceOrganization": wire,
        "copyrightHolder": wire,
        "publisher": PUBLISHER,
        # The lead caption's photo, not the first by position.
        "image": {
            "@type": "ImageObject",
            "url": HOST + rich_article.lead.image.url,
            "caption": "Ministers at the table.",
            "width": 16,
            "height": 9,
        },
    }
    assert data["image"]["url"].startswith(f"{HOST}/media/captions/")
    assert [p["name"] for p in data["author"]] == ["Jane Doe", "김민준"]


def test_author_urls_are_their_pages(client, rich_article):
    data = jsonld(page(client, rich_article.get_absolute_url()))
    assert [entry["url"] for entry in data["author"]] == [
        f"{HOST}/authors/jane-doe/",
        f"{HOST}/authors/%EA%B9%80%EB%AF%BC%EC%A4%80/",
    ]
    for entry in data["author"]:
        assert client.get(entry["url"].removeprefix(HOST)).status_code == 200


def test_no_image_key_without_a_photo_file(client, make_article):
    article = make_article(captions=[{"text": "A caption without a photo.", "is_lead": True}])
    document = page(client, article.get_absolute_url())
    assert "image" not in jsonld(document)
    tags = head_tags(document)
    assert "og:image" not in tags
    assert "twitter:image" not in tags
    assert tags["twitter:card"] == "summary"


def test_no_agency_no_source_organization(client, make_article):
    article = make_article()
    data = jsonld(page(client, article.get_absolute_url()))
    assert "sourceOrganization" not in data
    assert "copyrightHolder" not in data
    assert "author" not in data
    assert data["publisher"] == PUBLISHER


def test_headline_cannot_break_out_of_the_jsonld_block(client, make_article):
    headline = f"Tricky {INJECTION} & <!-- more"
    article = make_article(headline=headline, standfirst=f"Stand {INJECTION}")
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "<!--" not in html
    document = parse(html)
    scripts = document.find_all("script")
    # The data block, the text-size head script and the site script; nothing else became a
    # script element.
    assert [(s.get("type"), s.get("src")) for s in scripts] == [
        ("application/ld+json", None),
        (None, None),
        (None, "/static/js/text-size.js"),
    ]
    assert scripts[1].raw_text() == text_size.INIT_SCRIPT
    block = scripts[0].raw_text()
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003C/script\\u003E" in block
    data = json.loads(block)
    assert data["headline"] == headline
    assert data["description"] == f"Stand {INJECTION}"
    tags = head_tags(document)
    assert tags["og:title"] == headline
    assert "twitter:title" not in tags  # X takes og:title
    assert document.one("h1").raw_text() == headline


def test_jsonld_script_escapes_like_json_script():
    html = metadata.jsonld_script({"a": "</script><b>&amp;</b>", "k": "한국어"})
    assert html == (
        '<script type="application/ld+json">'
        '{"a":"\\u003C/script\\u003E\\u003Cb\\u003E\\u0026amp;\\u003C/b\\u003E","k":"한국어"}'
        "</script>"
    )


def test_jsonld_adds_no_query(client, rich_article, django_assert_num_queries):
    # The article with agency, the breaking-news alert, its authors and its captions (one
    # statement, on a warm connection): the metadata uses what the page loads anyway.
    client.get(rich_article.get_absolute_url())
    with django_assert_num_queries(1):
        response = client.get(rich_article.get_absolute_url())
    assert response.status_code == 200


# --- Canonical, description, Open Graph, Twitter ------------------------------------------


def test_sample_article_head_tags_exactly(client, sample_article):
    document = page(client, sample_article.get_absolute_url())
    canonical = document.one("head").one("link", rel="canonical")
    assert canonical.get("href") == SAMPLE_URL
    published = iso(sample_article.published_at)
    assert social_tags(document) == {
        "description": SAMPLE_DESCRIPTION,
        "og:type": "article",
        "og:title": HEADLINE,
        "og:description": SAMPLE_DESCRIPTION,
        "og:url": SAMPLE_URL,
        "og:site_name": "Newsroom",
        "og:locale": "en_US",
        "article:published_time": published,
        "article:modified_time": iso(sample_article.updated_at),
        # X (Twitter) takes title, description and image from og:*.
        "twitter:card": "summary",
    }


def test_rich_article_head_tags_exactly(client, rich_article):
    url = f"{HOST}/articles/talks-resume-in-geneva/"
    image = HOST + rich_article.lead.image.url
    description = "Diplomats return to the table after a week."
    document = page(client, rich_article.get_absolute_url())
    assert document.one("head").one("link", rel="canonical").get("href") == url
    assert social_tags(document) == {
        "description": description,
        "og:type": "article",
        "og:title": "Talks resume in Geneva",
        "og:description": description,
        "og:url": url,
        "og:site_name": "Newsroom",
        "og:locale": "en_US",
        "og:image": image,
        "og:image:width": "16",
        "og:image:height": "9",
        "og:image:alt": "Two men shake hands in front of flags.",
        "article:published_time": iso(rich_article.published_at),
        "article:modified_time": iso(rich_article.updated_at),
        "twitter:card": "summary_large_image",
        "twitter:image:alt": "Two men shake hands in front of flags.",
    }


def test_image_alt_falls_back_to_the_caption(client, make_article, media):
    article = make_article()
    lead = Caption(article=article, text="Geneva at night.", alt_text="image", is_lead=True)
    lead.image.save("lead.png", ContentFile(png_bytes()), save=False)
    lead.save()
    tags = head_tags(page(client, article.get_absolute_url()))
    assert tags["og:image:alt"] == "Geneva at night."
    assert tags["twitter:image:alt"] == "Geneva at night."


def test_canonical_ignores_the_query_string(client, make_article):
    article = make_article(slug="plain-slug")
    document = page(client, article.get_absolute_url() + "?utm_source=x&page=3")
    assert document.one("link", rel="canonical").get("href") == f"{HOST}/articles/plain-slug/"
    assert head_tags(document)["og:url"] == f"{HOST}/articles/plain-slug/"


def test_korean_article_locale_and_language(client, make_article):
    article = make_article(
        headline="케리와 라브로프", body="미국과 러시아의 합의.\n", language="ko"
    )
    document = page(client, article.get_absolute_url())
    tags = head_tags(document)
    assert tags["og:locale"] == "ko_KR"
    assert tags["description"] == "미국과 러시아의 합의."
    assert jsonld(document)["inLanguage"] == "ko"


def test_language_without_a_known_territory_has_no_og_locale(client, make_article):
    article = make_article(language="es-419")
    document = page(client, article.get_absolute_url())
    assert "og:locale" not in head_tags(document)
    assert jsonld(document)["inLanguage"] == "es-419"


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("en", "en_US"),
        ("ko", "ko_KR"),
        ("pt-BR", "pt_BR"),
        ("en-GB", "en_GB"),
        ("zh-Hant", "zh_TW"),
        ("zh-Hans", "zh_CN"),
        ("zh-Hant-HK", "zh_HK"),
        ("es-419", ""),
        ("eu", ""),
        ("tlh", ""),
    ],
)
def test_og_locale(language, locale):
    assert metadata.og_locale(language) == locale


# --- Description ------------------------------------------------------------------------


def test_description_is_plain_text_of_the_first_paragraph(make_article):
    article = make_article(
        body="## A heading first\n\nSome *emphasis* & `code` with [a link](https://x.example/) "
        "and a\nline break.\n\nSecond paragraph.\n"
    )
    assert (
        metadata.meta_description(article) == "Some emphasis & code with a link and a line break."
    )


def test_description_cut_at_a_word_boundary(make_article):
    words = " ".join(f"word{n:02}" for n in range(40))  # 40 * 6 + 39 = 279 characters
    article = make_article(body=words + "\n")
    description = metadata.meta_description(article)
    assert len(description) <= 160
    assert description.endswith("…")
    assert words.startswith(description.removesuffix("…"))
    assert description == " ".join(f"word{n:02}" for n in range(22)) + "…"


def test_description_prefers_the_standfirst(make_article):
    article = make_article(standfirst="  A short\nsummary.  ")
    assert metadata.meta_description(article) == "A short summary."


def test_truncate_words_edge_cases():
    assert metadata.truncate_words("x" * 200) == "x" * 159 + "…"
    assert metadata.truncate_words("a " * 80) == "a " * 79 + "a"
    assert metadata.truncate_words("exactly ten", limit=11) == "exactly ten"
    assert metadata.truncate_words("exactly ten!", limit=11) == "exactly…"


def test_body_without_paragraph_has_no_description(client, make_article):
    article = make_article(body="## Only a heading\n")
    document = page(client, article.get_absolute_url())
    tags = head_tags(document)
    assert "description" not in tags
    assert "og:description" not in tags
    assert "twitter:description" not in tags
    assert "description" not in jsonld(document)


# --- Other pages ------------------------------------------------------------------------


def test_home_canonical_and_description(client, make_article):
    for n in range(25):
        make_article(published_at=timezone.now() - timedelta(minutes=n + 1))
    document = page(client, "/?utm_campaign=x")
    assert document.one("head").one("link", rel="canonical").get("href") == f"{HOST}/"
    assert head_tags(document)["description"] == "The latest news from Newsroom."
    assert document.find("script", type="application/ld+json") is None
    document = page(client, "/?page=2")
    assert document.one("link", rel="canonical").get("href") == f"{HOST}/?page=2"
    document = page(client, "/?page=1")
    assert document.one("link", rel="canonical").get("href") == f"{HOST}/"


def test_feed_links_on_every_page(client, sample_article):
    for url in ("/", sample_article.get_absolute_url(), "/no-such-page/"):
        response = client.get(url)
        head = parse(response.content).one("head")
        links = [
            (link.get("type"), link.get("title"), link.get("href"))
            for link in head.find_all("link", rel="alternate")
        ]
        assert links == [
            ("application/rss+xml", "Newsroom (RSS)", "/feeds/rss.xml"),
            ("application/atom+xml", "Newsroom (Atom)", "/feeds/atom.xml"),
            ("application/feed+json", "Newsroom (JSON Feed)", "/feeds/feed.json"),
        ], url


def test_404_page_has_no_canonical(client, db):
    document = parse(client.get("/no-such-page/").content)
    assert document.find("link", rel="canonical") is None
    assert document.find("script", type="application/ld+json") is None


@pytest.mark.parametrize(
    "address",
    [
        "/articles/kerry-lavrov/",
        "/articles/%EC%82%AC%EC%A7%84/",
        "/static/favicon.3f2a9c81b7e4.svg",
        "/news/authors/jane-doe/",
        "https://cdn.example/static/favicon.svg",
        "//cdn.example/static/favicon.svg",
    ],
)
def test_absolute_addresses_are_build_absolute_uris(rf, address):
    request = rf.get("/articles/x/", secure=True)
    assert metadata.absolute(request, address) == request.build_absolute_uri(address)
    # The second time from the scheme and host read the first time.
    assert metadata.absolute(request, address) == request.build_absolute_uri(address)
