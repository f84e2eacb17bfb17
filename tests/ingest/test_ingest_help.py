"""`manage.py ingest --help` names the four formats the command reads."""

import os
import subprocess
import sys

from articles.ingest import formats
from tests.helpers.paths import ROOT

FORMAT_NAMES = ["page capture", "ninjs", "NewsML-G2", "saved web page"]


def ingest_help():
    """What `python manage.py ingest --help` prints, on a terminal wide enough that no line
    is wrapped (argparse would otherwise break "NewsML-G2" at its hyphen)."""
    env = {
        **os.environ,
        "SECRET_KEY": "test-only-secret-key-not-for-production-use-0123456789",
        "COLUMNS": "400",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_names_the_four_formats_and_no_longer_only_page_captures():
    text = ingest_help()
    # After the usage line (which lists --format's choices, ninjs among them).
    description = text.split("positional arguments:")[0].split("\n\n", 1)[1]

    for name in FORMAT_NAMES:
        assert name in description, name
    assert "(page captures)" not in text
    # The names are the ones the admin's import page shows (articles.ingest.formats.LABELS).
    for label in formats.LABELS.values():
        assert label in description, label


def test_help_of_format_says_which_name_is_which_format():
    text = " ".join(ingest_help().split("--format")[-1].split())

    for name, label in formats.LABELS.items():
        assert f"{name}: {label}" in text, name
