"""Create the local editor account if it does not exist, and print its login and role.

Used by the README's run command. The account is a chief editor (the "Chief editors" group of
articles.roles), so that a newcomer can try everything: writing, publishing, alerts. The
generated password is kept in var/editor-login.txt (readable only by its owner) so that later
runs can print it again.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from articles.roles import CHIEF_EDITORS, sync_groups


class Command(BaseCommand):
    help = "Create a staff account with the chief editor role, if none exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        login_file = settings.BASE_DIR / "var" / "editor-login.txt"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username, password=password, is_staff=True)
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(f"{password}\n")
            login_file.chmod(0o600)
            self.stdout.write(f"Created the editor account “{username}”.")
        elif login_file.exists():
            password = login_file.read_text().strip()
        else:
            password = f"(set earlier: reset it with `manage.py changepassword {username}`)"
        # An account from before the roles gets its role too.
        sync_groups(Group, Permission)
        user.groups.add(Group.objects.get(name=CHIEF_EDITORS))
        self.stdout.write(f"Editor login: username {username}, password {password}")
        self.stdout.write(f"Role: chief editor (group “{CHIEF_EDITORS}”)")
