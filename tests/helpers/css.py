"""The site stylesheet as the tests read it."""

import re

from django.contrib.staticfiles import finders


def css_rules() -> dict[str, str]:
    """{selector: declarations} of the site stylesheet's top-level rules (not those inside
    @media blocks)."""
    with open(finders.find("css/site.css"), encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.DOTALL)
    rules, depth, start, selector = {}, 0, 0, ""
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                selector, start = text[start:i].strip(), i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if not selector.startswith("@"):
                    rules[selector] = text[start:i].strip()
                start = i + 1
    assert depth == 0, "unbalanced braces in site.css"
    return rules
