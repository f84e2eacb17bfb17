"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules) finds nothing on any public page: in light and
dark colour schemes, at 1280 and 320 CSS px, and at each of the four text sizes.

Pages x 2 schemes x 2 widths x 4 sizes is many runs of axe, so they are batched: the first case
of a page loads that page's data once and runs all its 16 combinations, in one reused page per
colour scheme and width (shared_page; the four run axe at the same time, each in its own
renderer process); each combination is then its own test case, named page-scheme-width-size.
Each run sets the text-size cookie and loads the page, so the server renders that size.
"""

from itertools import product

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.browser.conftest import PUBLIC_PAGES, SCHEMES, SIZES, WIDTHS, visit

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}

CASES = [
    pytest.param(name, scheme, width, size, id=f"{name}-{scheme}-{width}px-{size}")
    for name, scheme, width, size in product(PUBLIC_PAGES, SCHEMES, WIDTHS, SIZES)
]

# Inject axe and run it after this call returns (a task of its own), so that the four pages
# work at the same time.
START = """([source, options]) => {
  window.__axeResult = null;
  const fail = error => { window.__axeResult = { error: String(error && error.stack || error) }; };
  setTimeout(() => {
    try {
      (0, eval)(source);
      axe.run(document, options).then(results => { window.__axeResult = results; }, fail);
    } catch (error) {
      fail(error);
    }
  }, 0);
}"""
RESULT = """() => {
  const r = window.__axeResult;
  return r.error ? r : { engine: r.testEngine.version, violations: r.violations,
                         url: r.url, rules: r.toolOptions.runOnly.values };
}"""


def run_page(request, name):
    """{(scheme, width, size): axe results} for one page."""
    # Only the case that runs the batch needs the database (and the live server); the others
    # read its results and do not pay for setting up and flushing the data.
    request.applymarker(pytest.mark.django_db(transaction=True))
    public_pages = request.getfixturevalue("public_pages")
    live_server = request.getfixturevalue("live_server")
    shared_page = request.getfixturevalue("shared_page")
    results = {}
    for size in SIZES:
        started = []
        for scheme, width in product(SCHEMES, WIDTHS):
            page = shared_page(scheme, width)
            visit(page, live_server.url, public_pages[name], size)
            state = page.evaluate(
                f"[matchMedia('(prefers-color-scheme: {scheme})').matches, innerWidth]"
            )
            assert state == [True, width], (name, scheme, width, size, state)
            page.evaluate(START, [AXE_SCRIPT, OPTIONS])
            started.append((scheme, width, page))
        for scheme, width, page in started:
            page.wait_for_function("window.__axeResult !== null", polling=50, timeout=60_000)
            result = page.evaluate(RESULT)
            result["visited"] = live_server.url + public_pages[name]
            results[scheme, width, size] = result
    return results


@pytest.fixture(scope="session")
def axe_results():
    return {}


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '')!r}")
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "scheme", "width", "size"), CASES)
def test_no_axe_violations(request, axe_results, name, scheme, width, size):
    if name not in axe_results:
        try:
            axe_results[name] = run_page(request, name)
        except Exception as error:
            # Reported by every case of the page, without running the batch again.
            axe_results[name] = error
            raise
    if isinstance(axe_results[name], Exception):
        pytest.fail(f"the axe runs of {name} failed: {axe_results[name]!r}")
    result = axe_results[name][scheme, width, size]

    assert "error" not in result, result.get("error")
    # axe did run, on this page, with the WCAG A and AA rules ...
    assert result["engine"] and result["rules"] == TAGS
    assert result["url"] == result["visited"]
    # ... and found nothing.
    violations = result["violations"]
    assert violations == [], f"{name} {scheme} {width}px {size}:\n{describe(violations)}"
