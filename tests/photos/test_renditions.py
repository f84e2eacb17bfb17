"""articles/photos/renditions.py: photos opened upright in sRGB, crop boxes, the width ladder,
renditions (sizes, formats, metadata, names) and the quality of the encoders."""

import inspect
import re
import struct
from fractions import Fraction
from io import BytesIO

import pytest
from PIL import Image, ImageCms, ImageOps

from articles.photos.metadata import read_metadata
from articles.photos.renditions import (
    AVIF_QUALITY,
    JPEG_QUALITY,
    WEBP_QUALITY,
    Rendition,
    TooManyPixels,
    crop_box,
    ladder,
    open_image,
    render,
    rendition_set,
    ssim,
)
from tests.photos.images import (
    ADOBE_RGB_COLORANTS,
    ADOBE_RGB_GAMMA,
    ARTIST,
    BODY_SERIAL_NUMBER,
    COPYRIGHT,
    EXIF_IFD,
    GPS_IFD,
    IMAGE_DESCRIPTION,
    MAKE,
    adobe_rgb_profile,
    encoded,
    exif,
    photo,
    quadrants,
)

MAX = 40_000_000
RED, LIME, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def near(pixel, expected, tolerance=24):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def corners(image):
    """Colours a little inside the top left, top right, bottom left and bottom right corners."""
    w, h = image.size
    points = ((4, 4), (w - 5, 4), (4, h - 5), (w - 5, h - 5))
    return [image.getpixel(point)[:3] for point in points]


def decoded(rendition):
    return Image.open(BytesIO(rendition.data))


@pytest.fixture(scope="module")
def sample():
    """A 1200 x 800 photo-like picture, upright RGB."""
    return photo(1200, 800)


# Opening


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [
        (1, [RED, LIME, BLUE, WHITE]),
        (3, [WHITE, BLUE, LIME, RED]),  # turned half round
        (6, [BLUE, RED, WHITE, LIME]),  # stored turned a quarter anticlockwise: shown clockwise
        (8, [LIME, WHITE, RED, BLUE]),  # the other way
    ],
)
def test_the_exif_orientation_is_applied(orientation, expected):
    stored = encoded(quadrants(60, 40), "JPEG", quality=95, exif=exif(orientation=orientation))
    image = open_image(stored, max_pixels=MAX)
    assert image.size == ((40, 60) if orientation in (6, 8) else (60, 40))
    assert image.mode == "RGB"
    assert all(near(got, want) for got, want in zip(corners(image), expected, strict=True))
    assert image.info == {}  # no EXIF (nor anything else) left to leak into renditions


def test_more_pixels_than_allowed_are_refused_before_decoding():
    jpeg = bytearray(encoded(quadrants(64, 48), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    # The header now says 10000 x 8000 (80 MP); the image data is that of 64 x 48 pixels, so
    # decoding it would fail: the refusal comes first.
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 8000, 10000)
    with pytest.raises(TooManyPixels) as refused:
        open_image(bytes(jpeg), max_pixels=MAX)
    assert (refused.value.width, refused.value.height) == (10000, 8000)
    assert open_image(encoded(quadrants(64, 48), "PNG"), max_pixels=64 * 48).size == (64, 48)
    with pytest.raises(TooManyPixels):
        open_image(encoded(quadrants(64, 48), "PNG"), max_pixels=64 * 48 - 1)


def test_a_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # no cyan, full magenta and yellow
    image = open_image(encoded(cmyk, "JPEG", quality=95), max_pixels=MAX)
    assert image.mode == "RGB"
    assert near(image.getpixel((16, 16)), RED, 8)


def test_adobe_rgb_is_converted_to_srgb():
    colour = (200, 100, 50)
    tagged = encoded(Image.new("RGB", (16, 16), colour), "PNG", icc_profile=adobe_rgb_profile())
    untagged = encoded(Image.new("RGB", (16, 16), colour), "PNG")
    converted = open_image(tagged, max_pixels=MAX).getpixel((8, 8))
    assert all(abs(a - b) <= 1 for a, b in zip(converted, adobe_rgb_to_srgb(colour), strict=True))
    assert converted == (227, 100, 42)  # what that arithmetic gives, rounded
    assert open_image(untagged, max_pixels=MAX).getpixel((8, 8)) == colour


def adobe_rgb_to_srgb(colour):
    """Adobe RGB (1998) to sRGB by the numbers: linear light, XYZ (D50) through Adobe's
    colorants, back through sRGB's Bradford-adapted D50 colorants and sRGB's transfer curve."""
    linear = [(value / 255) ** ADOBE_RGB_GAMMA for value in colour]
    xyz = [sum(linear[i] * ADOBE_RGB_COLORANTS[i][axis] for i in range(3)) for axis in range(3)]
    srgb = (
        (0.4360747, 0.2225045, 0.0139322),
        (0.3850649, 0.7168786, 0.0971045),
        (0.1430804, 0.0606169, 0.7141733),
    )
    # Columns of the matrix RGB -> XYZ are the colorants: solve it for XYZ by Cramer's rule.
    matrix = [[srgb[column][row] for column in range(3)] for row in range(3)]

    def determinant(m):
        return (
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        )

    whole = determinant(matrix)
    rgb = []
    for column in range(3):
        replaced = [
            [xyz[row] if c == column else matrix[row][c] for c in range(3)] for row in range(3)
        ]
        rgb.append(min(max(determinant(replaced) / whole, 0.0), 1.0))
    encoded_ = [12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055 for v in rgb]
    return tuple(round(v * 255) for v in encoded_)


def test_an_srgb_profile_changes_nothing():
    colour = (200, 100, 50)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = encoded(Image.new("RGB", (16, 16), colour), "PNG", icc_profile=srgb)
    assert open_image(tagged, max_pixels=MAX).getpixel((8, 8)) == colour


def test_a_profile_that_cannot_be_used_is_ignored():
    colour = (200, 100, 50)
    for profile in (b"not a profile", adobe_rgb_profile()[:200]):
        tagged = encoded(Image.new("RGB", (16, 16), colour), "PNG", icc_profile=profile)
        assert open_image(tagged, max_pixels=MAX).getpixel((8, 8)) == colour


def test_a_lab_image_is_converted_through_the_lab_profile():
    # CIELAB L* = 50 (128 of 255), a* = b* = 0: the sRGB grey of that lightness is 119.
    lab = encoded(Image.new("LAB", (8, 8), (128, 128, 128)), "TIFF")
    assert open_image(lab, max_pixels=MAX).getpixel((4, 4)) == (119, 119, 119)


@pytest.mark.parametrize(
    ("image", "fmt", "expected"),
    [
        (Image.new("L", (8, 8), 77), "PNG", (77, 77, 77)),
        (Image.new("1", (8, 8), 1), "PNG", WHITE),
        (Image.new("P", (8, 8), 3), "GIF", None),
        (Image.new("I;16", (8, 8), 65535), "PNG", WHITE),
        (Image.new("LA", (8, 8), (90, 255)), "PNG", (90, 90, 90)),
    ],
)
def test_other_modes_become_rgb(image, fmt, expected):
    opened = open_image(encoded(image, fmt), max_pixels=MAX)
    assert opened.mode == "RGB"
    if expected:
        assert opened.getpixel((4, 4)) == expected


def test_transparency_is_kept_and_an_opaque_alpha_dropped():
    transparent = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    transparent.paste((255, 0, 0, 255), (16, 12, 48, 36))
    assert open_image(encoded(transparent, "PNG"), max_pixels=MAX).mode == "RGBA"
    opaque = Image.new("RGBA", (64, 48), (10, 20, 30, 255))
    assert open_image(encoded(opaque, "PNG"), max_pixels=MAX).mode == "RGB"


def test_a_min_size_decodes_a_jpeg_smaller():
    jpeg = encoded(photo(1600, 1000), "JPEG", quality=90, exif=exif(orientation=6))
    assert open_image(jpeg, max_pixels=MAX).size == (1000, 1600)
    # Shown as 1000 x 1600: half size (500 x 800) still covers 480 x 800, a quarter does not.
    assert open_image(jpeg, max_pixels=MAX, min_size=(480, 800)).size == (500, 800)
    assert open_image(jpeg, max_pixels=MAX, min_size=(501, 800)).size == (1000, 1600)


# Crop boxes


@pytest.mark.parametrize(
    ("size", "ratio", "focal", "box"),
    [
        # as shot
        ((6000, 4000), None, (0.5, 0.5), (0, 0, 6000, 4000)),
        ((6000, 4000), None, (0.0, 1.0), (0, 0, 6000, 4000)),
        # landscape to 16:9: full width, centred (312.5 rounds up)
        ((6000, 4000), Fraction(16, 9), (0.5, 0.5), (0, 313, 6000, 3688)),
        ((6000, 4000), 16 / 9, (0.5, 0.5), (0, 313, 6000, 3688)),
        ((6000, 4000), (16, 9), (0.5, 0.5), (0, 313, 6000, 3688)),
        # focal point in a corner: the box goes as far as the edges allow
        ((6000, 4000), 16 / 9, (0.0, 0.0), (0, 0, 6000, 3375)),
        ((6000, 4000), 16 / 9, (1.0, 1.0), (0, 625, 6000, 4000)),
        ((6000, 4000), 1, (0.0, 0.0), (0, 0, 4000, 4000)),
        ((6000, 4000), 1, (1.0, 1.0), (2000, 0, 6000, 4000)),
        ((6000, 4000), 1, (0.9, 0.1), (2000, 0, 6000, 4000)),
        # focal point off centre, within reach
        ((6000, 4000), 1, (0.4, 0.5), (400, 0, 4400, 4000)),
        ((6000, 4000), 4 / 3, (0.5, 0.5), (334, 0, 5667, 4000)),
        ((6000, 4000), 16 / 9, (0.5, 0.3), (0, 0, 6000, 3375)),
        ((6000, 4000), 16 / 9, (0.5, 0.55), (0, 513, 6000, 3888)),
        ((6000, 4000), 16 / 9, (0.5, 0.6), (0, 625, 6000, 4000)),
        # portrait source to 16:9: full width, a band across (1687.5 rounds up)
        ((3000, 4000), 16 / 9, (0.5, 0.5), (0, 1156, 3000, 2844)),
        ((3000, 4000), 16 / 9, (0.5, 0.0), (0, 0, 3000, 1688)),
        ((3000, 4000), 16 / 9, (0.5, 1.0), (0, 2312, 3000, 4000)),
        ((3000, 4000), 1, (0.5, 0.25), (0, 0, 3000, 3000)),
        # already the ratio: the whole image, wherever the focal point
        ((1920, 1080), 16 / 9, (0.5, 0.5), (0, 0, 1920, 1080)),
        ((1920, 1080), 16 / 9, (0.0, 1.0), (0, 0, 1920, 1080)),
        ((1000, 1000), 1, (1.0, 0.0), (0, 0, 1000, 1000)),
        # out-of-range and missing focal coordinates are clamped, or the centre
        ((6000, 4000), 1, (-3.0, 7.0), (0, 0, 4000, 4000)),
        ((6000, 4000), 1, (float("nan"), None), (1000, 0, 5000, 4000)),
        # tiny images
        ((1, 1), 16 / 9, (0.5, 0.5), (0, 0, 1, 1)),
        ((3, 100), 16 / 9, (0.5, 0.5), (0, 49, 3, 51)),
    ],
)
def test_crop_box(size, ratio, focal, box):
    assert crop_box(*size, ratio, focal) == box


def test_crop_box_is_the_largest_of_its_ratio_inside_the_image():
    for width, height in ((6000, 4000), (4000, 6000), (1234, 567), (17, 1000)):
        for ratio in (16 / 9, 1, 4 / 3, 3 / 2, 9 / 16):
            for focal in ((0.5, 0.5), (0.1, 0.9), (1.0, 0.0)):
                left, top, right, bottom = crop_box(width, height, ratio, focal)
                assert 0 <= left < right <= width and 0 <= top < bottom <= height
                assert right - left == width or bottom - top == height
                assert abs((right - left) - (bottom - top) * ratio) <= max(1, ratio)


def test_crop_box_refuses_nonsense():
    with pytest.raises(ValueError):
        crop_box(0, 100, 1)
    with pytest.raises(ValueError):
        crop_box(100, 100, 0)
    with pytest.raises(ValueError):
        crop_box(100, 100, -1.5)


# The ladder


@pytest.mark.parametrize(
    ("crop_width", "widths"),
    [
        (6000, (320, 480, 640, 800, 960, 1200, 1600, 2000, 2400)),
        (2400, (320, 480, 640, 800, 960, 1200, 1600, 2000, 2400)),
        (2399, (320, 480, 640, 800, 960, 1200, 1600, 2000, 2399)),
        (1000, (320, 480, 640, 800, 960, 1000)),
        (960, (320, 480, 640, 800, 960)),
        (320, (320,)),
        (319, (319,)),
        (1, (1,)),
    ],
)
def test_ladder(crop_width, widths):
    assert ladder(crop_width) == widths


def test_ladder_with_other_widths():
    assert ladder(700, (800, 400, 400)) == (400, 700)
    assert ladder(900, (800, 400)) == (400, 800)
    with pytest.raises(ValueError):
        ladder(0)


# Renditions


def test_a_rendition():
    image = open_image(encoded(photo(1200, 800), "JPEG", quality=92), max_pixels=MAX)
    box = crop_box(1200, 800, 16 / 9)
    for fmt, content_type, ext in (
        ("avif", "image/avif", "avif"),
        ("webp", "image/webp", "webp"),
        ("jpeg", "image/jpeg", "jpg"),
    ):
        rendition = render(image, box, 800, fmt)
        assert isinstance(rendition, Rendition)
        assert (rendition.width, rendition.height, rendition.fmt) == (800, 450, fmt)
        assert rendition.box == (0, 63, 1200, 738)
        assert rendition.content_type == content_type
        assert re.fullmatch(rf"800w-[0-9a-f]{{16}}\.{ext}", rendition.name)
        with decoded(rendition) as opened:
            assert opened.format == fmt.upper()
            assert opened.size == (800, 450)
            assert opened.mode == "RGB"
            assert "icc_profile" not in opened.info  # sRGB, untagged
            assert "xmp" not in opened.info
            assert "exif" not in opened.info  # no creator nor copyright given


def test_never_upscaled():
    image = open_image(encoded(photo(500, 300), "JPEG"), max_pixels=MAX)
    made = [
        (ratio, r.fmt, r.width, r.height)
        for ratio, r in rendition_set(image, ratios=(None, 1), formats=("webp", "jpeg"))
    ]
    assert made == [
        (None, "webp", 320, 192),
        (None, "jpeg", 320, 192),
        (None, "webp", 480, 288),
        (None, "jpeg", 480, 288),
        (None, "webp", 500, 300),
        (None, "jpeg", 500, 300),
        (1, "webp", 300, 300),
        (1, "jpeg", 300, 300),
    ]
    with pytest.raises(ValueError, match="never upscaled"):
        render(image, (0, 0, 300, 300), 301, "jpeg")
    with pytest.raises(ValueError, match="not inside"):
        render(image, (0, 0, 600, 300), 320, "jpeg")
    with pytest.raises(ValueError, match="unknown rendition format"):
        render(image, (0, 0, 300, 300), 100, "gif")


def test_rendition_set_is_a_generator_of_every_size_and_format():
    image = open_image(encoded(photo(1000, 750), "JPEG"), max_pixels=MAX)
    renditions = rendition_set(image, ratios=(16 / 9, 1, 4 / 3, None), widths=(320, 640))
    assert inspect.isgenerator(renditions)
    made = [(ratio, r.fmt, r.width, r.height, r.box) for ratio, r in renditions]
    expected = []
    for ratio, box, sizes in (
        (16 / 9, (0, 94, 1000, 657), ((320, 180), (640, 360))),
        (1, (125, 0, 875, 750), ((320, 320), (640, 640))),
        (4 / 3, (0, 0, 1000, 750), ((320, 240), (640, 480))),
        (None, (0, 0, 1000, 750), ((320, 240), (640, 480))),
    ):
        for width, height in sizes:
            for fmt in ("avif", "webp", "jpeg"):
                expected.append((ratio, fmt, width, height, box))
    assert made == expected


def test_gps_serial_and_camera_are_not_in_any_rendition_artist_and_copyright_are():
    source = encoded(
        photo(900, 600),
        "JPEG",
        quality=90,
        exif=exif(
            artist="김민지".encode(),  # UTF-8, as cameras' and editors' software write it
            copyright="© 2026 Newsroom".encode(),
            description="Secret location",
            make="Canon",
            gps=True,
            serial="0123456789",
        ),
    )
    original = Image.open(BytesIO(source)).getexif()
    assert original.get_ifd(GPS_IFD) and original.get_ifd(EXIF_IFD)  # they were there
    metadata = read_metadata(source)
    renditions = list(
        rendition_set(
            open_image(source, max_pixels=MAX),
            ratios=(16 / 9, None),
            widths=(320, 640),
            creator=metadata.creator,
            copyright=metadata.copyright_notice,
        )
    )
    assert len(renditions) == 2 * 2 * 3
    for _, rendition in renditions:
        with decoded(rendition) as opened:
            tags = opened.getexif()
            assert set(tags) == {ARTIST, COPYRIGHT}
            assert GPS_IFD not in tags and not tags.get_ifd(GPS_IFD)
            assert EXIF_IFD not in tags and not tags.get_ifd(EXIF_IFD)
            assert MAKE not in tags and IMAGE_DESCRIPTION not in tags
            assert BODY_SERIAL_NUMBER not in tags
            assert "xmp" not in opened.info and "icc_profile" not in opened.info
        assert b"0123456789" not in rendition.data and b"Canon" not in rendition.data
        again = read_metadata(rendition.data)
        assert (again.creator, again.copyright_notice) == ("김민지", "© 2026 Newsroom")
        assert again.description is None


def test_names_are_equal_for_equal_inputs_and_change_with_the_focal_point():
    source = encoded(photo(900, 600), "JPEG", quality=90)

    def names(focal):
        image = open_image(source, max_pixels=MAX)  # a new image object each time
        return [
            (r.name, r.data)
            for _, r in rendition_set(image, focal=focal, ratios=(16 / 9,), widths=(320, 480))
        ]

    first = names((0.5, 0.5))
    # The encoders are deterministic on this machine: same input, same bytes, same names.
    assert names((0.5, 0.5)) == first
    moved = names((0.5, 0.2))
    assert len(first) == len(moved) == 6
    assert all(a[0] != b[0] for a, b in zip(first, moved, strict=True))
    # A focal point that does not move the crop (already at the edge) changes nothing.
    assert names((0.5, 0.0)) == names((0.5, 0.1))


def test_transparency_is_flattened_on_white_for_jpeg_and_kept_for_webp_and_avif():
    png = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    png.paste((255, 0, 0, 255), (100, 75, 300, 225))
    image = open_image(encoded(png, "PNG"), max_pixels=MAX)
    assert image.mode == "RGBA"
    for fmt in ("jpeg", "webp", "avif"):
        rendition = render(image, (0, 0, 400, 300), 320, fmt)
        with decoded(rendition) as opened:
            if fmt == "jpeg":
                assert opened.mode == "RGB"
                assert near(opened.getpixel((10, 10)), WHITE, 4)
            else:
                assert opened.mode == "RGBA"
                assert opened.getpixel((10, 10))[3] == 0
            assert near(opened.getpixel((160, 120))[:3], RED, 16)


# Quality


def test_ssim_of_identical_and_flat_images():
    image = photo(300, 200)
    assert ssim(image, image) == pytest.approx(1.0)
    # Flat images: every window has no variance, SSIM is the luminance term alone.
    c1 = (0.01 * 255) ** 2
    flat = ssim(Image.new("L", (64, 64), 100), Image.new("L", (64, 64), 120))
    assert flat == pytest.approx((2 * 100 * 120 + c1) / (100**2 + 120**2 + c1))
    assert ssim(image, ImageOps.invert(image)) < 0
    assert ssim(image, ImageOps.mirror(image)) < 0.5


def test_ssim_falls_as_quality_falls(sample):
    reference = sample.resize((640, 427), Image.Resampling.LANCZOS)
    scores = []
    for quality in (95, 60, 5):
        scores.append(ssim(reference, Image.open(BytesIO(encoded(reference, quality=quality)))))
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] < 0.95


@pytest.mark.parametrize("fmt", ["avif", "webp", "jpeg"])
def test_each_format_reaches_ssim_095_at_the_chosen_quality(sample, fmt):
    assert (AVIF_QUALITY, WEBP_QUALITY, JPEG_QUALITY) == (50, 75, 80)
    box = crop_box(*sample.size, 16 / 9)
    rendition = render(sample, box, 640, fmt)
    reference = sample.resize((640, 360), Image.Resampling.LANCZOS, box=box)
    with decoded(rendition) as opened:
        assert ssim(reference, opened) >= 0.95
