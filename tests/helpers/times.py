"""Moments as the pages, feeds and sitemaps write them."""

from django.utils import timezone


def iso(value):
    return timezone.localtime(value).replace(microsecond=0).isoformat()
