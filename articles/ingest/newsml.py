"""Parse an IPTC NewsML-G2 text item (alone, or in a newsMessage with its pictures).

Pure: bytes in, record out; the XML goes through articles.ingest.xmlsafe first. Elements are
matched by local name in any namespace (feeds drift; a missing XHTML namespace is accepted).

* Identity: newsItem@guid, @version (an integer). Language: contentMeta/language@tag, else
  the item's xml:lang.
* Text: contentMeta/headline (the one without a role, or "main"); the summary is the
  description with role drol:summary or drol:teaser; creators' names are the authors; the
  agency is contentMeta/infoSource, else itemMeta/provider, else rightsInfo/copyrightHolder.
* Body: contentSet/inlineXML with an XHTML-like content type (application/xhtml+html, a typo
  seen in Reuters feeds, too): the XHTML body, inline markup and tails kept; NITF inside
  inlineXML: body.content, hl2 as a subheading; inlineData: plain text.
* Picture: the newsItem that the text item links to (itemMeta/link@residref) or that a
  packageItem groups with it (itemRef@residref); else any picture item in the message. Its
  caption is description[@role="drol:caption"], its alt text description[@role="drol:altText"]
  (a convention: NewsML-G2 has no alt-text element), its credit creditline, else the
  photographer creator and the copyright holder; the caption's language is its xml:lang, else
  the picture's language, else detected from its script.
"""

from lxml import etree

from articles.language import language_for_script

from .records import AgencyRecord, ArticleRecord, CaptionRecord, IngestError
from .sanitize import html_to_blocks, text_to_blocks
from .values import (
    collapse,
    language_tag,
    parse_time,
    plain_text,
    split_byline,
    version_number,
    widest_picture,
)
from .xmlsafe import parse_xml

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROOTS = {"newsMessage", "newsItem", "packageItem"}


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def find(element, path):
    return element.find("/".join(f"{{*}}{step}" for step in path.split("/")))


def findall(element, path):
    return element.findall("/".join(f"{{*}}{step}" for step in path.split("/")))


def text_of(element) -> str:
    return collapse("".join(element.itertext())) if element is not None else ""


def name_of(element) -> str:
    """A party's name: its <name> child, else @literal."""
    if element is None:
        return ""
    return text_of(find(element, "name")) or collapse(element.get("literal"))


def parse_newsml(data: bytes) -> ArticleRecord:
    root = parse_xml(data)
    if local(root) not in ROOTS:
        raise IngestError(f"not NewsML-G2: the root element is <{local(root)}>")
    items = [root] if local(root) == "newsItem" else list(root.iter("{*}newsItem"))
    packages = [root] if local(root) == "packageItem" else list(root.iter("{*}packageItem"))
    texts = [i for i in items if _item_class(i) in ("text", "")]
    if not texts:
        raise IngestError("not an article: the NewsML-G2 has no text newsItem")
    text = texts[0]
    pictures = {i.get("guid"): i for i in items if _item_class(i) in ("picture", "graphic")}
    return _record(text, _pictures_for(text, pictures, packages))


def _item_class(item) -> str:
    element = find(item, "itemMeta/itemClass")
    qcode = (element.get("qcode") or "") if element is not None else ""
    return qcode.split(":")[-1]


def _pictures_for(text, pictures, packages):
    refs = [link.get("residref") for link in findall(text, "itemMeta/link")]
    for package in packages:
        refs += [ref.get("residref") for ref in package.iter("{*}itemRef")]
    chosen = [pictures[r] for r in dict.fromkeys(refs) if r in pictures]
    return chosen or list(pictures.values())


def _record(item, pictures) -> ArticleRecord:
    warnings: list[str] = []
    meta, content = find(item, "itemMeta"), find(item, "contentMeta")
    if content is None:
        raise IngestError("not an article: the newsItem has no contentMeta")
    guid = collapse(item.get("guid"))
    if not guid:
        raise IngestError("not NewsML-G2: the newsItem has no guid")
    headlines = findall(content, "headline")
    main = [h for h in headlines if h.get("role") in (None, "", "main", "hlrole:main")]
    headline = plain_text(text_of((main or headlines or [None])[0]))
    if not headline:
        raise IngestError("not an article: the newsItem has no headline")
    blocks = _body(item, warnings)
    if not blocks:
        raise IngestError("not an article: the newsItem has no text body")
    language_element = find(content, "language")
    language = (
        language_tag(language_element.get("tag") if language_element is not None else "", warnings)
        or language_tag(item.get(XML_LANG), warnings)
        or language_for_script(" ".join([headline, *(b.text for b in blocks)]))
    )
    summary = _described(content, ("drol:summary", "drol:teaser", "summary"))
    status = find(meta, "pubStatus") if meta is not None else None
    pubstatus = (
        (status.get("qcode") or "stat:usable").split(":")[-1] if status is not None else "usable"
    )
    published = parse_time(
        text_of(find(meta, "firstCreated")) or text_of(find(content, "contentCreated")),
        warnings,
        "first created time",
    )
    updated = parse_time(
        text_of(find(meta, "versionCreated")) or text_of(find(content, "contentModified")),
        warnings,
        "version time",
    )
    embargo = parse_time(text_of(find(meta, "embargoed")), warnings, "embargo time")
    rights = find(item, "rightsInfo")
    agency_name = (
        name_of(find(content, "infoSource"))
        or name_of(find(meta, "provider"))
        or name_of(find(rights, "copyrightHolder") if rights is not None else None)
    )
    creators = [name_of(c) for c in findall(content, "creator")]
    authors = tuple(n for c in creators for n in split_byline(c)) or split_byline(
        text_of(find(content, "by"))
    )
    metadata = {
        "urgency": text_of(find(content, "urgency")),
        "located": name_of(find(content, "located")),
        "copyrightnotice": text_of(find(rights, "copyrightNotice")) if rights is not None else "",
        "usageterms": text_of(find(rights, "usageTerms")) if rights is not None else "",
        "ednote": text_of(find(meta, "edNote")) if meta is not None else "",
        "subjects": [name_of(s) or s.get("qcode") for s in findall(content, "subject")],
    }
    metadata = {k: v for k, v in metadata.items() if v}
    captions = tuple(
        c for c in (_caption(p, language, warnings) for p in pictures) if c is not None
    )
    return ArticleRecord(
        headline=headline,
        blocks=blocks,
        language=language,
        standfirst=plain_text(text_of(summary)),
        captions=captions[:1] if captions else (),
        agency=AgencyRecord(name=agency_name) if agency_name else None,
        authors=authors,
        external_id=guid,
        version=version_number(item.get("version"), warnings),
        published_at=published,
        updated_at=updated,
        pubstatus=pubstatus,
        embargoed=embargo,
        slugline=text_of(find(content, "slugline")),
        wire_metadata=metadata,
        format="newsml-g2",
        warnings=tuple(warnings),
    )


def _described(content, roles):
    for role in roles:
        for description in findall(content, "description"):
            if description.get("role") == role:
                return description
    return None


def _body(item, warnings):
    content_set = find(item, "contentSet")
    if content_set is None:
        return ()
    for inline in findall(content_set, "inlineXML"):
        kind = (inline.get("contenttype") or "").lower()
        nitf = next((e for e in inline.iter() if local(e) == "nitf"), None)
        if nitf is not None or "nitf" in kind:
            body = next((e for e in inline.iter() if local(e) == "body.content"), None)
            if body is not None:
                return _html_blocks(body, warnings, rename={"hl2": "h2"})
        elif "xhtml" in kind or not kind:
            body = next((e for e in inline.iter() if local(e) == "body"), None)
            return _html_blocks(body if body is not None else inline, warnings)
    for inline in findall(content_set, "inlineData"):
        return text_to_blocks(inline.text or "")
    return ()


def _html_blocks(element, warnings, rename=None):
    """The element's content as namespace-free HTML, through the sanitiser."""
    parts = [_escape(element.text or "")]
    for child in element:
        if not isinstance(child.tag, str):
            parts.append(_escape(child.tail or ""))
            continue
        parts.append(_xhtml(child, rename or {}))
    blocks, found = html_to_blocks("".join(parts))
    warnings.extend(found)
    return blocks


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xhtml(element, rename):
    tag = local(element)
    tag = rename.get(tag, tag)
    attributes = "".join(
        f' {etree.QName(k).localname}="{_escape(v).replace(chr(34), "&quot;")}"'
        for k, v in element.attrib.items()
    )
    inner = _escape(element.text or "") + "".join(
        _xhtml(c, rename) if isinstance(c.tag, str) else _escape(c.tail or "") for c in element
    )
    return f"<{tag}{attributes}>{inner}</{tag}>{_escape(element.tail or '')}"


def _caption(picture, article_language, warnings):
    content = find(picture, "contentMeta")
    if content is None:
        return None
    caption_element = _described(content, ("drol:caption", "caption"))
    caption = plain_text(text_of(caption_element), warnings, "caption")
    if not caption:
        return None
    alt = plain_text(
        text_of(_described(content, ("drol:altText", "altText"))), warnings, "alt text"
    )
    credit = text_of(find(content, "creditline"))
    if not credit:
        photographers = [
            name_of(c)
            for c in findall(content, "creator")
            if "photographer" in (c.get("role") or "")
        ]
        rights = find(picture, "rightsInfo")
        holder = name_of(find(rights, "copyrightHolder")) if rights is not None else ""
        credit = " / ".join(dict.fromkeys(n for n in [*photographers, holder] if n))
    language_element = find(content, "language")
    language = (
        language_tag(caption_element.get(XML_LANG), warnings)
        or language_tag(language_element.get("tag") if language_element is not None else "")
        or language_tag(picture.get(XML_LANG))
        or language_for_script(caption, article_language)
    )
    image_url = widest_picture(
        [(_number(r.get("width")), r.get("href")) for r in picture.iter("{*}remoteContent")],
        warnings,
    )
    return CaptionRecord(
        text=caption, alt_text=alt, language=language, credit=credit[:200], image_url=image_url
    )


def _number(value) -> int:
    return int(value) if (value or "").isdigit() else 0
