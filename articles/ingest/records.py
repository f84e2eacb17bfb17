"""The neutral record every ingest parser produces and the one writer consumes.

Plain, immutable data: no ORM, no settings, so parsers can be tested with a string.
"""

from dataclasses import dataclass, field
from typing import Literal

SANITISER = "sanitiser: "


class IngestError(ValueError):
    """Input that cannot be ingested; the message is the one-line reason shown to people."""


@dataclass(frozen=True)
class Block:
    """One block of an article body, in reading order."""

    kind: Literal["paragraph", "subheading"]
    text: str
    # Markdown source for the block when it keeps inline markup (emphasis, links) from an
    # HTML body; "" means the text is plain and is escaped as it is.
    markdown: str = ""


@dataclass(frozen=True)
class CaptionRecord:
    text: str
    alt_text: str = ""
    language: str = ""
    credit: str = ""
    # Where the agency serves the picture: stored, never downloaded during an import.
    image_url: str = ""


@dataclass(frozen=True)
class AgencyRecord:
    name: str
    description: str = ""


@dataclass(frozen=True)
class ArticleRecord:
    headline: str
    blocks: tuple[Block, ...]
    language: str = "en"
    standfirst: str = ""
    captions: tuple[CaptionRecord, ...] = ()
    agency: AgencyRecord | None = None
    authors: tuple[str, ...] = ()
    source_url: str = ""
    # The source's own identifier and version; empty/None when the format has none
    # (the writer then derives the natural key, see articles/ingest/writer.py).
    external_id: str = ""
    version: int | None = None
    # Wire formats only (a capture has none of these): the source's times as ISO 8601 in UTC
    # ("2024-05-01T09:30:00+00:00"), its publication status ("usable", "withheld" or
    # "canceled"), embargo, agency slugline and the metadata kept for editors (urgency,
    # subjects, usage terms...).
    published_at: str = ""
    updated_at: str = ""
    pubstatus: str = ""
    embargoed: str = ""
    slugline: str = ""
    wire_metadata: dict = field(default_factory=dict)
    # What read it ("capture", "ninjs", "newsml-g2", "html") and what the parser noticed;
    # sanitiser warnings start with "sanitiser: ".
    format: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def sanitiser_warnings(self) -> list[str]:
        return [w for w in self.warnings if w.startswith(SANITISER)]

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "paragraph"]

    @property
    def subheadings(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "subheading"]
