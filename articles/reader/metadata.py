"""Machine-readable metadata about articles, for search engines, feed readers and social
networks: the page description, Open Graph locale, dates, and schema.org NewsArticle JSON-LD.

Pure functions of an article (and the request, for absolute addresses); they use only what
the article page already loads (the agency, the prefetched authors and captions), so they add
no database query.
"""

import html
import json
import re
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.addresses import address, static_address
from articles.times import iso_datetime

DESCRIPTION_LENGTH = 160

# Open Graph wants language_TERRITORY (https://ogp.me/#optional): the territory usually
# meant by a bare language tag. A tag with its own region ("pt-BR") uses that region; a
# language neither here nor with a region gets no og:locale (consumers then assume en_US).
DEFAULT_TERRITORY = {
    "ar": "SA",
    "bg": "BG",
    "bn": "BD",
    "ca": "ES",
    "cs": "CZ",
    "da": "DK",
    "de": "DE",
    "el": "GR",
    "en": "US",
    "es": "ES",
    "et": "EE",
    "fa": "IR",
    "fi": "FI",
    "fr": "FR",
    "he": "IL",
    "hi": "IN",
    "hr": "HR",
    "hu": "HU",
    "id": "ID",
    "it": "IT",
    "ja": "JP",
    "ko": "KR",
    "lt": "LT",
    "lv": "LV",
    "ms": "MY",
    "nb": "NO",
    "nl": "NL",
    "pl": "PL",
    "pt": "PT",
    "ro": "RO",
    "ru": "RU",
    "sk": "SK",
    "sl": "SI",
    "sr": "RS",
    "sv": "SE",
    "th": "TH",
    "tr": "TR",
    "uk": "UA",
    "ur": "PK",
    "vi": "VN",
    "zh": "CN",
}
# Chinese written in traditional characters is mostly read in Taiwan.
SCRIPT_TERRITORY = {("zh", "Hant"): "TW", ("zh", "Hans"): "CN"}

# The escapes of Django's json_script: "<", ">" and "&" never appear literally, so no
# "</script>" or "<!--" in the data can end the script element early. Applied with
# str.replace, many times faster here than str.translate with a dict, which looks every
# character up in the dict (figures in docs/benchmarks.md, "Measurements behind the code").
_JSON_SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))

_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
# A tag of the body renderer's HTML (articles/markup.py: Markdown without raw HTML, so every
# "<" of the text is escaped and each tag is whole): what Django's strip_tags removes there,
# without its HTML parser (a noticeable part of the head metadata's time).
_TAG = re.compile(r"<[^>]*>")


def modified_at(article):
    """When the article last changed for readers: its last save or its latest correction note
    (`latest_correction_at`, when the query annotated it: see sources.with_latest_correction),
    never before its publication (an article written days before its scheduled time was not
    modified before it was published)."""
    latest_correction = getattr(article, "latest_correction_at", None)
    return max(article.updated_at, article.published_at, latest_correction or article.updated_at)


def truncate_words(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """`text` with whitespace collapsed, cut at a word boundary to at most `limit`
    characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"


def meta_description(article) -> str:
    """Plain text summary: the standfirst, else the first paragraph of the body, cut to
    about 160 characters at a word boundary. "" when the body has no paragraph."""
    if article.standfirst.strip():
        return truncate_words(article.standfirst)
    match = _FIRST_PARAGRAPH.search(article.body_html())
    if match is None:
        return ""
    return truncate_words(html.unescape(_TAG.sub("", match.group(1))))


@lru_cache(maxsize=256)
def og_locale(language: str) -> str:
    """Open Graph locale (language_TERRITORY) for a BCP 47 tag, or "" when unknown."""
    parts = language.split("-")
    lang = parts[0].lower()
    region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    if region:
        return f"{lang}_{region.upper()}"
    if any(p.isdigit() for p in parts[1:]):
        return ""  # a UN M.49 area such as "es-419" names no single territory
    script = next((p.title() for p in parts[1:] if len(p) == 4), None)
    territory = SCRIPT_TERRITORY.get((lang, script)) or DEFAULT_TERRITORY.get(lang)
    return f"{lang}_{territory}" if territory else ""


def news_language(language: str) -> str:
    """The language as Google News sitemaps want it: the ISO 639 code ("en", "pt" for
    "pt-BR"), except Chinese, which is "zh-cn" (simplified) or "zh-tw" (traditional)."""
    parts = language.split("-")
    lang = parts[0].lower()
    if lang != "zh":
        return lang
    subtags = {p.lower() for p in parts[1:]}
    return "zh-tw" if subtags & {"hant", "tw", "hk", "mo"} else "zh-cn"


class LeadImage(NamedTuple):
    """The lead photo as the page's metadata shows it (`width`/`height`: None when unknown)."""

    url: str
    alt: str
    caption: str
    width: int | None
    height: int | None


def lead_image(captions, request):
    """The LeadImage of the lead photo (that of the caption shown first: the lead one when
    there is one), or None. `captions`: the article's, in their order."""
    caption = captions[0] if captions else None
    if caption is None or not caption.image:
        return None
    width, height = caption.image_size() or (None, None)
    return LeadImage(
        request.build_absolute_uri(caption.image.url),
        caption.image_alt() or caption.text,
        caption.text,
        width,
        height,
    )


def absolute(request, address):
    """request.build_absolute_uri(address) for an address that is already a URI (reverse()'s,
    static()'s), with the scheme and host read once per request: a page's metadata has four
    or more of them."""
    if not address.startswith("/") or address.startswith("//"):
        return request.build_absolute_uri(address)  # another host's, or protocol-relative
    return origin(request) + address


def origin(request):
    """The request's scheme and host ("https://news.example"), read once per request."""
    found = request.__dict__.get("_newsroom_origin")
    if found is None:
        found = request.__dict__["_newsroom_origin"] = request.build_absolute_uri("/")[:-1]
    return found


def author_url(author, request):
    """Absolute address of the author's page."""
    return absolute(request, author.get_absolute_url())


def _organization(name, url=None, **extra):
    data = {"@type": "Organization", "name": name}
    if url:
        data["url"] = url
    data.update(extra)
    return data


def publisher(request):
    """The site as schema.org Organization (its address and logo on this request's host)."""
    home, logo = _publisher_addresses(request)
    return _organization(settings.SITE_NAME, home, logo={"@type": "ImageObject", "url": logo})


def _publisher_addresses(request):
    """The absolute addresses of the home page and of the site's logo on this request's host:
    looked up once per host and script prefix."""
    key = (origin(request), get_script_prefix())
    found = _publishers.get(key)
    if found is None:
        if len(_publishers) >= 64:
            _publishers.clear()
        found = _publishers[key] = (
            absolute(request, address("articles:home")),
            absolute(request, static_address("favicon.svg")),
        )
    return found


# _publisher_addresses() by (origin, script prefix).
_publishers = {}


@receiver(setting_changed)
def _forget_publishers(**kwargs):
    _publishers.clear()  # STATIC_URL, STORAGES, ROOT_URLCONF


def news_article_jsonld(article, request, head, authors) -> dict:
    """schema.org NewsArticle (https://schema.org/NewsArticle) for a published article, from
    what article_head computed (address, description, ISO dates, lead image) and its
    authors."""
    canonical, description, image = head.canonical, head.description, head.image
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "headline": article.headline,
        "datePublished": head.published,
        "dateModified": head.modified,
        "inLanguage": article.language,
    }
    if description:
        data["description"] = description
    authors = [
        {"@type": "Person", "name": author.name, "url": author_url(author, request)}
        for author in authors
    ]
    if authors:
        data["author"] = authors
    if article.agency is not None:
        agency = _organization(article.agency.name, article.agency.website)
        data["sourceOrganization"] = agency
        data["copyrightHolder"] = agency
    data["publisher"] = publisher(request)
    if image:
        image_object = {"@type": "ImageObject", "url": image.url, "caption": image.caption}
        if image.width:
            image_object.update(width=image.width, height=image.height)
        data["image"] = image_object
    return data


def jsonld_script(data) -> str:
    """A <script type="application/ld+json"> data block (never executed) holding `data`,
    escaped like Django's json_script so that nothing in it can close the element."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    for character, escaped in _JSON_SCRIPT_ESCAPES:
        text = text.replace(character, escaped)
    return mark_safe('<script type="application/ld+json">' + text + "</script>")  # escaped


class ArticleHead(NamedTuple):
    """The article page's <head> metadata. Attributes, not a dict: a template reads
    `meta.canonical` as an attribute first (a dict would cost it an AttributeError each time)."""

    canonical: str
    description: str
    locale: str
    published: str  # ISO 8601
    modified: str
    image: LeadImage | None
    jsonld: str = ""  # the <script type="application/ld+json"> element


def article_head(article, request, authors, captions) -> ArticleHead:
    """Everything the article page's <head> metadata needs, computed once (`authors` and
    `captions`: the article's, as the page shows them)."""
    zone = timezone.get_current_timezone()
    head = ArticleHead(
        canonical=absolute(request, article.get_absolute_url()),
        description=meta_description(article),
        locale=og_locale(article.language),
        published=iso_datetime(article.published_at, zone),
        modified=iso_datetime(modified_at(article), zone),
        image=lead_image(captions, request),
    )
    return head._replace(jsonld=jsonld_script(news_article_jsonld(article, request, head, authors)))
