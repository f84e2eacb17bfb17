"""The rule behind the admin's warnings about unhelpful alt text of captions' photos.

A warning, not an error: the article still saves, because an editor may have good reasons
(a photo not chosen yet) and readers are already protected by Caption.image_alt(), which drops
a placeholder or a repeated caption. The editor should still fix it: readers of a screen
reader then get a description of the photo instead of nothing.
"""

from articles.models import PLACEHOLDER_ALT

ALT_TEXT_HELP = (
    "What the photo shows, for people who cannot see it: who or what, doing what, where. "
    "Leave it empty only if the caption already says it all. Never repeat the caption and "
    "never write a placeholder such as “image”, “16x9 Image” or a file name: readers would "
    "get no description at all."
)


def _squash(text: str) -> str:
    return " ".join(text.split())


def alt_text_warnings(caption) -> list[str]:
    """What is wrong with `caption`'s alt text, one sentence per problem ([] if nothing):
    a placeholder ("16x9 Image", "image", "IMG_0042.jpg"), empty while a photo is attached,
    or the caption itself again. The same tests as Caption.image_alt(), which gives readers
    an empty alt in those cases."""
    alt = _squash(caption.alt_text)
    if not alt:
        if caption.image:
            return [
                "the photo has no alt text; describe what it shows, unless the caption "
                "already says it all."
            ]
        return []
    if PLACEHOLDER_ALT.fullmatch(alt):
        return [
            f"the alt text “{alt}” is a placeholder; describe what the photo shows, "
            "or leave it empty if the caption says it all."
        ]
    if alt.casefold() == _squash(caption.text).casefold():
        return [
            "the alt text repeats the caption, so readers get no description of the photo; "
            "describe what the photo shows, or leave it empty if the caption says it all."
        ]
    return []
