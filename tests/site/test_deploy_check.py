"""`manage.py check --deploy --fail-level WARNING` passes with the production defaults and only
DEBUG off, a strong SECRET_KEY and ALLOWED_HOSTS set; it fails on an insecure configuration,
and the startup itself refuses a missing or weak SECRET_KEY with a clear message."""

import pytest

from tests.production import STRONG_KEY, manage

DEPLOY_CHECK = ("check", "--deploy", "--fail-level", "WARNING")
HOSTS = "news.example.org"
ADVICE = (
    "Set SECRET_KEY to a long random string of your own in the environment or in .env "
    "(python -c 'import secrets; print(secrets.token_urlsafe(50))'; see .env.example), "
    "or set DEBUG=true for a local development run."
)


def test_the_deploy_check_passes_with_only_the_required_settings():
    result = manage(*DEPLOY_CHECK, SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=HOSTS)
    assert result.returncode == 0, result.stdout + result.stderr
    # security.W021 (HSTS preload) is the one silenced check: preloading is the operator's call.
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."


def test_debug_on_fails_the_deploy_check():
    result = manage(*DEPLOY_CHECK, SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=HOSTS, DEBUG="true")
    assert result.returncode == 1
    assert "(security.W018) You should not have DEBUG set to True in deployment." in result.stderr


@pytest.mark.parametrize(
    ("setting", "check"),
    [
        ("SECURE_SSL_REDIRECT", "security.W008"),
        ("SESSION_COOKIE_SECURE", "security.W012"),
        ("CSRF_COOKIE_SECURE", "security.W016"),
    ],
)
def test_each_plain_http_switch_fails_the_deploy_check(setting, check):
    result = manage(*DEPLOY_CHECK, SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=HOSTS, **{setting: "False"})
    assert result.returncode == 1
    assert f"({check})" in result.stderr


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "SECRET_KEY is not set"),
        ("short-key", "SECRET_KEY is too short (9 characters; at least 50)"),
        ("ab" * 30, "SECRET_KEY has too few different characters (2; at least 5)"),
        (
            "django-insecure-" + STRONG_KEY,
            "SECRET_KEY is a development key (it starts with 'django-insecure-')",
        ),
    ],
    ids=["missing", "short", "repetitive", "django-insecure"],
)
def test_startup_refuses_a_missing_or_weak_secret_key(key, problem):
    result = manage(*DEPLOY_CHECK, SECRET_KEY=key, ALLOWED_HOSTS=HOSTS)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == f"django.core.exceptions.ImproperlyConfigured: {problem}. {ADVICE}"


def test_a_missing_secret_key_is_refused_even_without_the_variable():
    result = manage("check", ALLOWED_HOSTS=HOSTS)
    assert result.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_debug_runs_without_a_secret_key_for_local_development():
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
