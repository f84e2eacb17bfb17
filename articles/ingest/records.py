"""The neutral record every ingest parser produces and the one writer consumes.

Plain, immutable data: no ORM, no settings, so parsers can be tested with a string.
"""

from dataclasses import dataclass
from typing import Literal


class IngestError(ValueError):
    """Input that cannot be ingested; the message is the one-line reason shown to people."""


@dataclass(frozen=True)
class Block:
    """One block of an article body, in reading order."""

    kind: Literal["paragraph", "subheading"]
    text: str


@dataclass(frozen=True)
class CaptionRecord:
    text: str
    alt_text: str = ""
    language: str = ""
    credit: str = ""


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

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "paragraph"]

    @property
    def subheadings(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "subheading"]
