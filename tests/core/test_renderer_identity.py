"""The renderer's identity (markup.RENDERER) follows its code, not its comments, docstrings or
formatting: editing those must not make every stored article body stale, while any change to
the code must."""

import ast
import importlib
from pathlib import Path

import pytest

from articles import markup

language_detection = importlib.import_module("articles.language")

MARKUP = Path(markup.__file__).read_text(encoding="utf-8")
LANGUAGE = Path(language_detection.__file__).read_text(encoding="utf-8")


def edited(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


# (what is edited, old, new): none of these changes what the code does.
NOT_CODE = {
    "a comment line": ("\ndef render_body(", "\n# Why this comes next.\ndef render_body("),
    "a trailing comment": ('_md.disable("image")\n', '_md.disable("image")  # no images\n'),
    "the module docstring": ("Article bodies are Markdown", "An article body is Markdown"),
    "a function docstring": (
        '"""HTML for an article body written in Markdown.',
        '"""The HTML of an article body written in Markdown.',
    ),
    "a docstring removed": (
        '    """The page\'s headline is the only h1: a body heading starts at h2."""\n',
        "",
    ),
    "a docstring added": (
        "def _text(self, tokens, idx, options, env):\n",
        'def _text(self, tokens, idx, options, env):\n    """A text token\'s HTML."""\n',
    ),
    "blank lines": (
        '_md.add_render_rule("text", _text)\n\n\n',
        '\n_md.add_render_rule("text", _text)\n\n\n\n\n',
    ),
    "line breaks": (
        "    return len(key) == 64 and key[:RENDERER_DIGITS] == RENDERER[:RENDERER_DIGITS]\n",
        "    return (\n"
        "        len(key) == 64\n"
        "        and key[:RENDERER_DIGITS] == RENDERER[:RENDERER_DIGITS]\n"
        "    )\n",
    ),
    "quote style": (
        '_md.core.ruler.push("demote_h1", _demote_h1)',
        "_md.core.ruler.push('demote_h1', _demote_h1)",
    ),
    "spaces": ("    parts, done = [], 0\n", "    parts , done = [ ] , 0   \n"),
}

# (what is changed, old, new) in markup.py: each changes what the code does.
CODE = {
    "a string literal": ("' dir=\"rtl\"'", "' dir=\"ltr\"'"),
    "a rule name": ('_md.core.ruler.push("demote_h1"', '_md.core.ruler.push("demote_h2"'),
    "an operator": ("len(key) == 64", "len(key) >= 64"),
    "a number": ("RENDERER_DIGITS = 16", "RENDERER_DIGITS = 15"),
}


@pytest.mark.parametrize("edit", NOT_CODE)
def test_editing_what_is_not_code_keeps_the_identity(edit):
    old, new = NOT_CODE[edit]
    assert markup.renderer_identity(edited(MARKUP, old, new), LANGUAGE) == markup.RENDERER


def test_all_those_edits_together_keep_the_identity():
    source = MARKUP
    for old, new in NOT_CODE.values():
        source = edited(source, old, new)
    assert markup.renderer_identity(source, LANGUAGE) == markup.RENDERER


def test_a_comment_and_a_docstring_in_the_language_detection_keep_the_identity():
    language = edited(LANGUAGE, "Guess a language from", "Guess the language of text from")
    language = edited(language, "\nimport re\n", "\n# Scripts, not languages.\nimport re\n")
    assert markup.renderer_identity(MARKUP, language) == markup.RENDERER


@pytest.mark.parametrize("change", CODE)
def test_changing_the_code_changes_the_identity(change):
    old, new = CODE[change]
    assert markup.renderer_identity(edited(MARKUP, old, new), LANGUAGE) != markup.RENDERER


def test_changing_the_language_detection_changes_the_identity():
    language = edited(LANGUAGE, '(0x0370, 0x03FF, "Greek")', '(0x0370, 0x03FF, "Latin")')
    assert markup.renderer_identity(MARKUP, language) != markup.RENDERER


def test_each_module_counts():
    assert markup.renderer_identity(MARKUP) != markup.RENDERER
    assert markup.renderer_identity(LANGUAGE, MARKUP) != markup.RENDERER


def test_the_identity_is_that_of_the_sources_of_the_renderer_and_the_language_detection():
    assert markup.renderer_identity(MARKUP, LANGUAGE) == markup.RENDERER
    assert markup._renderer_identity() == markup.RENDERER


def test_the_code_of_a_source_is_its_syntax_tree_without_docstrings():
    source = (
        '"""Module."""\n'
        "# A comment.\n"
        "class A:\n"
        '    """Class."""\n'
        "    def f(self):\n"
        "        'Method.'\n"
        "        return 'kept'\n"
        "async def g():\n"
        '    """Coroutine."""\n'
        '    """Not a docstring: kept."""\n'
    )
    without_docstrings = (
        "class A:\n"
        "    def f(self):\n"
        "        return 'kept'\n"
        "async def g():\n"
        '    """Not a docstring: kept."""\n'
    )
    assert markup._code(source) == ast.dump(ast.parse(without_docstrings))
