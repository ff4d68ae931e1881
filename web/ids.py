"""Ids at the edge: every id that arrives in a path, a query string or a form is bounded here, once.

Database ids are positive 32-bit integers. Anything else ("abc", "-1", "٣", 2**70) is not an id: a path
answers 404, a query cursor is ignored, a form field is invalid. Without this, SQLite raises OverflowError
on an id beyond 64 bits and the request ends in a 500.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter
from wtforms import HiddenField

MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """The id written in ``value`` (ASCII digits only, 1..2^31-1), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    # isascii() first: str.isdigit() is true for "²" and "٣", which int() then rejects or misreads.
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_version(value) -> int | None:
    """A case version the user saw (0..2^31-1), or None."""
    if isinstance(value, str) and value.strip() == "0":
        return 0
    return parse_id(value)


def id_arg(args, name: str) -> int | None:
    """An id from the query string (a cursor such as ``?sebelum=``): absent or malformed means None."""
    return parse_id(args.get(name))


def id_list(values) -> list[int]:
    """The well-formed ids of a multi-valued field (e.g. ``evidence_id``); the others are dropped."""
    return [number for number in map(parse_id, values) if number is not None]


class IdConverter(BaseConverter):
    """``<id:case_id>`` in a route: matches 1..2^31-1 only, so anything else is a plain 404."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        from werkzeug.routing import ValidationError

        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class IdField(HiddenField):
    """A form field holding an id (or a version with ``allow_zero``); malformed input fails validation."""

    def __init__(self, label=None, validators=None, allow_zero: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_zero = allow_zero

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parse = parse_version if self.allow_zero else parse_id
        self.data = parse(valuelist[0])
        if self.data is None:
            raise ValueError("Nomor tidak valid. Muat ulang halaman lalu coba lagi.")

    def _value(self):
        return "" if self.data is None else str(self.data)


def init_app(app) -> None:
    app.url_map.converters["id"] = IdConverter
