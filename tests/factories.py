"""Small factory functions for tests: each makes a valid object with unique keys and flushes it."""

from __future__ import annotations

import itertools
import random

from spmp import clock
from spmp.schools.models import School

_seq = itertools.count(random.randint(10_000, 90_000) * 100)


def next_npsn() -> str:
    return f"{next(_seq) % 100_000_000:08d}"


def make_school(session, *, regency_code: str = "53.71", name: str | None = None, **values) -> School:
    npsn = values.pop("npsn", None) or next_npsn()
    now = clock.now()
    school = School(
        npsn=npsn,
        name=name or f"SD Negeri {npsn}",
        name_key=(name or f"SD Negeri {npsn}").lower(),
        bentuk=values.pop("bentuk", "SD"),
        status=values.pop("status", "negeri"),
        regency_code=regency_code,
        province_code=regency_code[:2],
        row_hash=values.pop("row_hash", "0" * 32),
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(school)
    session.flush()
    return school
