"""The real Content-Security-Policy in Chromium: every admin page an editor uses, the login and
lockout pages and the reader's pages run with it and the browser reports no violation, and the
one inline script (text size, allowed by its hash) runs while any other inline code is blocked.
"""

import pytest

from articles.models import Alert
from tests.browser.conftest import ARTICLE_PATH
from tests.helpers.browser import RECORD_VIOLATIONS, violations, watch

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_the_admin_runs_under_the_policy_without_violations(
    page, live_server, superuser, sample_article
):
    Alert.objects.create(text="Ceasefire talks resume in Geneva")
    page.add_init_script(RECORD_VIOLATIONS)
    seen = watch(page)
    log_in(page, live_server, "admin", "admin-pass")
    pk = sample_article.pk
    paths = [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/?status__exact=published&q=syria",
        f"/admin/articles/article/{pk}/change/",
        f"/admin/articles/article/{pk}/history/",
        "/admin/articles/article/add/",
        "/admin/articles/article/import/",
        "/admin/articles/article/deleted/",
        "/admin/articles/agency/",
        f"/admin/articles/agency/{sample_article.agency.pk}/change/",
        "/admin/articles/alert/",
        "/admin/articles/ingestrecord/",
        "/admin/auth/user/",
        f"/admin/auth/user/{superuser.pk}/change/",
        "/admin/auth/group/add/",
        "/admin/axes/accessattempt/",
        "/admin/password_change/",
    ]
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert violations(page) == [], path
        assert seen == [], path


def test_the_login_and_lockout_pages_run_under_the_policy(page, live_server, superuser):
    page.add_init_script(RECORD_VIOLATIONS)
    seen = watch(page)
    for _ in range(5):
        log_in(page, live_server, "admin", "wrong")
    assert page.locator("h1").text_content() == "Too many failed logins"
    assert violations(page) == []
    assert seen == [
        "Failed to load resource: the server responded with a status of 429 (Too Many Requests)"
    ]


def test_readers_pages_run_the_text_size_script_and_nothing_else_inline(
    page, live_server, sample_article
):
    page.add_init_script(RECORD_VIOLATIONS)
    seen = watch(page)
    page.context.add_cookies([{"name": "textsize", "value": "lg", "url": live_server.url}])
    for path in ["/", ARTICLE_PATH, "/search/?q=syria", "/archive/", "/no-such-page/"]:
        page.goto(live_server.url + path)
        # The inline head script, allowed by its hash, applied the reader's size.
        assert page.evaluate("document.documentElement.dataset.textSize") == "lg", path
        assert violations(page) == [], path
    assert seen == [
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    ]
    # Any other inline script is refused.
    ran = page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.head.append(s);"
        " return window.inlineRan === true; }"
    )
    assert ran is False
    assert violations(page) == ["script-src-elem inline"]
