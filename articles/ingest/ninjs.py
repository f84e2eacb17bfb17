"""Parse IPTC ninjs (News in JSON) 1.x, 2.x and 3.x into an ArticleRecord.

Pure: bytes in, record out. The item is validated against the vendored IPTC JSON Schema of
its major version (schemas/, never fetched). Provider extensions (Superdesk's `authors`,
AP's `bylines`...) would fail the closed schema: they are left out before validation and
named in a warning. 1.x and 3.x items are first rewritten into the 2.x shape, which the one
mapper reads:

* 1.x: `headline`/`headline_*` -> `headlines`, `body_html`/`body_text` -> `bodies`,
  `description_*` -> `descriptions`, `byline` -> `by`, associations/renditions objects
  keyed by name -> arrays with that `name`;
* 3.x: camelCase keys lower-cased, `embargoedUntil` -> `embargoed`.

The version is told by the item's properties: ninjs 3 spells its properties in camelCase
(`contentType`, `altIds`, `pubStatus`...) where 1.x and 2.x spell the same ones in lower case,
and only ninjs 3 has event and planning items (`eventDetails`, `plannedCoverage`). The declared
version (`standard.version`, 1.x `$standard.version`, or a `$schema` / `standard.schema` URL
naming ninjs-schema_N) decides only when the properties do not: agencies label camelCase items
with their own profile's version ("TTNINJS 2.2"), so a declaration the properties contradict
is named in a warning and overruled.

Only text is an article: an event, planning, picture, graphic, video or audio item, and a
composite or component without a text body, is refused saying what it is ("a ninjs 3 event
item, not an article") before it is validated.

A picture is an association of type "picture": its caption is the description with role
"caption", its alt text the one with role "alttext" (ninjs has no standard alt-text field;
1.x items from Superdesk carry it in the picture's `body_text`), its credit the role
"creditline" else `by` and `copyrightholder`, its language the association's `language`.
"""

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator, Draft202012Validator

from articles.language import language_for_script

from .records import AgencyRecord, ArticleRecord, CaptionRecord, IngestError
from .sanitize import html_to_blocks, text_to_blocks
from .values import (
    decode_utf8,
    language_tag,
    parse_time,
    plain_text,
    split_byline,
    time_version,
    version_number,
    widest_picture,
)

SCHEMAS = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILES = {1: "ninjs-schema_1.6.json", 2: "ninjs-schema_2.2.json", 3: "ninjs-schema_3.1.json"}
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml+html")
SUMMARY_ROLES = ("summary", "abstract", "teaser", "standfirst")
MAX_SCHEMA_ERRORS = 3
# Item types that are never an article, and the packages that are one only with a text body.
NOT_ARTICLES = ("event", "planning", "picture", "graphic", "video", "audio")
PACKAGES = ("composite", "component")
SCHEMA_URL = re.compile(r"ninjs-schema_(\d+(?:\.\d+)*)\.json", re.IGNORECASE)
# JSON-level keys that name the document's schema: neither content nor a provider extension.
SCHEMA_KEYS = ("$schema",)
# Evidence of a 1.x/2.x item beyond the lower-case spellings of the ninjs 3 properties.
V1_KEYS = frozenset(
    {"headline", "byline", "body_html", "body_text", "description_html", "description_text"}
)
V1_PREFIXES = ("headline_", "description_", "body_")
MAX_EVIDENCE = 3


@cache
def schema(major: int) -> dict:
    return json.loads((SCHEMAS / SCHEMA_FILES[major]).read_text(encoding="utf-8"))


@cache
def validator(major: int):
    cls = Draft7Validator if major == 1 else Draft202012Validator
    return cls(schema(major))


def parse_ninjs(data: bytes) -> ArticleRecord:
    text = decode_utf8(data)
    try:
        item = json.loads(text)
    except json.JSONDecodeError as error:
        raise IngestError(
            f"invalid or truncated JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(item, dict):
        raise IngestError(f"not ninjs: the JSON is {_kind(item)}, not an object")
    warnings: list[str] = []
    major = ninjs_major(item, warnings)
    _refuse_other_kinds(item, major)
    core = _known_fields(item, major, warnings)
    errors = sorted(validator(major).iter_errors(core), key=lambda e: list(e.absolute_path))
    if errors:
        reasons = "; ".join(_schema_error(e) for e in errors[:MAX_SCHEMA_ERRORS])
        more = len(errors) - MAX_SCHEMA_ERRORS
        raise IngestError(
            f"not valid ninjs {major}.x: {reasons}" + (f" (and {more} more)" if more > 0 else "")
        )
    if major == 1:
        core = _from_v1(core)
    elif major == 3:
        core = _from_v3(core)
    return _record(core, major, warnings)


def ninjs_major(item: dict, warnings: list[str]) -> int:
    """The major ninjs version, told by the item's properties; the declared version decides
    when they do not (none of either kind, or both). A declaration the properties overrule is
    named in `warnings`."""
    declared, label = _declared(item)
    if declared is None and "uri" not in item:
        raise IngestError("not ninjs: a JSON object without the required 'uri'")
    keys = _keys(item)
    new = sorted(keys & _v3_keys())
    if item.get("type") in ("event", "planning"):
        new.append(f"type {item['type']}")
    old = sorted(keys & (_v2_spellings() | V1_KEYS))
    old += sorted(k for k in item if isinstance(k, str) and k.startswith(V1_PREFIXES))
    if new and not old:
        major = 3
    elif old and not new:
        major = declared if declared in (1, 2) else _older_shape(item)
    else:
        major = declared or (3 if len(new) > len(old) else _older_shape(item))
    if declared is not None and major != declared:
        evidence, family = (new, "3") if major == 3 else (old, "1.x/2.x")
        named = ", ".join(evidence[:MAX_EVIDENCE]) + ("..." if len(evidence) > MAX_EVIDENCE else "")
        warnings.append(
            f"the item says it is ninjs {label} but has ninjs {family} properties ({named}): "
            f"read as ninjs {major}"
        )
    return major


def _declared(item: dict) -> tuple[int | None, str]:
    """(major, version as written) that the item declares, else (None, "")."""
    versions = [
        str(standard["version"])
        for standard in (item.get("standard"), item.get("$standard"))
        if isinstance(standard, dict) and standard.get("version")
    ]
    standard = item.get("standard") if isinstance(item.get("standard"), dict) else {}
    for url in (item.get("$schema"), standard.get("schema")):
        found = SCHEMA_URL.search(url) if isinstance(url, str) else None
        if found:
            versions.append(found.group(1))
    if not versions:
        return None, ""
    major = versions[0].split(".")[0]
    if major not in {"1", "2", "3"}:
        raise IngestError(f"not ninjs: unknown ninjs version {versions[0]!r}")
    return int(major), versions[0]


def _older_shape(item: dict) -> int:
    """1 or 2 by the shape: 2.x has the role-tagged arrays where 1.x has single strings."""
    return 2 if any(k in item for k in ("headlines", "bodies", "descriptions")) else 1


def _keys(item: dict) -> set[str]:
    """Every property name in the item, at every level."""
    keys, stack = set(), [item]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys


def _schema_names(node) -> set[str]:
    """Every property name a schema defines, at every level."""
    names, stack = set(), [node]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                names.update(node["properties"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


@cache
def _v3_keys() -> frozenset[str]:
    """The camelCase property names of ninjs 3 (`contentType`, `altIds`, `eventDetails`...):
    names 1.x and 2.x never use."""
    older = _schema_names(schema(1)) | _schema_names(schema(2))
    return frozenset(k for k in _schema_names(schema(3)) - older if k != k.lower())


@cache
def _v2_spellings() -> frozenset[str]:
    """The 1.x/2.x lower-case spellings of those names (`contenttype`, `altids`...), and
    `embargoed` (3.x `embargoedUntil`)."""
    older = _schema_names(schema(1)) | _schema_names(schema(2))
    return frozenset({k.lower() for k in _v3_keys()} & older | {"embargoed"})


def _refuse_other_kinds(item: dict, major: int) -> None:
    """Refuse an item that is not a story, saying what it is. Without a `type`, ninjs 3
    event and planning items are known by their `eventDetails` / `plannedCoverage`."""
    kind = item.get("type")
    if not isinstance(kind, str) or not kind.strip():
        kind = next(
            (
                k
                for key, k in (("eventDetails", "event"), ("plannedCoverage", "planning"))
                if key in item
            ),
            "text",
        )
    kind = kind.strip().lower()
    if kind in NOT_ARTICLES:
        raise IngestError(f"a ninjs {major} {kind} item, not an article")
    if kind in PACKAGES and not _has_text(item):
        raise IngestError(f"a ninjs {major} {kind} item without text, not an article")


def _has_text(item: dict) -> bool:
    bodies = item.get("bodies")
    values = (
        [b.get("value") for b in bodies if isinstance(b, dict)] if isinstance(bodies, list) else []
    )
    values += [item.get(k) for k in ("body_html", "body_text")]
    return any(isinstance(v, str) and v.strip() for v in values)


def _kind(value) -> str:
    return {list: "an array", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), "a number"
    )


def _schema_error(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def _known_fields(item: dict, major: int, warnings: list[str]) -> dict:
    """The item without the top-level and association fields the standard does not define."""
    definition = schema(major)
    props = definition.get("$defs", {}).get("ninjsType", definition).get("properties", {})
    patterns = ("headline_", "description_", "body_", "$standard") if major == 1 else ()

    def known(obj, where):
        kept, unknown = {}, []
        for key, value in obj.items():
            if where == "item" and key in SCHEMA_KEYS:
                continue
            if (
                key in props
                or key.startswith(patterns)
                or (where == "association" and key == "name")
            ):
                kept[key] = value
            else:
                unknown.append(key)
        if unknown:
            warnings.append(
                f"ignored fields outside ninjs {major}.x ({where}): {', '.join(unknown)}"
            )
        return kept

    core = known(item, "item")
    associations = core.get("associations")
    if isinstance(associations, list):
        core["associations"] = [
            known(a, "association") if isinstance(a, dict) else a for a in associations
        ]
    elif isinstance(associations, dict):
        core["associations"] = {
            k: known(a, "association") if isinstance(a, dict) else a
            for k, a in associations.items()
        }
    return core


def _from_v1(item: dict) -> dict:
    out = {
        k: v
        for k, v in item.items()
        if not k.startswith(("headline", "body_", "description_"))
        and k not in {"byline", "associations", "renditions", "subject", "infosource", "$standard"}
    }
    out["headlines"] = [
        {"role": "main" if k == "headline" else k.removeprefix("headline_"), "value": v}
        for k, v in item.items()
        if k == "headline" or k.startswith("headline_")
    ]
    out["bodies"] = [
        {
            "role": "main",
            "contenttype": "text/html" if k == "body_html" else "text/plain",
            "value": v,
        }
        for k, v in item.items()
        if k.startswith("body_")
    ]
    out["descriptions"] = [
        {
            "role": "summary" if k in ("description_text", "description_html") else k[12:],
            "contenttype": "text/html" if k == "description_html" else "text/plain",
            "value": v,
        }
        for k, v in item.items()
        if k.startswith("description_")
    ]
    if "byline" in item:
        out["by"] = item["byline"]
    out["subjects"] = item.get("subject", [])
    out["infosources"] = item.get("infosource", [])
    out["associations"] = [
        {**_from_v1(a), "name": name, "_v1_body": a.get("body_text", "")}
        for name, a in (item.get("associations") or {}).items()
    ]
    out["renditions"] = [{**r, "name": name} for name, r in (item.get("renditions") or {}).items()]
    return out


_V3 = {"embargoedUntil": "embargoed"}


def _from_v3(item):
    if isinstance(item, list):
        return [_from_v3(x) for x in item]
    if not isinstance(item, dict):
        return item
    return {_V3.get(k, k.lower()): _from_v3(v) for k, v in item.items()}


def _role(items, roles, warnings=None, what="text"):
    """The value of the first item with one of `roles` (else, with roles=None, the first)."""
    items = [i for i in items or [] if isinstance(i, dict)]
    for role in roles or ():
        for entry in items:
            if (entry.get("role") or "").lower() == role:
                return entry
    return items[0] if items and roles is None else None


def _record(item: dict, major: int, warnings: list[str]) -> ArticleRecord:
    headline_entry = _role(item.get("headlines"), ("main",)) or _role(item.get("headlines"), None)
    headline = plain_text((headline_entry or {}).get("value"), warnings, "headline")
    if not headline:
        raise IngestError("not an article: the ninjs item has no headline")
    summary = _role(item.get("descriptions"), SUMMARY_ROLES)
    standfirst = plain_text((summary or {}).get("value"), warnings, "standfirst")
    blocks = _body(item.get("bodies") or [], warnings)
    if not blocks:
        raise IngestError("not an article: the ninjs item has no body")
    language = language_tag(item.get("language"), warnings) or language_for_script(
        " ".join([headline, *(b.text for b in blocks)])
    )
    pubstatus = item.get("pubstatus") or "usable"
    published = parse_time(
        item.get("firstcreated") or item.get("contentcreated"), warnings, "first created time"
    )
    updated = parse_time(item.get("versioncreated"), warnings, "version time")
    if published and updated and updated < published:
        warnings.append("the version time is before the first created time")
    version = version_number(item.get("version"), warnings)
    if version is None:
        version = time_version(updated)
    agency = _agency(item, warnings)
    captions = tuple(
        caption
        for association in item.get("associations") or []
        if isinstance(association, dict) and association.get("type") == "picture"
        for caption in [_caption(association, language, warnings)]
        if caption is not None
    )
    metadata = {
        key: item[key]
        for key in ("urgency", "located", "copyrightnotice", "usageterms", "ednote", "profile")
        if item.get(key) not in (None, "")
    }
    subjects = [
        s.get("name") or s.get("literal") or s.get("uri")
        for s in item.get("subjects") or []
        if isinstance(s, dict)
    ]
    if subjects:
        metadata["subjects"] = subjects
    metadata["ninjs"] = f"{major}.x"
    return ArticleRecord(
        headline=headline,
        blocks=blocks,
        language=language,
        standfirst=standfirst,
        captions=captions,
        agency=agency,
        authors=split_byline(plain_text(item.get("by"), warnings, "byline")),
        external_id=str(item["uri"]).strip(),
        version=version,
        published_at=published,
        updated_at=updated,
        pubstatus=pubstatus,
        embargoed=parse_time(item.get("embargoed"), warnings, "embargo time"),
        slugline=plain_text(item.get("slugline")),
        wire_metadata=metadata,
        format="ninjs",
        warnings=tuple(warnings),
    )


def _body(bodies, warnings):
    entries = [b for b in bodies if isinstance(b, dict) and (b.get("value") or "").strip()]
    main = [b for b in entries if (b.get("role") or "main") == "main"] or entries
    html = [b for b in main if (b.get("contenttype") or "").lower().startswith(HTML_TYPES)]
    if html:
        blocks, found = html_to_blocks(html[0]["value"])
        warnings.extend(found)
        return blocks
    if main:
        return text_to_blocks(main[0]["value"])
    return ()


def _agency(item, warnings):
    for source in item.get("infosources") or []:
        if isinstance(source, dict) and source.get("name"):
            return AgencyRecord(name=plain_text(source["name"], warnings, "agency name"))
    if item.get("copyrightholder"):
        return AgencyRecord(name=plain_text(item["copyrightholder"], warnings, "agency name"))
    return None


def _caption(association, article_language, warnings):
    descriptions = association.get("descriptions") or []
    caption = plain_text(
        (_role(descriptions, ("caption",)) or {}).get("value"), warnings, "caption"
    )
    alt = plain_text(
        (_role(descriptions, ("alttext", "alt", "alternativetext")) or {}).get("value")
        or association.get("_v1_body"),
        warnings,
        "alt text",
    )
    if not caption:
        summary = _role(descriptions, ("summary",))
        caption = plain_text((summary or {}).get("value"), warnings, "caption")
    if not caption:
        return None
    credit = plain_text((_role(descriptions, ("creditline", "credit")) or {}).get("value"))
    if not credit:
        credit = " / ".join(
            dict.fromkeys(
                plain_text(association.get(k))
                for k in ("by", "copyrightholder")
                if association.get(k)
            )
        )
    language = language_tag(association.get("language"), warnings) or language_for_script(
        caption, article_language
    )
    renditions = [r for r in association.get("renditions") or [] if isinstance(r, dict)]
    image_url = widest_picture([(r.get("width") or 0, r.get("href")) for r in renditions], warnings)
    return CaptionRecord(
        text=caption, alt_text=alt, language=language, credit=credit[:200], image_url=image_url
    )
