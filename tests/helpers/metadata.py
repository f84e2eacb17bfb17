"""Head metadata of a parsed reader page (tests/helpers/html.py): its <meta> tags and its
JSON-LD data block."""

import json


def head_tags(document):
    """{name or property: content} of the <meta> elements in <head> (each exactly once)."""
    tags = {}
    for meta in document.one("head").find_all("meta"):
        key = meta.get("name") or meta.get("property")
        if key is None:
            continue
        assert key not in tags, f"duplicate <meta> {key}"
        tags[key] = meta.get("content")
    return tags


def jsonld(document):
    """The page's one JSON-LD data block, parsed."""
    scripts = document.find_all("script", type="application/ld+json")
    assert len(scripts) == 1, f"expected one JSON-LD block, found {len(scripts)}"
    assert scripts[0].inside("head")
    return json.loads(scripts[0].raw_text())
