"""articles.addresses.slug_address gives exactly what reverse() gives, faster."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from articles.addresses import slug_address
from articles.models import Agency, Article, Author

SLUGS = [
    "kerry-lavrov-rapport-smoothed-path-to-syria-deal",
    "사진-설명",
    "ζωή",
    "a b",
    "100%-sure",
    "what?",
    "hash#tag",
    "plus+and&equals=",
    "tilde~colon:at@",
    "quote'double\"",
    "\ue001private",
]
NAMES = ["articles:article_detail", "articles:author_detail", "articles:agency_detail"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("slug", SLUGS)
def test_same_address_as_reverse(name, slug):
    assert slug_address(name, slug) == reverse(name, kwargs={"slug": slug})


@pytest.mark.parametrize("slug", SLUGS[:3])
def test_under_a_script_prefix(slug):
    set_script_prefix("/news/")
    try:
        address = slug_address("articles:article_detail", slug)
        assert address == reverse("articles:article_detail", kwargs={"slug": slug})
        assert address.startswith("/news/articles/")
    finally:
        set_script_prefix("/")
    assert slug_address("articles:article_detail", "x") == "/articles/x/"


@pytest.mark.parametrize("slug", ["", "a/b", "marker\ue000inside"])
def test_what_reverse_refuses_is_refused(slug):
    if "/" in slug or not slug:
        with pytest.raises(NoReverseMatch):
            slug_address("articles:article_detail", slug)
    else:
        assert slug_address("articles:article_detail", slug) == reverse(
            "articles:article_detail", kwargs={"slug": slug}
        )


def test_models_use_it():
    assert Article(slug="사진").get_absolute_url() == "/articles/%EC%82%AC%EC%A7%84/"
    assert Author(slug="jane-doe").get_absolute_url() == "/authors/jane-doe/"
    assert Agency(slug="reuters").get_absolute_url() == "/agencies/reuters/"
