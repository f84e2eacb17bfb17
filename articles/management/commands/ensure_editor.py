"""Create the local editor account if it does not exist, and print its login.

Used by the README's run command. The generated password is kept in var/editor-login.txt
(readable only by its owner) so that later runs can print it again.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a staff account that can edit and import articles, if none exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        login_file = settings.BASE_DIR / "var" / "editor-login.txt"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username, password=password, is_staff=True)
            user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(f"{password}\n")
            login_file.chmod(0o600)
            self.stdout.write(f"Created the editor account “{username}”.")
        elif login_file.exists():
            password = login_file.read_text().strip()
        else:
            password = f"(set earlier: reset it with `manage.py changepassword {username}`)"
        self.stdout.write(f"Editor login: username {username}, password {password}")
