"""Specification of the models: the publishing rule, active alerts, database constraints,
string forms, addresses and the language-tag validator."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import (
    Agency,
    Alert,
    Article,
    Author,
    Caption,
    IngestRecord,
    bcp47_validator,
)

HOUR = timedelta(hours=1)


# --- The publishing rule ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "offset", "published"),
    [
        ("draft", None, False),
        ("draft", -HOUR, False),
        ("draft", timedelta(0), False),
        ("draft", HOUR, False),
        ("published", -HOUR, True),
        ("published", timedelta(0), True),
        ("published", HOUR, False),
    ],
)
def test_publishing_rule(make_article, status, offset, published):
    when = None if offset is None else timezone.now() + offset
    article = make_article(status=status, published_at=when)

    assert Article.objects.published().filter(pk=article.pk).exists() is published
    assert article.is_published() is published


def test_published_without_a_time_is_not_published():
    assert Article(status="published", published_at=None).is_published() is False


@pytest.mark.django_db
def test_database_refuses_a_published_article_without_a_time(make_article):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(status="published", published_at=None)


@pytest.mark.parametrize("status", ["draft", "published"])
def test_clean_fills_the_publication_time_only_when_publishing(status):
    article = Article(status=status, published_at=None)
    article.clean()
    if status == "draft":
        assert article.published_at is None
    else:
        assert article.published_at is not None
        assert article.published_at.microsecond == 0
        assert article.published_at <= timezone.now()


def test_clean_keeps_a_chosen_publication_time():
    when = timezone.now() + HOUR
    article = Article(status="published", published_at=when)
    article.clean()
    assert article.published_at == when


# --- Breaking-news alerts -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts", "ends", "active"),
    [
        (-2 * HOUR, None, True),
        (-2 * HOUR, -HOUR, False),
        (-2 * HOUR, HOUR, True),
        (HOUR, None, False),
        (HOUR, 2 * HOUR, False),
        (timedelta(0), None, True),
        (-HOUR, timedelta(0), False),
    ],
)
def test_alert_is_active_from_its_start_until_before_its_end(starts, ends, active):
    at = timezone.now()
    alert = Alert.objects.create(
        text="Breaking", starts_at=at + starts, ends_at=None if ends is None else at + ends
    )

    assert Alert.objects.active(at=at).filter(pk=alert.pk).exists() is active
    assert alert.is_active(at=at) is active
    assert Alert.objects.active().filter(pk=alert.pk).exists() is alert.is_active()


@pytest.mark.django_db
@pytest.mark.parametrize("ends", [-HOUR, timedelta(0)], ids=["before", "at-start"])
def test_database_refuses_an_alert_that_does_not_end_after_it_starts(ends):
    starts = timezone.now() + HOUR
    alert = Alert(text="Breaking", starts_at=starts, ends_at=starts + ends)
    with pytest.raises(ValidationError) as error:
        alert.full_clean()
    assert error.value.messages == ["An alert must end after it starts."]
    with pytest.raises(IntegrityError), transaction.atomic():
        alert.save()


# --- Other constraints --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_article_has_at_most_one_lead_caption(make_article):
    article, other = make_article(), make_article()
    Caption.objects.create(article=article, text="Lead", is_lead=True)
    Caption.objects.create(article=article, text="Second", position=1)
    Caption.objects.create(article=other, text="Other lead", is_lead=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Caption.objects.create(article=article, text="Another lead", is_lead=True)
    assert article.captions.count() == 2


@pytest.mark.django_db
def test_article_slugs_are_unique(make_article):
    make_article(slug="kerry-lavrov")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(slug="kerry-lavrov")


@pytest.mark.django_db
def test_agency_names_and_slugs_are_unique():
    Agency.objects.create(name="Reuters", slug="reuters")
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(name="Reuters", slug="reuters-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(name="Reuters UK", slug="reuters")


# --- String forms and addresses -----------------------------------------------------------


def test_str_of_every_model():
    caption = "터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니. " * 4
    assert str(Agency(name="Reuters")) == "Reuters"
    assert str(Author(name="Arshad Mohammed")) == "Arshad Mohammed"
    assert str(Article(headline="Kerry-Lavrov Rapport")) == "Kerry-Lavrov Rapport"
    assert str(Caption(text=caption)) == caption[:80]
    assert str(Caption(text="Kobani")) == "Kobani"
    assert str(Alert(text="Polls close")) == "Polls close"
    assert str(IngestRecord(filename="kerry.txt", outcome="failed")) == "kerry.txt (failed)"


@pytest.mark.parametrize(
    ("slug", "url"),
    [
        ("kerry-lavrov", "/articles/kerry-lavrov/"),
        ("코바니", "/articles/%EC%BD%94%EB%B0%94%EB%8B%88/"),
    ],
)
def test_article_address(slug, url):
    article = Article(slug=slug)
    assert article.get_absolute_url() == url
    assert Caption(article=article).get_absolute_url() == url


# --- Language tags ------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["en", "ko", "pt-BR", "zh-Hant", "es-419", "yue", "sr-Latn-RS"])
def test_language_validator_accepts_bcp47_tags(tag):
    bcp47_validator(tag)


@pytest.mark.parametrize("tag", ["english", "EN", "en_US", "", "en-", "pt-br", "zh-hant"])
def test_language_validator_rejects_other_values(tag):
    with pytest.raises(ValidationError):
        bcp47_validator(tag)


def test_language_validator_rejects_a_trailing_newline():
    with pytest.raises(ValidationError):
        bcp47_validator("en\n")


def test_article_language_is_validated():
    article = Article(headline="H", slug="h", body="B.\n", language="english")
    with pytest.raises(ValidationError) as error:
        article.clean_fields()
    assert list(error.value.message_dict) == ["language"]


def test_clean_stores_one_spelling_of_the_body_whatever_sent_it():
    """Browsers send CR LF and drop the final newline; imports write LF with one."""
    from_browser = Article(headline="H", slug="h", body="One.\r\n\r\n## Two\r\n\r\nThree.  ")
    from_import = Article(headline="H", slug="h", body="One.\n\n## Two\n\nThree.\n")

    from_browser.clean()
    from_import.clean()

    assert from_browser.body == from_import.body == "One.\n\n## Two\n\nThree.\n"
