"""QR codes of offer links (PNG or SVG) with segno."""

from __future__ import annotations

from pathlib import Path

import segno

from specs.errors import Unsupported

QR_FORMATS = ("png", "svg")


def write_qr(link: str, path: Path, *, scale: int = 4) -> Path:
    """Write the QR code of ``link`` to ``path``; the suffix (.png or .svg) picks the format."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in QR_FORMATS:
        raise Unsupported(f"QR files are .png or .svg, not {path.name!r}")
    # Error correction M survives a crease in a printed letter; always a full QR code
    # (not Micro QR), which every phone camera reads.
    code = segno.make_qr(link, error="m")
    path.parent.mkdir(parents=True, exist_ok=True)
    code.save(str(path), kind=kind, scale=scale, border=4)
    return path
