"""Test images made in memory for the photo library's tests (tests/photos): a photo-like picture,
JPEGs with chosen EXIF, an IPTC IIM block built byte by byte (Pillow reads IIM but cannot write
it), and an Adobe RGB (1998) ICC profile built from its published primaries (no ICC file is
installed on the machines the tests run on, and ImageCms.createProfile makes only sRGB, LAB and
XYZ profiles)."""

import math
import random
import struct
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter

# EXIF tags and IFDs the tests write (the values of PIL.ExifTags).
ORIENTATION = 0x0112
ARTIST = 0x013B
COPYRIGHT = 0x8298
IMAGE_DESCRIPTION = 0x010E
MAKE = 0x010F
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
BODY_SERIAL_NUMBER = 0xA431


def _noise(width, height, seed, cell):
    """Smooth value noise: random grey levels on a grid of `cell` pixels, enlarged bicubically."""
    rng = random.Random(seed)
    small = (max(2, width // cell + 2), max(2, height // cell + 2))
    grid = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    return grid.resize(
        (width, height), Image.Resampling.BICUBIC, box=(0.5, 0.5, small[0] - 1.5, small[1] - 1.5)
    )


def photo(width=1200, height=800, seed=7):
    """A deterministic photo-like RGB picture: a sky gradient over hills, shapes with hard and
    soft edges, text, texture at several scales (foliage-like detail that the codecs have to
    keep) and fine grain, then a slight optical blur."""
    rng = random.Random(seed)
    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge(
        "RGB",
        (
            sky.point(lambda v: 60 + v * 0.5),
            sky.point(lambda v: 110 + v * 0.45),
            sky.point(lambda v: 200 - v * 0.25),
        ),
    )
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    for _ in range(24):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.02, 0.15) * unit
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            points = [(x + rng.uniform(-r, r) * 2, y + rng.uniform(-r, r)) for _ in range(5)]
            draw.polygon(points, fill=colour, outline=(20, 20, 20), width=max(1, unit // 300))
    # Hills: a textured green band across the lower third.
    hills = Image.new("RGB", (width, height), (58, 98, 40))
    mask = Image.new("L", (width, height), 0)
    ridge = [(x, height * 0.62 + _wave(x, width, rng)) for x in range(0, width + 20, 20)]
    ImageDraw.Draw(mask).polygon([*ridge, (width, height), (0, height)], fill=255)
    image.paste(hills, mask=mask.filter(ImageFilter.GaussianBlur(unit / 400)))
    font_size = max(10, unit // 25)
    for line in range(3):
        draw.text(
            (width * 0.06, height * (0.08 + 0.07 * line)),
            "NEWSROOM 2026 - sample text",
            fill=(250, 250, 250),
            font_size=font_size,
        )
    # Texture: value noise at three scales, strongest where the hills are.
    texture = Image.blend(
        _noise(width, height, seed, max(4, unit // 40)),
        _noise(width, height, seed + 1, max(2, unit // 160)),
        0.5,
    )
    texture = Image.blend(texture, _noise(width, height, seed + 2, max(2, unit // 500)), 0.5)
    shade = texture.point(lambda v: 128 + (v - 128) * 2)
    image = Image.composite(
        Image.blend(image, Image.merge("RGB", (shade, shade, shade)), 0.35),
        Image.blend(image, Image.merge("RGB", (shade, shade, shade)), 0.05),
        mask,
    )
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.06)
    return image.filter(ImageFilter.GaussianBlur(0.6))


def _wave(x, width, rng):
    return 40 * (1 + (x / width)) * math.sin(x / width * 9) + rng.uniform(-6, 6)


def encoded(image, fmt="JPEG", **options):
    """`image` saved in memory as `fmt`."""
    buffer = BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def quadrants(width=64, height=48, colours=("red", "lime", "blue", "white")):
    """An image in four flat quadrants: top left, top right, bottom left, bottom right."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    boxes = (
        (0, 0, half_w - 1, half_h - 1),
        (half_w, 0, width - 1, half_h - 1),
        (0, half_h, half_w - 1, height - 1),
        (half_w, half_h, width - 1, height - 1),
    )
    for box, colour in zip(boxes, colours, strict=True):
        draw.rectangle(box, fill=colour)
    return image


def exif(
    *,
    orientation=None,
    artist=None,
    copyright=None,
    description=None,
    make=None,
    gps=False,
    serial=None,
):
    """An EXIF block (Image.Exif) with the given fields; `gps` adds a position in London."""
    block = Image.Exif()
    for tag, value in (
        (ORIENTATION, orientation),
        (ARTIST, artist),
        (COPYRIGHT, copyright),
        (IMAGE_DESCRIPTION, description),
        (MAKE, make),
    ):
        if value is not None:
            block[tag] = value
    if gps:
        position = block.get_ifd(GPS_IFD)
        position.update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    if serial is not None:
        block.get_ifd(EXIF_IFD)[BODY_SERIAL_NUMBER] = serial
    return block


def tiff_exif(entries):
    """Raw EXIF bytes (for the `exif` option of Image.save) of one little-endian IFD holding
    `entries`, (tag, field type, count, 4 value bytes) each: for values Pillow would never
    write, such as an Artist that is a number."""
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
    ifd += b"\x00\x00\x00\x00"  # no next IFD
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd


# IPTC IIM: Pillow reads it from a JPEG's APP13 segment ("Photoshop 3.0", image resources) but
# cannot write it. A dataset is 0x1C, record, dataset number, a 16-bit big-endian length, and
# the data; the datasets are image resource 0x0404 ("IPTC-NAA") of the APP13 segment.

UTF8 = b"\x1b%G"  # dataset 1:90, coded character set: UTF-8


def iim(datasets):
    """An IIM block: `datasets` are (record, dataset, value) with value bytes, or text
    (encoded as UTF-8)."""
    block = b""
    for record, number, value in datasets:
        if isinstance(value, str):
            value = value.encode("utf-8")
        block += bytes((0x1C, record, number)) + struct.pack(">H", len(value)) + value
    return block


def app13(iim_block):
    """The APP13 segment holding `iim_block` as Photoshop image resource 0x0404."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00"  # empty name, padded to even
    resource += struct.pack(">I", len(iim_block)) + iim_block
    if len(iim_block) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def xmp_app1(packet):
    """An APP1 segment holding `packet` (bytes) as XMP, whatever it contains."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def insert_segment(jpeg, segment):
    """`jpeg` with `segment` inserted after its SOI and APP0 (JFIF) segment, if it has one."""
    assert jpeg.startswith(b"\xff\xd8")
    position = 2
    if jpeg[2:4] == b"\xff\xe0":
        position = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:position] + segment + jpeg[position:]


# An Adobe RGB (1998) ICC profile, version 2, matrix/TRC: D50-adapted colorants and the 563/256
# gamma of Adobe's specification (the numbers of Adobe's own AdobeRGB1998.icc). LittleCMS
# converts through it like through Adobe's file; tests compute the expected sRGB values from
# the same matrices independently (test_renditions.py).

ADOBE_RGB_GAMMA = 563 / 256
ADOBE_RGB_COLORANTS = (
    (0.60974, 0.31111, 0.01947),
    (0.20528, 0.62567, 0.06087),
    (0.14919, 0.06322, 0.74457),
)
D50 = (0.9642, 1.0, 0.8249)
D65 = (0.95045, 1.0, 1.08905)


def _s15fixed16(*values):
    return b"".join(struct.pack(">i", round(value * 65536)) for value in values)


def adobe_rgb_profile():
    """The bytes of an Adobe RGB (1998) ICC profile."""
    description = b"Adobe RGB (1998) compatible, Newsroom tests"
    tags = [
        (
            b"desc",
            b"desc\x00\x00\x00\x00"
            + struct.pack(">I", len(description) + 1)
            + description
            + b"\x00"
            + b"\x00" * (4 + 4 + 2 + 1 + 67),  # no Unicode or ScriptCode description
        ),
        (b"cprt", b"text\x00\x00\x00\x00" + b"No copyright, test data\x00"),
        (b"wtpt", b"XYZ \x00\x00\x00\x00" + _s15fixed16(*D65)),
        (b"rXYZ", b"XYZ \x00\x00\x00\x00" + _s15fixed16(*ADOBE_RGB_COLORANTS[0])),
        (b"gXYZ", b"XYZ \x00\x00\x00\x00" + _s15fixed16(*ADOBE_RGB_COLORANTS[1])),
        (b"bXYZ", b"XYZ \x00\x00\x00\x00" + _s15fixed16(*ADOBE_RGB_COLORANTS[2])),
    ]
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(ADOBE_RGB_GAMMA * 256))
    tags += [(b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        body += b"\x00" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + table_size + len(data)
    header = (
        struct.pack(">I", size)
        + b"\x00\x00\x00\x00"  # preferred CMM
        + bytes((2, 0x10, 0, 0))  # version 2.1
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 24  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 1)  # rendering intent: relative colorimetric
        + _s15fixed16(*D50)
        + b"\x00" * 48  # creator, profile ID, reserved
    )
    assert len(header) == 128
    return header + table + data
