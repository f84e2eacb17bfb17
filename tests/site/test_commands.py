"""The account and alert commands: `adduser`, `ensure_editor` and `alert`.

adduser's two password paths are both driven for real:
- generated: standard input is not a terminal (a StringIO here, a pipe or /dev/null in a
  script), or --generate-password; the password is printed, and it logs in;
- prompted: standard input IS a terminal: a pseudo-terminal from the `pty` module, passed as
  the command's stdin (a stealth option, like createsuperuser's). Nothing is mocked: the
  command turns the terminal's echo off with termios and reads lines from it; a "typist"
  thread waits until the echo is off, then types into the terminal's other end, like a person
  at the keyboard. The terminal's output shows nothing was echoed.
"""

import os
import pty
import termios
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Alert
from articles.roles import CHIEF_EDITORS, EDITORS

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Correct-horse-battery-42"


def run(*args, stdin=None):
    """call_command; returns (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    kwargs = {"stdout": out, "stderr": err}
    if stdin is not None:
        kwargs["stdin"] = stdin
    call_command(*args, **kwargs)
    return out.getvalue(), err.getvalue()


def logs_in(username, password):
    client = Client()
    return client.login(username=username, password=password) and (
        client.get("/admin/").status_code == 200
    )


# --- adduser: generated password -------------------------------------------------------------


@pytest.mark.parametrize(("role", "group"), [("editor", EDITORS), ("chief", CHIEF_EDITORS)])
def test_adduser_generates_and_prints_a_password_without_a_terminal(role, group, django_user_model):
    out, err = run(
        "adduser", "alice", "--role", role, "--email", "Alice@Example.COM", stdin=StringIO()
    )

    first, second = out.splitlines()
    assert first == f"Created the user “alice”: role {role} (group “{group}”)."
    assert second.startswith("Password: ")
    password = second.removeprefix("Password: ")
    assert len(password) >= 16
    assert err == ""
    user = django_user_model.objects.get(username="alice")
    assert (user.is_staff, user.is_superuser, user.email) == (True, False, "Alice@example.com")
    assert [g.name for g in user.groups.all()] == [group]
    assert not user.user_permissions.exists()  # the role's permissions come from the group
    assert user.has_perm("articles.publish_article") == (role == "chief")
    assert logs_in("alice", password)


def test_adduser_generates_on_request_even_at_a_terminal(terminal, django_user_model):
    out, _ = run("adduser", "bob", "--role", "editor", "--generate-password", stdin=terminal.file)

    password = out.splitlines()[1].removeprefix("Password: ")
    assert logs_in("bob", password)
    assert terminal.output() == b""  # nothing asked


# --- adduser: prompted password, on a pseudo-terminal ---------------------------------------------


class Terminal:
    """A pseudo-terminal: `file` is the end the command reads as its stdin; type() writes
    at the keyboard end once the command has turned echo off, as a person would."""

    def __init__(self):
        self.keyboard, self.device = pty.openpty()
        self.file = open(self.device, encoding="utf-8", closefd=True)  # noqa: SIM115
        self.typist = None

    def echo_is_on(self):
        return bool(termios.tcgetattr(self.device)[3] & termios.ECHO)

    def type(self, *lines, end_of_input=False):
        text = "".join(line + "\n" for line in lines).encode()
        if end_of_input:
            text += termios.tcgetattr(self.device)[6][termios.VEOF]  # Ctrl-D

        def when_echo_is_off():
            deadline = time.monotonic() + 10
            while self.echo_is_on() and time.monotonic() < deadline:
                time.sleep(0.005)
            os.write(self.keyboard, text)

        self.typist = threading.Thread(target=when_echo_is_off)
        self.typist.start()

    def output(self):
        """What the terminal showed (echoes), read without waiting."""
        if self.typist:
            self.typist.join()
        os.set_blocking(self.keyboard, False)
        try:
            return os.read(self.keyboard, 65536)
        except BlockingIOError:
            return b""

    def close(self):
        if self.typist:
            self.typist.join()
        self.file.close()
        os.close(self.keyboard)


@pytest.fixture
def terminal():
    terminal = Terminal()
    yield terminal
    terminal.close()


def test_adduser_asks_twice_at_a_terminal_without_echo(terminal, django_user_model):
    assert terminal.file.isatty()
    terminal.type(GOOD_PASSWORD, GOOD_PASSWORD)

    out, err = run("adduser", "carol", "--role", "chief", stdin=terminal.file)

    assert out == (
        "Password: \nPassword (again): \nCreated the user “carol”: role chief "
        "(group “Chief editors”).\n"
    )
    assert "Password: " + GOOD_PASSWORD not in out  # never printed
    assert err == ""
    assert terminal.output() == b""  # typed, and nothing echoed
    assert terminal.echo_is_on()  # restored
    user = django_user_model.objects.get(username="carol")
    assert user.check_password(GOOD_PASSWORD)
    assert [g.name for g in user.groups.all()] == [CHIEF_EDITORS]
    assert logs_in("carol", GOOD_PASSWORD)


def test_adduser_asks_again_until_valid_and_matching(terminal, django_user_model):
    terminal.type(
        "password", "password",  # too common
        "carol123", "carol123",  # too like the user name
        GOOD_PASSWORD, "something else",  # the two differ
        GOOD_PASSWORD, GOOD_PASSWORD,
    )  # fmt: skip

    out, err = run("adduser", "carol", "--role", "editor", stdin=terminal.file)

    assert out.count("Password (again): ") == 4
    errors = err.splitlines()
    assert errors[0] == "This password is too common."
    assert errors[1].startswith("The password is too similar to the username.")
    assert errors[2] == "The two passwords differ. Try again."
    assert len(errors) == 3
    assert django_user_model.objects.get(username="carol").check_password(GOOD_PASSWORD)
    assert terminal.output() == b""


def test_adduser_end_of_input_at_the_prompt_creates_no_one(terminal, django_user_model):
    terminal.type(end_of_input=True)

    with pytest.raises(CommandError, match="No password given"):
        run("adduser", "dave", "--role", "editor", stdin=terminal.file)

    assert not django_user_model.objects.filter(username="dave").exists()
    assert terminal.echo_is_on()


# --- adduser: errors --------------------------------------------------------------------------


def test_adduser_refuses_an_existing_user_name(django_user_model):
    django_user_model.objects.create_user("alice")

    for name in ("alice", "Alice"):
        with pytest.raises(CommandError, match=r"A user named “[aA]lice” already exists"):
            run("adduser", name, "--role", "editor", stdin=StringIO())
    assert django_user_model.objects.count() == 1


def test_adduser_refuses_an_unknown_role(django_user_model):
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        run("adduser", "alice", "--role", "boss", stdin=StringIO())
    with pytest.raises(CommandError, match="the following arguments are required: --role"):
        run("adduser", "alice", stdin=StringIO())
    assert not django_user_model.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "alice@@example.com"])
def test_adduser_refuses_an_invalid_email(email, django_user_model):
    with pytest.raises(CommandError, match=f"Invalid email address “{email}”."):
        run("adduser", "alice", "--role", "editor", "--email", email, stdin=StringIO())
    assert not django_user_model.objects.exists()


def test_adduser_refuses_an_invalid_user_name(django_user_model):
    with pytest.raises(CommandError, match="Invalid user name “no spaces”"):
        run("adduser", "no spaces", "--role", "editor", stdin=StringIO())
    assert not django_user_model.objects.exists()


def test_adduser_restores_a_group_that_lost_its_permissions(django_user_model):
    """The groups are kept in step with articles.roles."""
    Group.objects.get(name=EDITORS).permissions.clear()

    run("adduser", "alice", "--role", "editor", stdin=StringIO())

    assert django_user_model.objects.get(username="alice").has_perm("articles.add_article")


# --- ensure_editor -----------------------------------------------------------------------------


def test_ensure_editor_creates_a_chief_editor(settings, tmp_path, django_user_model):
    settings.BASE_DIR = tmp_path

    out, _ = run("ensure_editor")

    lines = out.splitlines()
    assert lines[0] == "Created the editor account “editor”."
    password = (tmp_path / "var" / "editor-login.txt").read_text().strip()
    assert lines[1] == f"Editor login: username editor, password {password}"
    assert lines[2] == "Role: chief editor (group “Chief editors”)"
    user = django_user_model.objects.get(username="editor")
    assert [g.name for g in user.groups.all()] == [CHIEF_EDITORS]
    assert not user.user_permissions.exists()
    assert user.has_perm("articles.publish_article")
    assert logs_in("editor", password)

    # Again: the same account, the same login, the same role.
    out, _ = run("ensure_editor")
    assert out.splitlines() == lines[1:]
    assert django_user_model.objects.count() == 1
    assert user.groups.count() == 1


def test_ensure_editor_gives_an_older_account_its_role(settings, tmp_path, django_user_model):
    settings.BASE_DIR = tmp_path
    django_user_model.objects.create_user("editor", is_staff=True)

    out, _ = run("ensure_editor")

    assert "changepassword editor" in out
    user = django_user_model.objects.get(username="editor")
    assert [g.name for g in user.groups.all()] == [CHIEF_EDITORS]


# --- alert ----------------------------------------------------------------------------------


def banner(client):
    return client.get("/")


def test_alert_starts_now_and_shows_at_once(client):
    assertNotContains(banner(client), 'class="breaking-news"')

    out, _ = run("alert", "Ceasefire announced", "--url", "https://example.com/ceasefire")

    assert out == "Started: “Ceasefire announced” → https://example.com/ceasefire (until ended)\n"
    alert = Alert.objects.get()
    assert timezone.now() - alert.starts_at < timedelta(minutes=1)
    assert alert.ends_at is None
    assert alert.history.first().history_change_reason == "command: alert"
    assertContains(banner(client), '<a href="https://example.com/ceasefire">Ceasefire announced')


@pytest.mark.parametrize(
    ("duration", "length"),
    [("30m", timedelta(minutes=30)), ("2h", timedelta(hours=2)), ("1d", timedelta(days=1))],
)
def test_alert_for_a_while(duration, length):
    out, _ = run("alert", "Storm warning", "--for", duration)

    alert = Alert.objects.get()
    assert alert.ends_at - alert.starts_at == length
    until = timezone.localtime(alert.ends_at)
    assert out == f"Started: “Storm warning” (until {until:%-d %B %Y, %H:%M} UTC)\n"


@pytest.mark.parametrize("duration", ["2x", "0h", "h", "1.5h", "-1h", "2 hours", "1h30m"])
def test_alert_refuses_a_bad_duration(duration):
    with pytest.raises(CommandError, match=f"Invalid duration “{duration}”"):
        run("alert", "Storm warning", f"--for={duration}")
    assert not Alert.objects.exists()


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_alert_refuses_empty_text(text):
    with pytest.raises(CommandError, match="The alert's text is empty"):
        run("alert", text)
    assert not Alert.objects.exists()


def test_alert_refuses_text_over_280_characters():
    run("alert", "x" * 280)  # exactly 280 fits
    with pytest.raises(CommandError, match="has 281 characters; at most 280 fit"):
        run("alert", "y" * 281)
    assert list(Alert.objects.values_list("text", flat=True)) == ["x" * 280]


def test_alert_refuses_a_bad_link_and_a_missing_text():
    with pytest.raises(CommandError, match="Invalid link “example”"):
        run("alert", "Storm warning", "--url", "example")
    with pytest.raises(CommandError, match="Give the alert's text"):
        run("alert")
    with pytest.raises(CommandError, match="--end and --list take no text"):
        run("alert", "Storm warning", "--end")
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("alert", "--end", "--list")
    assert not Alert.objects.exists()


def test_alert_end_ends_every_active_alert(client):
    now = timezone.now()
    Alert.objects.create(text="First", starts_at=now - timedelta(hours=2))
    Alert.objects.create(text="Second", starts_at=now - timedelta(hours=1))
    later = Alert.objects.create(text="Later", starts_at=now + timedelta(hours=1))
    old = Alert.objects.create(
        text="Old", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
    )
    assertContains(banner(client), "Second")

    out, _ = run("alert", "--end")

    assert sorted(out.splitlines()) == ["Ended: “First”", "Ended: “Second”"]
    assert not Alert.objects.active().exists()
    assertNotContains(banner(client), 'class="breaking-news"')
    later.refresh_from_db()
    old.refresh_from_db()
    assert later.ends_at is None
    assert old.ends_at == now - timedelta(days=1)

    out, _ = run("alert", "--end")
    assert out == "No alert is shown now: nothing to end.\n"


def test_alert_list():
    assert run("alert", "--list")[0] == "No alert is shown now, and none is to come.\n"
    run("alert", "Ceasefire announced", "--for", "2h")
    Alert.objects.create(
        text="Budget speech", starts_at=timezone.now().replace(microsecond=0) + timedelta(days=1)
    )

    lines = run("alert", "--list")[0].splitlines()

    assert len(lines) == 2
    assert lines[0].startswith("Shown now: “Ceasefire announced” (until ")
    assert lines[1].startswith("From ")
    assert lines[1].endswith(": “Budget speech” (until ended)")
