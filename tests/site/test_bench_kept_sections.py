"""bench/run rewrites docs/benchmarks.md; kept_sections keeps what others wrote between markers
there (bench/search.py's section, the measurements behind the code), in their order, before
"How it measures"."""

from bench.measure import kept_sections

SEARCH = """<!-- bench/search.py -->
## Search at archive scale

| articles | query | median s |
|---:|---|---:|
| 10,000 | `geneva` | 0.024 |
<!-- /bench/search.py -->"""

MEASUREMENTS = """<!-- measurements behind the code -->
## Measurements behind the code

| where | what was measured | figure |
|---|---|---|
| `articles/language.py`, `non_latin_runs` | a loop over a Korean caption | a figure |
<!-- /measurements behind the code -->"""

PREVIOUS = f"""# Benchmarks

The previous run's figures.

{SEARCH}

{MEASUREMENTS}

## How it measures

The previous run's method.
"""

NEW = """# Benchmarks

This run's figures.

## How it measures

This run's method.
"""


def test_every_marked_section_is_kept_in_its_order_before_how_it_measures(tmp_path):
    output = tmp_path / "benchmarks.md"
    output.write_text(PREVIOUS)
    assert kept_sections(output, NEW) == (
        "# Benchmarks\n"
        "\n"
        "This run's figures.\n"
        "\n"
        f"{SEARCH}\n"
        "\n"
        f"{MEASUREMENTS}\n"
        "\n"
        "## How it measures\n"
        "\n"
        "This run's method.\n"
    )


def test_the_order_is_the_previous_pages(tmp_path):
    output = tmp_path / "benchmarks.md"
    output.write_text(f"# Benchmarks\n\n{MEASUREMENTS}\n\n{SEARCH}\n\n## How it measures\n")
    assert kept_sections(output, NEW) == (
        f"# Benchmarks\n\nThis run's figures.\n\n{MEASUREMENTS}\n\n{SEARCH}\n\n"
        "## How it measures\n\nThis run's method.\n"
    )


def test_the_search_section_alone_is_kept_as_before(tmp_path):
    output = tmp_path / "benchmarks.md"
    output.write_text(f"# Benchmarks\n\nOld.\n\n{SEARCH}\n\n## How it measures\n\nOld.\n")
    assert kept_sections(output, NEW) == (
        f"# Benchmarks\n\nThis run's figures.\n\n{SEARCH}\n\n"
        "## How it measures\n\nThis run's method.\n"
    )


def test_without_a_previous_page_or_whole_sections_the_new_text_is_written_as_it_is(tmp_path):
    output = tmp_path / "benchmarks.md"
    assert kept_sections(output, NEW) == NEW
    # A section whose closing marker is missing is not kept.
    output.write_text(f"# Benchmarks\n\n{SEARCH.removesuffix('<!-- /bench/search.py -->')}\n")
    assert kept_sections(output, NEW) == NEW
