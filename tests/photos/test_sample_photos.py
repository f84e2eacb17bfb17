"""The sample photos are real photographs over 3,000 px wide whose files carry the IPTC metadata
we wrote into them (articles/sample_data/photos/README.md says where each comes from)."""

from pathlib import Path

import articles
from articles.photos.metadata import read_metadata

PHOTOS = Path(articles.__file__).parent / "sample_data" / "photos"


def test_the_nuthatch_carries_its_credit_licence_korean_caption_and_alt_text():
    metadata = read_metadata((PHOTOS / "nuthatch.jpg").read_bytes())

    assert (metadata.width, metadata.height, metadata.orientation) == (3600, 2025, 1)
    assert metadata.headline == "Nuthatch"
    assert metadata.description == "나무줄기에 거꾸로 매달린 동고비."
    assert metadata.description_language == "ko"
    assert metadata.creator == "Lukas Baubkus"
    assert metadata.credit_line == "Lukas Baubkus (CC BY-SA 3.0)"
    assert metadata.copyright_notice == (
        "© 2021 Lukas Baubkus. CC BY-SA 3.0: https://creativecommons.org/licenses/by-sa/3.0/"
    )
    assert metadata.alt_text == (
        "A small grey bird with an orange breast, a nuthatch, clings head-down to the bark of a "
        "tree trunk; the background is blurred."
    )
    assert metadata.alt_text_language == "en"


def test_every_sample_photo_is_listed_with_its_source_and_licence():
    readme = (PHOTOS / "README.md").read_text()
    photos = sorted(path.name for path in PHOTOS.glob("*.jpg"))

    assert photos == ["nuthatch.jpg"]
    for name in photos:
        section = readme.split(f"## {name}", 1)[1].split("\n## ", 1)[0]
        assert "**Licence:**" in section and "**Source:**" in section
