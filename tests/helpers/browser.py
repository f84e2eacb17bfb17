"""Logging in through the admin's form in a real browser (Playwright), as the browser tests do,
and what a page reports: console errors, page errors and Content-Security-Policy violations."""


def log_in_and_open(page, live_server, user, path):
    """Log in as user (password f"{user.username}-pass", as the accounts of the conftest
    fixtures and of tests.helpers.users have) through the admin's form, then open path, an
    article's form (a page of its own, not the login's redirect, so that its response and
    headers are at hand): its response once the body editor is there."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"{user.username}-pass")
    with page.expect_navigation(url=f"{live_server.url}/admin/"):
        page.click("input[type=submit]")
    response = page.goto(live_server.url + path)
    page.locator("#id_body").wait_for()
    return response


def watch(page):
    """Console errors and CSP violation reports, as they happen."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def violations(page):
    """Violations the page itself saw (securitypolicyviolation events since it loaded)."""
    return page.evaluate("() => window.__violations || []")


RECORD_VIOLATIONS = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation', e =>"
    " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)
