"""Reading offer and request links from a QR code image (zxing-cpp over Pillow)."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image, UnidentifiedImageError

from specs.errors import LimitExceeded, MalformedInput, NotFound

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000
MAX_LINK_CHARS = 64 * 1024


def read_qr(path: Path) -> str:
    """Return the text of the one QR code in the image file at ``path``."""
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise LimitExceeded(f"{path} is larger than {MAX_IMAGE_BYTES} bytes")
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise LimitExceeded(f"{path} has more than {MAX_IMAGE_PIXELS} pixels")
            found = zxingcpp.read_barcodes(
                image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
    except (UnidentifiedImageError, OSError) as exc:
        raise MalformedInput(f"{path} is not an image this wallet can read: {exc}") from exc
    texts = [b.text for b in found if b.valid]
    if not texts:
        raise NotFound(f"no QR code found in {path}")
    if len(set(texts)) > 1:
        raise MalformedInput(f"{path} holds {len(texts)} different QR codes; crop it to one")
    if len(texts[0]) > MAX_LINK_CHARS:
        raise LimitExceeded("the QR code text is too long for a link")
    return texts[0]


__all__ = ["read_qr"]
