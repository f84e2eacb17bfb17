"""Time and peak memory to make every rendition of a 24-megapixel photo.

    .venv/bin/python -m bench.renditions [--repeat 3] [--write]

The photo is the sample nuthatch (articles/sample_data/photos/nuthatch.jpg, 3600 px wide) scaled
up to 6532 x 3674 px (24.0 megapixels, 16:9) and saved as a JPEG at quality 90: a real
photograph's content, at the size a modern camera makes. Each run is
a fresh Python process that opens the photo as the renditions worker does and makes the whole
set (articles.photos.renditions.rendition_set: 4 ratios x 3 formats x each crop's ladder), once
decoded at full size and once decoded at half size (open_image's `min_size`); the figures are
its wall time and its peak resident memory (ru_maxrss), with Django set up as in the worker.
`--write` puts the results in docs/benchmarks.md between the markers `bench/run` keeps.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "articles" / "sample_data" / "photos" / "nuthatch.jpg"
DOCS = ROOT / "docs" / "benchmarks.md"
MARKER, END_MARKER = "<!-- bench/renditions.py -->", "<!-- /bench/renditions.py -->"
WIDTH = 6532

# The child: one whole set, then what it cost.
CHILD = """
import json, resource, sys, time
import django
django.setup()
from articles.photos.renditions import open_image, rendition_set
path, half = sys.argv[1], sys.argv[2] == "half"
started = time.monotonic()
data = open(path, "rb").read()
image = open_image(data, max_pixels=100_000_000, min_size=(2400, 1350) if half else None)
files = total = widest_square = 0
for ratio, rendition in rendition_set(image, focal=(0.6, 0.45)):
    files += 1
    total += len(rendition.data)
    if ratio == 1:
        widest_square = max(widest_square, rendition.width)
print(json.dumps({
    "seconds": round(time.monotonic() - started, 2),
    "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "files": files, "bytes": total, "widest_square": widest_square,
}))
"""


def make_photo(folder: Path) -> Path:
    with Image.open(SAMPLE) as sample:
        height = round(sample.height * WIDTH / sample.width)
        photo = sample.convert("RGB").resize((WIDTH, height), Image.Resampling.LANCZOS)
    path = folder / "24mp.jpg"
    photo.save(path, "JPEG", quality=90)
    return path


def run(path: Path, mode: str) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        **os.environ,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: dict, pixels: tuple[int, int]) -> str:
    width, height = pixels
    lines = [
        MARKER,
        "## Photo renditions",
        "",
        "`.venv/bin/python -m bench.renditions --write` (written by it; `bench/run` keeps this "
        "section)",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs; Python {platform.python_version()}, "
        f"Pillow {Image.__version__}",
        f"- Photo: {width} x {height} px ({width * height / 1e6:.1f} megapixels), the sample "
        "nuthatch scaled up; focal point (0.6, 0.45)",
        "- Each run a fresh process with Django set up; slowest and highest of the runs",
        "",
        "| decoded at | files | bytes | widest square | seconds | peak memory | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for mode, runs in results.items():
        seconds = max(r["seconds"] for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        first = runs[0]
        verdict = "PASS" if peak * 1.048576 <= 300 else "FAIL"
        lines.append(
            f"| {'full size' if mode == 'full' else 'half size'} | {first['files']} | "
            f"{first['bytes']:,} | {first['widest_square']} | {seconds} | {peak} MiB | "
            f"≤ 300 MB: {verdict} |"
        )
    lines.append(END_MARKER)
    return "\n".join(lines)


def write(section: str) -> None:
    text = DOCS.read_text()
    if MARKER in text and END_MARKER in text:
        before, rest = text.split(MARKER, 1)
        after = rest.split(END_MARKER, 1)[1]
        DOCS.write_text(f"{before}{section}{after}")
        return
    head, method = text.split("\n## How it measures", 1)
    DOCS.write_text(f"{head.rstrip()}\n\n{section}\n\n## How it measures{method}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each (default 3).")
    parser.add_argument("--write", action="store_true", help="Update docs/benchmarks.md.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = make_photo(Path(folder))
        with Image.open(path) as photo:
            pixels = photo.size
        results = {mode: [run(path, mode) for _ in range(args.repeat)] for mode in ("full", "half")}
    section = report(results, pixels)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
