"""The Nu HTML Checker (vnu, the W3C validator) finds no error in the HTML the server sends for
any public page.

vnu starts slowly (a JVM), so it runs once over every page, written to temporary files, the
first time a test here needs its answer; each page then has its own test.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import EXPECTED_STATUS, PUBLIC_PAGES

pytestmark = pytest.mark.django_db(transaction=True)

VNU_JAR = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist"
VNU_JAR = VNU_JAR / "vnu.jar"
INSTALL = (
    "The HTML validity tests need Java and the Nu HTML Checker: run `npm ci` in the project "
    "folder (installs vnu-jar, pinned in package-lock.json) and `apt-get install "
    "default-jre-headless`."
)


def vnu_command():
    java = shutil.which("java")
    if java is None:
        pytest.fail(f"`java` is not on PATH. {INSTALL}", pytrace=False)
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR} is missing. {INSTALL}", pytrace=False)
    return [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--stdout"]


@pytest.fixture(scope="session")
def vnu_cache():
    return {}


@pytest.fixture
def vnu_report(vnu_cache, client, public_pages, tmp_path_factory):
    """{page name: (HTML, [vnu error messages])} for every public page, computed once."""
    if not vnu_cache:
        folder = tmp_path_factory.mktemp("vnu")
        files = {}
        for name, path in public_pages.items():
            response = client.get(path)
            assert response.status_code == EXPECTED_STATUS.get(name, 200), (name, path)
            assert response["Content-Type"] == "text/html; charset=utf-8"
            html = response.content.decode()
            file = folder / f"{name}.html"
            file.write_text(html, encoding="utf-8")
            files[file.name] = (name, html)
        command = vnu_command() + [str(folder / f"{name}.html") for name in public_pages]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        try:
            messages = json.loads(done.stdout)["messages"]
        except (ValueError, KeyError):
            pytest.fail(f"vnu gave no JSON report: {done.stdout!r} {done.stderr!r}")
        report = {name: (html, []) for name, html in files.values()}
        for message in messages:
            # "url": "file:/tmp/.../home.html"
            name, _ = files.get(message.get("url", "").rpartition("/")[2], (None, None))
            assert name is not None, f"vnu message about no page: {message}"
            report[name][1].append(message)
        vnu_cache.update(report)
    return vnu_cache


def describe(messages, html):
    lines = html.splitlines()
    out = []
    for m in messages:
        line = m.get("lastLine") or m.get("firstLine")
        source = lines[line - 1].strip()[:160] if line and line <= len(lines) else ""
        out.append(f"line {line}: {m['type']}: {m['message']}\n    {source}")
    return "\n".join(out)


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_html_errors(vnu_report, name):
    html, messages = vnu_report[name]
    assert html.startswith("<!doctype html>")
    assert messages == [], f"{name}:\n{describe(messages, html)}"
