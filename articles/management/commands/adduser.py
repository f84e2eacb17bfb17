"""Create a staff account with one of the newsroom's roles.

    manage.py adduser NAME --role editor|chief [--email EMAIL] [--generate-password]

The account is a staff user (it can log in to the admin) in the role's group, "Editors" or
"Chief editors" (articles.roles); the groups are brought in step with articles.roles first.

The password: when standard input is a terminal, it is asked for twice, without echo, and
checked with Django's password validation (AUTH_PASSWORD_VALIDATORS) until it passes. Otherwise
(a script, a pipe, or --generate-password) a random one is generated and printed once.
"""

import secrets
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from articles.roles import ROLES, sync_groups

try:
    import termios
except ImportError:  # not a POSIX system: getpass does the terminal handling
    termios = None


class Command(BaseCommand):
    help = "Create a staff account with a role: editor or chief (chief editor)."
    # `stdin` may be passed to call_command (like createsuperuser's), e.g. a terminal in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="NAME", help="The user name to log in with.")
        parser.add_argument(
            "--role",
            required=True,
            choices=sorted(ROLES),
            help="editor: writes, edits and imports drafts; chief: also publishes, "
            "schedules, withdraws and deletes articles, and runs breaking-news alerts.",
        )
        parser.add_argument("--email", default="", help="The user's email address (optional).")
        parser.add_argument(
            "--generate-password",
            action="store_true",
            help="Generate a password and print it, even when run from a terminal.",
        )

    def execute(self, *args, **options):
        self.stdin = options.get("stdin") or sys.stdin
        return super().execute(*args, **options)

    def handle(self, *args, username, role, email, generate_password, **options):
        User = get_user_model()
        username = username.strip()
        if not username:
            raise CommandError("The user name is empty.")
        try:
            User.username_validator(username)
        except ValidationError as error:
            reason = " ".join(error.messages)
            raise CommandError(f"Invalid user name “{username}”: {reason}") from error
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named “{username}” already exists.")
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError(f"Invalid email address “{email}”.") from error
            email = User.objects.normalize_email(email)

        user = User(username=username, email=email, is_staff=True)
        if generate_password or not self.is_terminal():
            password = secrets.token_urlsafe(12)
            shown = password
        else:
            password = self.ask_password(user)
            shown = None

        group_name = ROLES[role]
        with transaction.atomic():
            sync_groups(Group, Permission)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(f"Created the user “{username}”: role {role} (group “{group_name}”).")
        if shown is not None:
            self.stdout.write(f"Password: {shown}")

    # The password prompt.

    def is_terminal(self):
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def ask_password(self, user):
        """Ask twice until both match and Django's validators accept it."""
        while True:
            password = self.read_password("Password: ")
            if not password:
                self.stderr.write("The password is empty.")
                continue
            if self.read_password("Password (again): ") != password:
                self.stderr.write("The two passwords differ. Try again.")
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password

    def read_password(self, prompt):
        """One line from the terminal on stdin, not echoed (what getpass does, but on this
        command's stdin rather than the process's controlling terminal)."""
        self.stdout.write(prompt, ending="")
        self.stdout.flush()
        if termios is None:
            import getpass

            return getpass.getpass("")
        fd = self.stdin.fileno()
        saved = termios.tcgetattr(fd)
        quiet = list(saved)
        quiet[3] &= ~termios.ECHO
        # TCSADRAIN, not getpass's TCSAFLUSH: input typed ahead is kept, not thrown away.
        termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
        try:
            line = self.stdin.readline()
        except KeyboardInterrupt:
            raise CommandError("Cancelled: no user created.") from None
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            self.stdout.write("")
        if not line:
            raise CommandError("No password given (end of input): no user created.")
        return line.rstrip("\r\n")
