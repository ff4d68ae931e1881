"""Where a photo was taken: its EXIF GPS position (read with Pillow, never typed by the uploader) and its
distance to the school's coordinates."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

EARTH_RADIUS_M = (
    6_371_008.8  # mean radius (IUGG); the haversine error (< 0.5 %) is far below the flag's margin
)


@dataclass(frozen=True)
class PhotoPosition:
    latitude: float | None
    longitude: float | None
    taken_at: str | None  # EXIF DateTimeOriginal as written ("2026:08:17 09:30:00")


def _degrees(value, ref) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals and the N/S/E/W reference."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(x) for x in (degrees, minutes, seconds)):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -result if str(ref).strip().upper() in ("S", "W") else result


def read_position(data: bytes) -> PhotoPosition:
    """The GPS position and capture time in a JPEG/PNG/WebP file's EXIF; None where absent or broken."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return PhotoPosition(None, None, None)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    taken = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or exif.get(
        ExifTags.Base.DateTime
    )
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        latitude = longitude = None
    taken_at = str(taken).strip()[:20] if taken else None
    return PhotoPosition(latitude, longitude, taken_at or None)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def thumbnail(data: bytes, size: int) -> bytes | None:
    """A JPEG of at most ``size`` pixels on its long side, upright (EXIF orientation applied), without
    metadata; None when the file is no readable image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            small = ImageOps.exif_transpose(image).convert("RGB")
            small.thumbnail((size, size))
            out = io.BytesIO()
            small.save(out, "JPEG", quality=70, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
