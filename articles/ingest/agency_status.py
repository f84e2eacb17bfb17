"""What an agency's status of a story means here: a story the agency canceled (or withdrew).

A record whose status is one of CANCELED cancels its story (`cancels`): the writer withdraws
the article (a published one), or keeps a draft unpublished and marked canceled, its wire
metadata keeping the agency's status (`canceled_by_agency`), which no import publishes and
the admin shows. The writer (articles.ingest.writer) applies these rules; the admin and the
held updates (articles.ingest.held) ask this module what a status means.
"""

from .records import ArticleRecord

CANCELED = {"canceled", "cancelled", "withdrawn"}

# A cancellation imported by someone who may not withdraw (an editor): a chief editor decides.
HELD_CANCELLATION = (
    "held for a chief editor: the agency canceled this published story (status {}); "
    "withdrawing it needs the publish permission"
)
NOT_ALLOWED_CANCELLATION = (
    "This agency update cancels the story: applying it withdraws the article, which needs "
    "the publish permission (a chief editor)."
)


def cancels(record: ArticleRecord) -> bool:
    """Whether the agency's record cancels (or withdraws) its story."""
    return record.pubstatus in CANCELED


def canceled_by_agency(article) -> bool:
    """The agency canceled this story while it was a draft here (see writer.mark_canceled); a
    later version with another status from the agency lifts it."""
    return (article.wire_metadata or {}).get("pubstatus") in CANCELED
