"""Parse a saved web page (a browser's "save page as") of a news article.

Pure and offline: nothing the page references is fetched. Metadata comes from schema.org
NewsArticle JSON-LD first (in any of several script blocks, in an @graph or a list, @type a
string or a list; a malformed block is skipped with a warning), then Open Graph, then the
markup (link rel=canonical, html@lang, h1, <time datetime>, <title>).

The body is the page's <article> (else <main>) with the site furniture removed: navigation,
header and footer, skip links, banners, cookie notices, related-links asides, text-size
controls, share buttons, the agency box, figures, and the h1 itself. A page without either
element goes to trafilatura (offline, given the HTML string). Then the same sanitiser as the
other formats. The agency is JSON-LD sourceOrganization, else the agency box (its first line
the name, the rest its description), else the JSON-LD publisher.

Identity: the canonical URL (link rel=canonical, og:url, JSON-LD url/mainEntityOfPage, the
"saved from url" comment), without its fragment and utm_* parameters; the version is the
modification time (dateModified, article:modified_time) in seconds.
"""

import json
import re
from dataclasses import replace

import lxml.html
from lxml import etree

from articles.language import language_for_script

from .records import AgencyRecord, ArticleRecord, CaptionRecord, IngestError
from .sanitize import html_to_blocks
from .values import (
    canonical_url,
    check_size,
    collapse,
    language_tag,
    parse_time,
    plain_text,
    safe_url,
    split_byline,
    time_version,
)

ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
                 "BackgroundNewsArticle", "OpinionNewsArticle", "ReviewNewsArticle"}  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*>")
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
FURNITURE_TAGS = ("nav", "header", "footer", "aside", "form", "button", "figure", "script",
                  "style", "noscript", "iframe", "svg", "h1", "template")  # fmt: skip
FURNITURE_WORDS = re.compile(
    r"\b(skip|cookie|consent|banner|related|share|social|text-?size|font-?size|newsletter|"
    r"promo|advert|ad-slot|agency|breadcrumb|subscribe|byline|dateline)\b",
    re.IGNORECASE,
)
FURNITURE_ROLES = {"navigation", "banner", "complementary", "contentinfo", "search", "dialog"}


def parse_webpage(data: bytes) -> ArticleRecord:
    check_size(data)
    text = _decode(data)
    try:
        document = lxml.html.document_fromstring(
            _XML_DECLARATION.sub("", text, count=1),
            parser=lxml.html.HTMLParser(no_network=True, remove_pis=True),
        )
    except (etree.ParserError, ValueError) as error:
        raise IngestError(f"not a readable HTML page: {error}") from None
    warnings: list[str] = []
    ld = _json_ld(document, warnings)
    og = {
        (m.get("property") or m.get("name") or "").lower(): collapse(m.get("content"))
        for m in document.iter("meta")
        if m.get("content")
    }
    body_root = _body_root(document)

    headline = plain_text(ld.get("headline"), warnings, "headline") or og.get("og:title", "")
    if not headline:
        h1 = document.find(".//h1")
        headline = collapse(h1.text_content()) if h1 is not None else ""
    if not headline:
        title = document.find(".//title")
        headline = collapse(title.text_content()).rsplit(" | ", 1)[0] if title is not None else ""
    if not headline:
        raise IngestError("not an article: the page has no headline")

    agency = _agency(ld, body_root, warnings)
    captions = _captions(document, body_root, ld, og, warnings)
    blocks = _blocks(document, body_root, text, warnings)
    if blocks and blocks[0].text == headline:  # the page's h1, as trafilatura keeps it
        blocks = blocks[1:]
    if not blocks:
        raise IngestError("not an article: the page has no article text")
    language = (
        language_tag(ld.get("inLanguage"), warnings)
        or language_tag(document.get("lang"), warnings)
        or language_tag(og.get("og:locale"), warnings)
        or language_for_script(" ".join([headline, *(b.text for b in blocks)]))
    )
    captions = tuple(
        c if c.language else replace(c, language=language_for_script(c.text, language))
        for c in captions
    )
    time_element = document.find(".//time[@datetime]")
    published = parse_time(
        ld.get("datePublished")
        or og.get("article:published_time")
        or (time_element.get("datetime") if time_element is not None else ""),
        warnings,
        "publication time",
    )
    updated = parse_time(
        ld.get("dateModified") or og.get("article:modified_time"), warnings, "modification time"
    )
    url = _canonical(document, og, ld, text)
    if not url:
        raise IngestError("not an article page: no canonical URL to identify it by")
    metadata = {
        "section": collapse(ld.get("articleSection") or og.get("article:section")),
        "dateline": collapse(ld.get("dateline")),
        "keywords": ld.get("keywords")
        if isinstance(ld.get("keywords"), list)
        else collapse(ld.get("keywords")),
    }
    return ArticleRecord(
        headline=headline,
        blocks=blocks,
        language=language,
        standfirst=plain_text(
            ld.get("description") or og.get("og:description") or og.get("description"),
            warnings,
            "standfirst",
        ),
        captions=captions,
        agency=agency,
        authors=_authors(ld, og),
        source_url=safe_url(url, [], "page") if len(url) <= 500 else "",
        external_id=url,
        version=time_version(updated),
        published_at=published,
        updated_at=updated,
        wire_metadata={k: v for k, v in metadata.items() if v},
        format="html",
        warnings=tuple(warnings),
    )


def _decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    charset = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if charset in {"utf-8", "utf8"}:
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"not UTF-8: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
            ) from None
    try:
        return data.decode(charset)
    except LookupError:
        raise IngestError(f"unknown character set {charset!r} declared by the page") from None
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"not {charset}: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
        ) from None


def _json_ld(document, warnings) -> dict:
    """The first NewsArticle-like object of the page's JSON-LD, or {}."""
    for script in document.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            warnings.append("a malformed JSON-LD block was skipped")
            continue
        for node in _nodes(data):
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if ARTICLE_TYPES.intersection(t for t in types if isinstance(t, str)):
                return node
    return {}


def _nodes(data):
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _nodes(data["@graph"])


def _body_root(document):
    for path in (".//article", ".//main", ".//*[@role='main']"):
        element = document.find(path)
        if element is not None:
            return element
    return None


def _is_furniture(element) -> bool:
    if element.tag in FURNITURE_TAGS:
        return True
    if (element.get("role") or "").lower() in FURNITURE_ROLES:
        return True
    if element.get("aria-hidden") == "true" or element.get("hidden") is not None:
        return True
    words = " ".join([element.get("class") or "", element.get("id") or ""])
    if words.strip() and FURNITURE_WORDS.search(words.replace("_", "-")):
        return True
    href = element.get("href") or ""
    return element.tag == "a" and href.startswith("#") and len(element.getparent()) == 1


def _blocks(document, body_root, text, warnings):
    if body_root is None:
        import trafilatura

        extracted = trafilatura.extract(
            text, output_format="html", include_formatting=True, include_links=True,
            include_images=False, include_tables=False, include_comments=False,
        )  # fmt: skip
        if not extracted:
            return ()
        blocks, found = html_to_blocks(extracted)
        warnings.extend(found)
        return blocks
    copy = lxml.html.fromstring(lxml.html.tostring(body_root, encoding="unicode"))
    for element in list(copy.iter()):
        if isinstance(element.tag, str) and element is not copy and _is_furniture(element):
            element.drop_tree()
    inner = (copy.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in copy
    )
    blocks, found = html_to_blocks(inner)
    warnings.extend(found)
    return blocks


def _agency(ld, body_root, warnings):
    source = ld.get("sourceOrganization")
    if isinstance(source, list):
        source = source[0] if source else None
    if isinstance(source, dict) and source.get("name"):
        return AgencyRecord(
            name=plain_text(source["name"], warnings, "agency name"),
            description=plain_text(source.get("description"), warnings, "agency description"),
        )
    if body_root is not None:
        for element in body_root.iter():
            words = (
                " ".join([element.get("class") or "", element.get("id") or ""])
                if isinstance(element.tag, str)
                else ""
            )
            if re.search(r"\bagency\b", words, re.IGNORECASE):
                lines = [collapse(t) for t in element.itertext() if collapse(t)]
                if lines:
                    return AgencyRecord(name=lines[0], description="\n".join(lines[1:]))
    publisher = ld.get("publisher")
    if isinstance(publisher, dict) and publisher.get("name"):
        return AgencyRecord(name=plain_text(publisher["name"], warnings, "agency name"))
    return None


def _authors(ld, og):
    author = ld.get("author")
    names = []
    for entry in author if isinstance(author, list) else [author]:
        if isinstance(entry, str):
            names += split_byline(entry)
        elif isinstance(entry, dict) and entry.get("@type") != "Organization" and entry.get("name"):
            names += split_byline(entry["name"])
    if not names and og.get("article:author") and "://" not in og["article:author"]:
        names += split_byline(og["article:author"])
    return tuple(dict.fromkeys(names))


def _captions(document, body_root, ld, og, warnings):
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    ld_image = (
        image if isinstance(image, dict) else {"url": image} if isinstance(image, str) else {}
    )
    image_url = safe_url(ld_image.get("url") or og.get("og:image"), warnings, "picture")
    figure = (body_root if body_root is not None else document).find(".//figure")
    if figure is not None:
        img = figure.find(".//img")
        figcaption = figure.find(".//figcaption")
        caption = plain_text(collapse(figcaption.text_content()) if figcaption is not None else "")
        alt = collapse(img.get("alt")) if img is not None else ""
        src = img.get("src") if img is not None else ""
        if src and "://" in src:
            image_url = safe_url(src, warnings, "picture") or image_url
        language = ""
        for element in [figcaption, figure, *figure.iterancestors()]:
            if element is not None and element.get("lang") and element.tag != "html":
                language = language_tag(element.get("lang"), warnings)
                break
    else:
        caption, alt, language = plain_text(ld_image.get("caption"), warnings, "caption"), "", ""
    caption = caption or plain_text(ld_image.get("caption"), warnings, "caption")
    if not caption:
        return ()
    alt = alt or og.get("og:image:alt", "")
    language = language or language_tag(ld_image.get("inLanguage"), warnings)
    credit = plain_text(ld_image.get("creditText") or _name(ld_image.get("copyrightHolder")))
    return (
        CaptionRecord(
            text=caption, alt_text=alt, language=language, credit=credit[:200], image_url=image_url
        ),
    )


def _name(value) -> str:
    if isinstance(value, dict):
        return collapse(value.get("name"))
    return collapse(value) if isinstance(value, str) else ""


def _canonical(document, og, ld, text) -> str:
    link = document.find(".//link[@rel='canonical']")
    main = ld.get("mainEntityOfPage")
    candidates = [
        link.get("href") if link is not None else "",
        og.get("og:url"),
        ld.get("url"),
        main.get("@id") if isinstance(main, dict) else main if isinstance(main, str) else "",
    ]
    saved = _SAVED_FROM.search(text[:2048])
    if saved:
        candidates.append(saved.group(1))
    for candidate in candidates:
        if candidate and re.match(r"https?://", collapse(candidate)):
            return canonical_url(candidate)
    return ""
