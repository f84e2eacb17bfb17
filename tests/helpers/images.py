"""Image files made in memory for uploads and captions."""

from io import BytesIO

from PIL import Image


def png_bytes():
    buffer = BytesIO()
    Image.new("RGB", (16, 9), "#336699").save(buffer, format="PNG")
    return buffer.getvalue()
