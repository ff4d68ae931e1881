"""``due.until`` in a case's programme year: the day of that year (even when already past), else the first
such WIB day on or after entering; the ``programme_year:`` key of a definition is validated on load."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from spmp.engine import registry
from spmp.engine.calendar import WIB, deadline_rows, due_time
from spmp.engine.definitions import DefinitionError, DueRule, parse_definition

RULE = DueRule(None, until=(12, 15), reminders=(30, 14, 3), escalate_after=1, escalate_to="bpmp_head")
DUE_2025 = datetime(2025, 12, 15, 16, 59, tzinfo=UTC)  # 15 December 2025, 23:59 WIB
DUE_2026 = datetime(2026, 12, 15, 16, 59, tzinfo=UTC)


def wib(*args) -> datetime:
    """A moment given in WIB, as UTC."""
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


@pytest.mark.parametrize(
    ("entered", "year", "due"),
    [
        (wib(2025, 10, 1, 9, 0), 2025, DUE_2025),  # before: this year's
        (wib(2025, 12, 20, 9, 0), 2025, DUE_2025),  # after: still 2025's, already past
        (wib(2026, 2, 3, 9, 0), 2025, DUE_2025),  # well into the next year: still 2025's
        (wib(2025, 12, 20, 9, 0), 2026, DUE_2026),  # a 2026 programme entered early: 2026's
        (wib(2025, 12, 15, 9, 0), 2025, DUE_2025),  # the same day
        (wib(2025, 12, 15, 23, 59), 2025, DUE_2025),  # the last minute: due now
        (wib(2025, 12, 16, 0, 0), 2025, DUE_2025),  # a minute later: overdue
    ],
)
def test_until_counts_in_the_programme_year(entered, year, due):
    assert due_time(RULE, entered, year) == due


@pytest.mark.parametrize(
    ("entered", "due"),
    [
        (wib(2025, 10, 1, 9, 0), DUE_2025),  # future: this year's
        (wib(2025, 12, 20, 9, 0), DUE_2026),  # past: the next one
        (wib(2025, 12, 15, 9, 0), DUE_2025),  # the same day
        (wib(2025, 12, 15, 23, 59), DUE_2025),  # 23:59 WIB is still that day
        (wib(2025, 12, 15, 23, 59, 30), DUE_2025),  # so is its last half minute
        (wib(2025, 12, 16, 0, 0), DUE_2026),  # midnight WIB: the next year's
        (datetime(2025, 12, 15, 17, 0, tzinfo=UTC), DUE_2026),  # 17:00 UTC on the 15th is the 16th in WIB
    ],
)
def test_without_a_programme_year_the_first_until_day_on_or_after_entering(entered, due):
    assert due_time(RULE, entered) == due
    assert due_time(RULE, entered, None) == due


def test_days_still_win_when_earlier():
    rule = DueRule(14, until=(12, 15))
    entered = wib(2025, 11, 1, 9, 0)
    assert due_time(rule, entered, 2025) == datetime(2025, 11, 15, 2, 0, tzinfo=UTC)
    # Entered after the programme's 15 December: the past day wins over 14 days on.
    assert due_time(rule, wib(2025, 12, 20, 9, 0), 2025) == DUE_2025


def _kinds(rows):
    return [(row["kind"], row["fire_at"]) for row in rows]


def test_entered_after_the_day_no_reminders_and_due_and_escalation_already_past():
    entered = wib(2025, 12, 20, 9, 0)
    rows = deadline_rows(RULE, entered, 2025)
    assert _kinds(rows) == [("due", DUE_2025), ("escalation", datetime(2025, 12, 16, 16, 59, tzinfo=UTC))]
    assert all(row["fire_at"] < entered and row["due_at"] == DUE_2025 for row in rows)
    assert [row["slot"] for row in rows] == [0, 1]


def test_entered_in_october_reminders_30_14_and_3_days_before():
    rows = deadline_rows(RULE, wib(2025, 10, 1, 9, 0), 2025)
    assert _kinds(rows) == [
        ("due", DUE_2025),
        ("reminder", datetime(2025, 11, 15, 16, 59, tzinfo=UTC)),
        ("reminder", datetime(2025, 12, 1, 16, 59, tzinfo=UTC)),
        ("reminder", datetime(2025, 12, 12, 16, 59, tzinfo=UTC)),
        ("escalation", datetime(2025, 12, 16, 16, 59, tzinfo=UTC)),
    ]


def _definition(**top) -> dict:
    registry.load_plugins()  # the guards, actions and lookups the file names
    raw = yaml.safe_load(Path("workflows/revitalisasi.yaml").read_text(encoding="utf-8"))
    raw.update(top)
    return raw


def test_the_revitalisasi_workflow_names_its_programme_year():
    defn = parse_definition(Path("x.yaml"), _definition())
    assert defn.programme_year == "rv_programme_year"
    assert parse_definition(Path("x.yaml"), {**_definition(), "programme_year": None}).programme_year is None


def test_an_unknown_programme_year_lookup_is_refused():
    with pytest.raises(DefinitionError, match="programme_year: pencarian tahun program tidak dikenal 'nope'"):
        parse_definition(Path("x.yaml"), _definition(programme_year="nope"))


def test_the_initial_state_may_not_count_until_in_the_programme_year():
    """Its rows are written when the case opens, before the feature stored the year."""
    raw = _definition()
    raw["states"]["draf"]["due"] = {"until": "12-15"}
    with pytest.raises(DefinitionError, match="state 'draf': state awal tidak dapat memakai due.until"):
        parse_definition(Path("x.yaml"), raw)
