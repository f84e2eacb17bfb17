"""The private and undocumented APIs of Django, Jinja2, django-simple-history and redis-py that
the project relies on, each pinned here as it is relied on where no other test would break
when a library changes it (articles/reader/fast/README.md lists them all, and where each is
used). A failure here names the assumption that no longer holds: fix the code that relies on
it (or turn READER_FAST_QUERIES off meanwhile, for those behind the switch)."""

import logging
import os
import sys
import weakref
from collections import ChainMap
from datetime import UTC, datetime

import pytest
import redis
from django import forms
from django.core.cache.backends.redis import RedisCacheClient
from django.core.management.base import OutputWrapper
from django.db import connection, connections, transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.http import HttpResponse
from django.template import engines
from django.test import override_settings
from django.utils import timezone
from django.utils.log import log_response
from django.utils.timezone import template_localtime
from simple_history.models import DeletedObject
from simple_history.utils import get_m2m_reverse_field_name

from articles.models import Agency, Article, Caption
from articles.reader.fast import queries
from newsroom.redis_cache import PooledClient, RedisCache

# --- Django: model instances made by hand (articles/reader/fast/queries.py, _Loader) -----------


def test_no_init_receivers_so_the_fast_loader_skips_model_init(db):
    """_Loader makes instances without Model.__init__ only while no pre_init/post_init
    receiver exists (Signal.receivers, a list); Django's ImageField connects one when it has
    width_field/height_field, hence articles.models.SizedImageField."""
    assert pre_init.receivers == [] and post_init.receivers == []

    def receiver(**kwargs):
        pass

    post_init.connect(receiver, sender=Agency)
    try:
        assert post_init.receivers
    finally:
        post_init.disconnect(receiver, sender=Agency)
    assert post_init.receivers == []


def test_an_instance_made_by_hand_is_what_from_db_makes(make_article):
    """Model.__init__ leaves in an instance's __dict__ only its loaded fields by attname and
    `_state`, a ModelState with `adding` and `db` set by from_db() (its `fields_cache` made
    when first used): the fast loader sets exactly that."""
    article = make_article()
    names = [Article._meta.get_field(name).attname for name in queries.ARTICLE_PAGE_FIELDS]
    stored = Article.objects.values_list(*names).get(pk=article.pk)
    loader = queries._Loader(Article, queries.ARTICLE_COLUMNS)
    values = [stored[names.index(attname)] for attname in loader.attnames]
    orm = Article.from_db("default", loader.names, values)
    made = loader.load("default", values)
    assert made.__dict__.keys() == orm.__dict__.keys() == {*loader.attnames, "_state"}
    assert {k: v for k, v in made.__dict__.items() if k != "_state"} == {
        k: v for k, v in orm.__dict__.items() if k != "_state"
    }
    assert type(made._state) is type(orm._state) is ModelState
    assert vars(made._state) == vars(orm._state) == {"adding": False, "db": "default"}
    assert made._state.fields_cache == {}  # made on first use, per instance
    assert made.get_deferred_fields() == orm.get_deferred_fields()


def test_a_deferred_field_is_not_in_the_instances_dict(make_article):
    """Article.body_html, Article.save and SizedImageField tell loaded fields from deferred
    ones by the instance's __dict__ (a deferred field is absent until read)."""
    make_article()
    article = Article.objects.defer("body").get()
    assert "body" not in article.__dict__ and "headline" in article.__dict__
    article.body  # noqa: B018 (loads it)
    assert "body" in article.__dict__


def test_set_cached_value_is_what_select_related_sets(make_article, django_assert_num_queries):
    """published_article() sets article.agency and caption.article with
    Field.set_cached_value() (FieldCacheMixin, undocumented), as select_related() does."""
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    article = Article.objects.get(pk=make_article(agency=agency).pk)
    field = Article._meta.get_field("agency")
    field.set_cached_value(article, agency)
    with django_assert_num_queries(0):
        assert article.agency is agency
    assert field.is_cached(article)
    related = Article.objects.select_related("agency").get(pk=article.pk)
    assert field.get_cached_value(related) == agency
    caption = Caption(text="x")
    Caption._meta.get_field("article").set_cached_value(caption, article)
    assert caption.article is article


def test_the_backend_adapts_datetimes_for_hand_written_sql(make_article):
    """queries._adapt: connection.ops.adapt_datetimefield_value() (the backend API Django's
    own queries use) gives the parameter a raw cursor compares with a stored publication
    time (SQLite: text in UTC; PostgreSQL: the aware datetime)."""
    moment = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    make_article(slug="at-noon", published_at=moment)
    adapted = connection.ops.adapt_datetimefield_value(moment)
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug FROM articles_article WHERE published_at <= %s", [adapted])
        assert cursor.fetchall() == [("at-noon",)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL's")
def test_the_driver_connection_can_key_a_weak_dictionary(db):
    """Statement.rows keys the names prepared on each connection by the driver's connection
    object (connection.connection), in a WeakKeyDictionary: a new one after a reconnection."""
    connection.ensure_connection()
    assert weakref.ref(connection.connection)() is connection.connection


def test_transactions_say_whether_a_block_is_open(transactional_db):
    """newsroom.routers (the replica), articles.revisions.lock_article and the writer's retry
    read transaction.get_connection().in_atomic_block (undocumented)."""
    assert transaction.get_connection() is connections["default"]
    assert connection.in_atomic_block is False
    with transaction.atomic():
        assert transaction.get_connection().in_atomic_block is True


# --- Django: elsewhere -------------------------------------------------------------------------


def test_output_wrapper_keeps_the_stream_as_out():
    """articles/management/commands/ingest.py gives tqdm the command's own stream:
    OutputWrapper._out."""
    wrapper = OutputWrapper(sys.stderr)
    assert wrapper._out is sys.stderr


def test_a_formset_tells_which_forms_are_to_be_deleted():
    """articles/admin/article.py, CaptionFormSet.clean: BaseFormSet._should_delete_form()."""

    class Form(forms.Form):
        text = forms.CharField()

    FormSet = forms.formset_factory(Form, can_delete=True)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-text": "kept",
        "form-1-text": "gone",
        "form-1-DELETE": "on",
    }
    formset = FormSet(data)
    assert formset.is_valid()
    assert [formset._should_delete_form(form) for form in formset.forms] == [False, True]


def test_log_response_logs_a_response_once(caplog):
    """newsroom/unavailable.py logs the 503 itself with log_response(), which marks the
    response so that Django's handler does not log it again."""
    logger = logging.getLogger("tests.private_apis")
    response = HttpResponse(status=503)
    with caplog.at_level(logging.WARNING, logger="tests.private_apis"):
        log_response("first", response=response, logger=logger)
        log_response("second", response=response, logger=logger)
    assert [record.getMessage() for record in caplog.records] == ["first"]


def test_template_localtime_is_localtime_for_aware_datetimes(settings):
    """newsroom/jinja2.py's date filter: django.utils.timezone.template_localtime()."""
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert template_localtime(moment) == timezone.localtime(moment)
    assert template_localtime(moment).utcoffset() == timezone.localtime(moment).utcoffset()
    assert template_localtime(moment.date()) == moment.date()


# --- Jinja2: the templates' globals (newsroom/jinja2.py) ----------------------------------------


def test_templates_get_their_globals_from_make_globals():
    """Environment.make_globals() (undocumented) makes each template's globals when it is
    loaded; the project's returns a plain dict, Jinja2's a ChainMap (READER_FAST_QUERIES off)."""
    env = engines["jinja2"].env
    with override_settings(READER_FAST_QUERIES=True):
        template = env.from_string("{{ text_size_script }}")
        assert type(template.globals) is dict
        assert template.render() == str(env.globals["text_size_script"])
    with override_settings(READER_FAST_QUERIES=False):
        template = env.from_string("{{ text_size_script }}")
        assert isinstance(template.globals, ChainMap)
        assert template.render() == str(env.globals["text_size_script"])
    calls = []
    original = type(env).make_globals

    def spy(self, d):
        calls.append(d)
        return original(self, d)

    type(env).make_globals = spy
    try:
        env.from_string("{{ 1 }}")
    finally:
        type(env).make_globals = original
    assert len(calls) == 1


# --- Django's Redis client and redis-py (newsroom/redis_cache.py) -------------------------------


def redis_cache():
    return RedisCache("redis://127.0.0.1:6379/15", {})


def test_one_redis_client_per_pool():
    """RedisCache._class picks the client class; RedisCacheClient._get_connection_pool() and
    _client (the redis.Redis class) are what Django's get_client() uses. No server needed:
    nothing connects before a command."""
    cache = redis_cache()
    client = cache._cache
    assert type(client) is PooledClient and isinstance(client, RedisCacheClient)
    assert client._client is redis.Redis
    with override_settings(READER_FAST_QUERIES=True):
        first = client.get_client(write=True)
        assert client.get_client("key", write=True) is first
        assert first.connection_pool is client._get_connection_pool(True)
    with override_settings(READER_FAST_QUERIES=False):
        plain = client.get_client(write=True)
        assert plain is not first and plain is not client.get_client(write=True)
        assert plain.connection_pool is first.connection_pool


def test_a_pool_resets_itself_in_a_forked_process():
    """The shared client survives gunicorn's fork (preload_app): redis-py's ConnectionPool
    notices another process id before each use (_checkpid) and starts afresh."""
    pool = redis_cache()._cache._get_connection_pool(True)
    assert pool.pid == os.getpid()
    pool.pid = -1  # as a child of the process that made it sees it
    pool._checkpid()
    assert pool.pid == os.getpid()


# --- django-simple-history (articles/revisions.py, articles/admin/history.py) -------------------


def test_history_models_name_their_many_to_many_fields():
    """articles.revisions._m2m_history_models: HistoricalArticle._history_m2m_fields, the
    fields whose snapshots live in their own tables; history_model.tracked_fields."""
    history_model = Article.history.model
    fields = history_model._history_m2m_fields
    assert [field.name for field in fields] == ["authors"]
    through = history_model.authors.model
    assert {f.name for f in through._meta.fields} >= {"history", "author"}
    assert get_m2m_reverse_field_name(Article._meta.get_field("authors")) == "author"
    assert "headline" in {field.name for field in history_model.tracked_fields}


def test_models_name_their_history_manager():
    """articles/admin/history.py: Model._meta.simple_history_manager_attribute."""
    assert Article._meta.simple_history_manager_attribute == "history"
    assert DeletedObject.__module__ == "simple_history.models"
