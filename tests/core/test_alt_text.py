"""The rule behind the admin's warnings about captions' alt text (articles.alt_text)."""

import pytest

from articles.alt_text import alt_text_warnings
from articles.models import Caption

CAPTION = "Rescuers carry a survivor from the rubble in Antakya."


def caption(alt_text="", *, text=CAPTION, image=""):
    return Caption(text=text, alt_text=alt_text, image=image)


def placeholder(alt):
    return (
        f"the alt text “{alt}” is a placeholder; describe what the photo shows, "
        "or leave it empty if the caption says it all."
    )


NO_ALT = (
    "the photo has no alt text; describe what it shows, unless the caption already says it all."
)
REPEATS = (
    "the alt text repeats the caption, so readers get no description of the photo; "
    "describe what the photo shows, or leave it empty if the caption says it all."
)


@pytest.mark.parametrize(
    "alt",
    ["16x9 Image", "image", "Image", "photo 2", "IMG_0042.jpg", "lead.PNG", "placeholder", "• pic"],
)
def test_a_placeholder_is_named(alt):
    assert alt_text_warnings(caption(alt)) == [placeholder(alt)]
    assert alt_text_warnings(caption(alt, image="captions/2024/05/x.jpg")) == [placeholder(alt)]


def test_a_placeholder_is_quoted_with_its_spaces_squashed():
    assert alt_text_warnings(caption("  16x9 \n Image ")) == [placeholder("16x9 Image")]


def test_an_empty_alt_text_with_a_photo_attached():
    assert alt_text_warnings(caption("", image="captions/2024/05/x.jpg")) == [NO_ALT]
    assert alt_text_warnings(caption("   ", image="captions/2024/05/x.jpg")) == [NO_ALT]


def test_an_empty_alt_text_without_a_photo_is_fine():
    assert alt_text_warnings(caption("")) == []


@pytest.mark.parametrize(
    "alt",
    [CAPTION, CAPTION.upper(), "  Rescuers carry a survivor\nfrom the rubble in Antakya. "],
)
def test_an_alt_text_that_repeats_the_caption(alt):
    assert alt_text_warnings(caption(alt, image="captions/x.jpg")) == [REPEATS]
    assert alt_text_warnings(caption(alt)) == [REPEATS]


@pytest.mark.parametrize(
    "alt",
    [
        "A man in an orange helmet carries a woman wrapped in a blanket past a collapsed building.",
        "Image of a flooded street",  # starts like a placeholder, but describes the photo
        "Photo finish at the 100 m final",
        "16x9",
    ],
)
def test_a_good_alt_text_gets_no_warning(alt):
    assert alt_text_warnings(caption(alt, image="captions/x.jpg")) == []


def test_warnings_agree_with_what_readers_get():
    """Each warned case is one where image_alt() gives readers an empty alt, and the reverse."""
    for alt in ["16x9 Image", "IMG_0042.jpg", CAPTION, "", "A crane lifts a slab of concrete."]:
        one = caption(alt, image="captions/x.jpg")
        assert bool(alt_text_warnings(one)) == (one.image_alt() == "")
