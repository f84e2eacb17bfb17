"""Breaking-news alerts from the command line.

    manage.py alert "TEXT" [--for 2h|30m|1d] [--url URL]   start one now (ends after --for)
    manage.py alert --end                                  end every alert shown now
    manage.py alert --list                                 the alerts shown now or to come

Each prints what happened, one line per alert.
"""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateformat import format as date_format

from articles.models import Alert
from articles.publishing import end_alerts

MAX_LENGTH = Alert._meta.get_field("text").max_length
DURATION = re.compile(r"\A(\d+)([mhd])\Z")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value):
    """A duration such as "30m", "2h" or "1d" as a timedelta; CommandError for anything else."""
    match = DURATION.match(value.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise CommandError(
            f"Invalid duration “{value}”: use a whole number of minutes, hours or days, "
            "such as 30m, 2h or 1d."
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def when(moment):
    return date_format(timezone.localtime(moment), "j F Y, H:i T")


def describe(alert):
    until = f"until {when(alert.ends_at)}" if alert.ends_at else "until ended"
    link = f" → {alert.url}" if alert.url else ""
    return f"“{alert.text}”{link} ({until})"


class Command(BaseCommand):
    help = "Start, end or list breaking-news alerts (the banner on every page)."

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="?", help="The alert: one short sentence.")
        parser.add_argument("--for", dest="duration", help="End it after this long: 30m, 2h, 1d.")
        parser.add_argument("--url", default="", help="Where the banner links (optional).")
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--end", action="store_true", help="End every alert shown now.")
        what.add_argument(
            "--list", dest="list_alerts", action="store_true", help="List the alerts shown now."
        )

    def handle(self, *args, text, duration, url, end, list_alerts, **options):
        if end or list_alerts:
            if text is not None or duration or url:
                raise CommandError("--end and --list take no text, --for or --url.")
            return self.end() if end else self.list_alerts()
        if text is None:
            raise CommandError('Give the alert\'s text: manage.py alert "TEXT" [--for 2h].')
        self.start(text, duration, url)

    def start(self, text, duration, url):
        text = " ".join(text.split())
        if not text:
            raise CommandError("The alert's text is empty.")
        if len(text) > MAX_LENGTH:
            raise CommandError(
                f"The alert's text has {len(text)} characters; at most {MAX_LENGTH} fit."
            )
        length = parse_duration(duration) if duration else None
        url = url.strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError as error:
                raise CommandError(f"Invalid link “{url}”: use a full http(s) address.") from error
        now = timezone.now().replace(microsecond=0)
        alert = Alert(text=text, url=url, starts_at=now, ends_at=length and now + length)
        alert._change_reason = "command: alert"
        alert.save()
        self.stdout.write(f"Started: {describe(alert)}")

    def end(self):
        ended = end_alerts(Alert.objects.all(), reason="command: alert --end")
        for alert in ended:
            self.stdout.write(f"Ended: “{alert.text}”")
        if not ended:
            self.stdout.write("No alert is shown now: nothing to end.")

    def list_alerts(self):
        now = timezone.now()
        shown = list(Alert.objects.active(at=now).order_by("starts_at"))
        coming = list(Alert.objects.filter(starts_at__gt=now).order_by("starts_at"))
        for alert in shown:
            self.stdout.write(f"Shown now: {describe(alert)}")
        for alert in coming:
            self.stdout.write(f"From {when(alert.starts_at)}: {describe(alert)}")
        if not shown and not coming:
            self.stdout.write("No alert is shown now, and none is to come.")
