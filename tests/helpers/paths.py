"""Where things are, whichever folder a test module sits in."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent  # the checkout
DATA = TESTS / "data"
WIRE = DATA / "wire"  # the wire-format samples (docs/wire-formats.md)
CAPTURES = DATA / "captures"  # saved agency pages, as the capture parser reads them
INGEST_DATA = DATA / "ingest"
