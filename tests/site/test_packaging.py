"""The project as operators install it: a wheel that holds everything a server needs, installed
into an empty virtual environment outside the checkout, runs `newsroom check`, `newsroom migrate`
and `newsroom collectstatic` on SQLite and imports the sample article it carries; and
scripts/bootstrap on a Python that has no pip at all."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.sample import SAMPLE_SLUG

LOCK = ROOT / "requirements.lock"


def uv():
    return subprocess.run(
        [ROOT / "scripts" / "tools" / "uv-path"], capture_output=True, text=True, check=True
    ).stdout.strip()


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy of the tracked files, as from a fresh clone (nothing of var/ or .env),
    # with the locked build backend of this environment.
    source = tmp_path_factory.mktemp("source")
    files = run(["git", "ls-files", "-z"], cwd=ROOT).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    run(
        [ROOT / uv(), "build", "--wheel", "--no-build-isolation", "--out-dir", out, source],
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": sys.executable},
    )
    (built,) = out.glob("newsroom-*.whl")
    return built


def test_the_wheel_holds_code_migrations_templates_static_sources_and_sample_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "newsroom/settings.py",
        "newsroom/cli.py",
        "articles/models.py",
        "articles/migrations/0001_initial.py",
        "articles/ingest/schemas/ninjs-schema_2.2.json",
        "articles/sample_data/kerry-lavrov.txt",
        "newsroom/templates/jinja2/articles/article_detail.html",
        "newsroom/templates/admin/articles/history_list.html",
        "newsroom/static/css/site.css",
    ):
        assert expected in names
    # Only the two packages (and the wheel's own metadata): no tests, bench, deploy or docs.
    assert {name.split("/")[0] for name in names} == {
        "newsroom",
        "articles",
        "newsroom-0.1.0.dist-info",
    }
    entry_points = zipfile.ZipFile(wheel).read("newsroom-0.1.0.dist-info/entry_points.txt")
    assert b"newsroom = newsroom.cli:main" in entry_points


def test_the_installed_wheel_serves_a_site_from_an_empty_directory(wheel, tmp_path):
    venv, home = tmp_path / "venv", tmp_path / "site"
    home.mkdir()
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    # The wheel's own requirements, at the locked versions (hash-checked): what an operator's
    # `pip install newsroom-*.whl -c requirements.lock` installs.
    run(
        [ROOT / uv(), "pip", "install", "--python", venv / "bin" / "python", wheel, "-c", LOCK],
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SECRET_KEY": "a-long-random-secret-key-for-the-wheel-test-8f3KqZ0vJ2mX7wL1pR",
    }
    newsroom = venv / "bin" / "newsroom"

    def site(*args):
        return run([newsroom, *args], cwd=home, env=env).stdout

    assert "System check identified no issues" in site("check")
    assert "Applying articles.0001_initial... OK" in site("migrate", "--noinput")
    assert (home / "var" / "newsroom.sqlite3").is_file()
    site("collectstatic", "--noinput", "--verbosity", "0")
    assert (home / "var" / "static" / "css").is_dir()
    sample = run(
        [
            venv / "bin" / "python",
            "-c",
            "import articles, pathlib; print(pathlib.Path("
            "articles.__file__).parent / 'sample_data' / 'kerry-lavrov.txt')",
        ],
        cwd=home,
        env=env,
    ).stdout.strip()
    assert str(venv) in sample
    assert site("ingest", "--publish", sample).strip() == f"created /articles/{SAMPLE_SLUG}/"
    # The installed code, not the checkout's: nothing under the checkout was read or written.
    assert not (ROOT / "newsroom" / "templates").exists()
    shown = run(
        [venv / "bin" / "python", "-c", "import newsroom; print(newsroom.__file__)"],
        cwd=home,
        env=env,
    ).stdout
    assert shown.startswith(str(venv))


def test_bootstrap_installs_the_lock_with_a_python_that_has_no_pip(tmp_path):
    # A copy of what bootstrap reads; the Python is a venv made without pip.
    checkout = tmp_path / "checkout"
    for name in (
        "scripts/bootstrap",
        "scripts/tools/uv-path",
        "scripts/tools/uv.lock",
        "requirements.lock",
    ):
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, checkout / name)
    python = tmp_path / "bare"
    run([sys.executable, "-m", "venv", "--without-pip", python])
    assert subprocess.run([python / "bin" / "python", "-m", "pip", "--version"]).returncode != 0
    env = {**os.environ, "PYTHON": str(python / "bin" / "python")}
    run([checkout / "scripts" / "bootstrap"], env=env)
    venv_python = checkout / ".venv" / "bin" / "python"
    shown = run([venv_python, "-c", "import django, psycopg2; print(django.get_version())"]).stdout
    assert shown.startswith("5.2.")
    # uv installed it: there is no pip in the environment to drift with.
    assert (
        subprocess.run([venv_python, "-m", "pip", "--version"], capture_output=True).returncode != 0
    )
    # Run again: nothing to do, and it says nothing.
    again = run([checkout / "scripts" / "bootstrap"], env=env)
    assert (again.stdout, again.stderr) == ("", "")
