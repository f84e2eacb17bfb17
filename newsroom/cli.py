"""The `newsroom` command of an installed wheel, and what `manage.py` runs in a checkout: Django's
management commands with Newsroom's settings (`newsroom migrate`, `newsroom ingest DIR`, ...)."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv if argv is None else argv)
