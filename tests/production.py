"""Running the project with its production settings (newsroom.settings), in a subprocess with a
clean environment: only the variables a test names, no .env file, no test settings."""

import secrets
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MANAGE = PROJECT / "manage.py"
STRONG_KEY = secrets.token_urlsafe(50)


def clean_env(**variables) -> dict:
    """PATH, ENV_FILE= (read no .env) and the given variables; nothing else."""
    env = {"PATH": "/usr/bin:/bin", "ENV_FILE": "", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({name: str(value) for name, value in variables.items()})
    return env


def manage(*args, timeout=120, **variables) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=clean_env(**variables),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def python(code: str, timeout=120, **variables) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() with newsroom.settings."""
    setup = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'newsroom.settings'; "
        "django.setup()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", setup + code],
        env=clean_env(**variables),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
