"""Use cases of the Revitalisasi selection: the parameters of a programme year, a run over the verified
proposals (saved with its parameters and inputs), the comparison of two runs, and the publication of one
(frozen, audited, SK and PKS numbers recorded; each proposal's case moves to terpilih / tidak terpilih
through the engine). Operations take the session and the acting user, flush, and never commit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import User
from spmp.bulk_insert import insert_dicts
from spmp.engine import fire
from spmp.engine.cases import CaseRecord
from spmp.errors import Refusal
from spmp.regions.models import Province, Regency
from spmp.revitalisasi import selection_permissions as permissions
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.revitalisasi.selection import (
    Candidate,
    Limit,
    SelectionError,
    SelectionParams,
    SelectionResult,
    fmt,
)
from spmp.revitalisasi.selection import select as solve
from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun, SelectionSetting
from spmp.schools.models import BentukPendidikan, School

PUBLISH_BATCH = 2000  # proposals moved per page request or scheduler run: a few seconds of work
VERIFIED_STATE = "diterima"  # workflows/revitalisasi.yaml: passed verval, waiting for the selection
INSERT_BATCH = 5000

# The selection's level of a school form (bentuk pendidikan); PAUD forms by their jenjang.
LEVEL_OF_BENTUK = {
    "SD": "SD", "SDTK": "SD", "SPK SD": "SD",
    "SMP": "SMP", "SPK SMP": "SMP", "SMPTK": "SMP",
    "SMA": "SMA", "SPK SMA": "SMA", "SMTK": "SMA", "SMAg.K": "SMA",
    "SMK": "SMK",
    "SDLB": "SLB", "SMPLB": "SLB", "SMLB": "SLB", "SLB": "SLB",
}  # fmt: skip
LEVELS = ("SD", "SMP", "SMA", "SMK", "SLB", "PAUD")


class SelectionRefused(Refusal):
    """A selection operation that may not go on (permission, frozen run, bad parameters)."""


def level_of(bentuk: str, jenjang: str) -> str:
    if jenjang == "PAUD":
        return "PAUD"
    return LEVEL_OF_BENTUK.get(bentuk, bentuk)


def default_params() -> SelectionParams:
    """A programme year's parameters before Pusat sets them: the 2026 budget (≈ Rp 12 T), at most 60
    schools per regency, at least one per regency that proposed."""
    return SelectionParams(budget=12_000_000_000_000, regency_limit=Limit(1, 60))


# --- parameters ---------------------------------------------------------------------------------------


def get_params(session: Session, year: int) -> tuple[SelectionParams, SelectionSetting | None]:
    setting = session.get(SelectionSetting, year)
    if setting is None:
        return default_params(), None
    return SelectionParams.from_dict(json.loads(setting.params)), setting


def save_params(session: Session, actor: User, year: int, params: SelectionParams) -> SelectionSetting:
    """Set the parameters of ``year`` (an authorised Pusat user); audited with the old and new values."""
    if not permissions.can_set_params(actor):
        raise SelectionRefused("Hanya pengguna Pusat yang berwenang yang dapat menetapkan parameter seleksi.")
    try:
        params.validate()
    except SelectionError as exc:
        raise SelectionRefused(str(exc)) from exc
    setting = session.get(SelectionSetting, year)
    before = json.loads(setting.params) if setting else None
    if setting is None:
        setting = SelectionSetting(year=year)
        session.add(setting)
    setting.params = json.dumps(params.to_dict(), sort_keys=True)
    setting.updated_by_id, setting.updated_at = actor.id, clock.now()
    session.flush()
    audit.append(session, action="revit_selection_params", actor_id=actor.id, reason=f"Parameter seleksi {year}",
                 changes={"year": year, "before": before, "after": params.to_dict()})  # fmt: skip
    return setting


# --- candidates -----------------------------------------------------------------------------------------


def load_candidates(session: Session, year: int) -> list[Candidate]:
    """The proposals of ``year`` that passed verval, as selection candidates (one query, no ORM objects)."""
    statement = (
        select(
            RevitalisasiProposal.id, School.name, School.regency_code, Regency.name, School.province_code,
            Province.name, School.bentuk, BentukPendidikan.jenjang, RevitalisasiProposal.requested_budget,
            RevitalisasiProposal.damage_percent, RevitalisasiProposal.last_rehab_year, RevitalisasiProposal.is_3t,
            School.is_disaster_area, RevitalisasiProposal.pupils_affected, School.npsn,
        )
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .join(School, School.id == RevitalisasiProposal.school_id)
        .join(Regency, Regency.code == School.regency_code)
        .join(Province, Province.code == School.province_code)
        .join(BentukPendidikan, BentukPendidikan.code == School.bentuk)
        .where(RevitalisasiProposal.year == year, CaseRecord.state == VERIFIED_STATE)
        .order_by(RevitalisasiProposal.id)
    )  # fmt: skip
    return [
        Candidate(
            id=pid, name=name, regency=reg, regency_name=reg_name, province=prov, province_name=prov_name,
            level=level_of(bentuk, jenjang), cost=int(cost), damage_pct=float(damage or 0),
            years_since_rehab=None if last is None else max(year - last, 0), is_3t=bool(t3),
            disaster=bool(disaster), pupils=int(pupils or 0), npsn=npsn,
        )
        for (pid, name, reg, reg_name, prov, prov_name, bentuk, jenjang, cost, damage, last, t3, disaster, pupils,
             npsn) in session.execute(statement)
    ]  # fmt: skip


# --- runs -----------------------------------------------------------------------------------------------


@dataclass
class RunOutcome:
    result: SelectionResult
    params: SelectionParams
    run: SelectionRun | None  # None for a dry run


def run_selection(
    session: Session,
    actor: User,
    year: int,
    *,
    dry_run: bool = False,
    note: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Select among the verified proposals of ``year`` with its parameters; save the run (unless
    ``dry_run``) with its parameters, inputs and every decision."""
    if not permissions.can_run(actor):
        raise SelectionRefused("Hanya pengguna Pusat yang dapat menjalankan seleksi.")
    say = progress or (lambda _message: None)
    params, _setting = get_params(session, year)
    say("Memuat usulan terverifikasi")
    candidates = load_candidates(session, year)
    say(f"{fmt(len(candidates), 0)} usulan; menyelesaikan program bilangan bulat (HiGHS)")
    try:
        result = solve(candidates, params)
    except SelectionError as exc:
        raise SelectionRefused(str(exc)) from exc
    if dry_run:
        return RunOutcome(result, params, None)
    say("Menyimpan hasil")
    run = _save_run(session, actor, year, params, result, note)
    audit.append(session, action="revit_selection_run", actor_id=actor.id, reason=f"Seleksi {year}, run {run.id}",
                 changes={"run_id": run.id, "year": year, "selected": run.selected,
                          "objective": run.objective, "status": run.solver_status})  # fmt: skip
    return RunOutcome(result, params, run)


def _save_run(session, actor, year, params, result: SelectionResult, note) -> SelectionRun:
    summary = result.summary()
    run = SelectionRun(
        year=year, state="draf", params=json.dumps(params.to_dict(), sort_keys=True),
        summary=json.dumps(summary, sort_keys=True), solver_status=result.status,
        candidates=summary["candidates"], selected=summary["selected"], objective=result.objective,
        greedy_objective=result.greedy_objective, lp_bound=result.lp_bound, total_cost=result.total_cost,
        note=note or None, created_by_id=actor.id, created_at=clock.now(),
    )  # fmt: skip
    session.add(run)
    session.flush()
    # Up to ~100,000 rows: COPY on PostgreSQL (the ORM's executemany took ~290 s there).
    decisions = result.decisions
    for start in range(0, len(decisions), INSERT_BATCH):
        insert_dicts(
            session,
            SelectionItem.__table__,
            [_item_row(run.id, d) for d in decisions[start : start + INSERT_BATCH]],
        )
    # A run adds up to ~100,000 rows at once: fresh statistics, or the planner takes the table for small
    # (measured on PostgreSQL: comparing two unanalysed runs took minutes with a nested loop).
    session.execute(text("ANALYZE revitalisasi_selection_item"))
    return run


def _item_row(run_id: int, d) -> dict:
    c = d.candidate
    p = d.breakdown
    return {
        "run_id": run_id, "proposal_id": c.id, "npsn": c.npsn, "school_name": c.name,
        "regency_code": c.regency, "province_code": c.province, "level": c.level, "cost": c.cost,
        "damage_percent": c.damage_pct, "years_since_rehab": c.years_since_rehab, "is_3t": c.is_3t,
        "is_disaster": c.disaster, "pupils": c.pupils, "score": d.score, "points_damage": p[0],
        "points_rehab": p[1], "points_3t": p[2], "points_disaster": p[3], "points_level": p[4],
        "points_pupils": p[5], "rank": d.rank, "selected": d.selected, "greedy_selected": d.greedy_selected,
        "reason_code": d.reason_code, "reason": d.reason,
    }  # fmt: skip


# --- publication ----------------------------------------------------------------------------------------


def publish_run(
    session: Session,
    actor: User,
    run: SelectionRun,
    *,
    sk_number: str,
    pks_number: str,
    progress: Callable[[int, int], None] | None = None,
    limit: int | None = None,
) -> SelectionRun:
    """Publish ``run``: frozen from then on, audited with the SK and PKS numbers; every proposal of the
    run moves to terpilih or tidak terpilih through the engine, with its reason.

    ``limit``: move at most that many proposals now (a page may not hold a request open for a national
    run's 100,000 transitions); the scheduler moves the rest (:func:`continue_publications`)."""
    if not permissions.can_publish(actor):
        raise SelectionRefused("Hanya pengguna Pusat yang dapat menetapkan hasil seleksi.")
    sk_number, pks_number = (sk_number or "").strip(), (pks_number or "").strip()
    if not sk_number or not pks_number:
        raise SelectionRefused(
            "Nomor SK penetapan dan nomor PKS wajib diisi untuk menerbitkan hasil seleksi."
        )
    if run.is_published:
        raise SelectionRefused(f"Run {run.id} sudah diterbitkan dan dibekukan.")
    other = session.scalar(
        select(SelectionRun.id).where(SelectionRun.year == run.year, SelectionRun.state == "diterbitkan")
    )
    if other is not None:
        raise SelectionRefused(
            f"Seleksi {run.year} sudah diterbitkan (run {other}); hasil terbit tidak diubah."
        )
    stale = _changed_since_run(session, run)
    if stale:
        raise SelectionRefused(
            f"{stale:,} usulan berubah status sejak run {run.id} dijalankan; jalankan seleksi lagi.".replace(
                ",", "."
            )
        )
    run.state, run.sk_number, run.pks_number = "diterbitkan", sk_number, pks_number
    run.published_by_id, run.published_at = actor.id, clock.now()
    session.flush()
    _decide_cases(session, actor, run, progress, limit)
    audit.append(session, action="revit_selection_publish", actor_id=actor.id,
                 reason=f"Seleksi {run.year} diterbitkan: SK {sk_number}, PKS {pks_number}",
                 changes={"run_id": run.id, "year": run.year, "sk_number": sk_number, "pks_number": pks_number,
                          "selected": run.selected, "objective": run.objective})  # fmt: skip
    return run


def _undecided_cases(run: SelectionRun):
    """The run's proposals still waiting for the selection's decision, best rank first."""
    return (
        select(SelectionItem.selected, SelectionItem.reason, CaseRecord.id, CaseRecord.version)
        .join(RevitalisasiProposal, RevitalisasiProposal.id == SelectionItem.proposal_id)
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .where(SelectionItem.run_id == run.id, CaseRecord.state == VERIFIED_STATE)
        .order_by(SelectionItem.rank)
    )


def undecided_count(session: Session, run: SelectionRun) -> int:
    """How many proposals of a published run have not been moved to terpilih / tidak terpilih yet."""
    return session.scalar(select(func.count()).select_from(_undecided_cases(run).subquery())) or 0


def _changed_since_run(session: Session, run: SelectionRun) -> int:
    """Proposals of the run no longer waiting for the selection, plus verified ones the run did not see."""
    gone = session.scalar(
        select(func.count())
        .select_from(SelectionItem)
        .join(RevitalisasiProposal, RevitalisasiProposal.id == SelectionItem.proposal_id)
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .where(SelectionItem.run_id == run.id, CaseRecord.state != VERIFIED_STATE)
    )
    seen = select(SelectionItem.proposal_id).where(SelectionItem.run_id == run.id)
    new = session.scalar(
        select(func.count())
        .select_from(RevitalisasiProposal)
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .where(RevitalisasiProposal.year == run.year, CaseRecord.state == VERIFIED_STATE,
               RevitalisasiProposal.id.not_in(seen))
    )  # fmt: skip
    return int(gone or 0) + int(new or 0)


def _decide_cases(session, actor, run, progress=None, limit: int | None = None) -> int:
    statement = _undecided_cases(run)
    rows = session.execute(statement if limit is None else statement.limit(limit)).all()
    for done, (selected, reason, case_id, version) in enumerate(rows, start=1):
        fire(session, case_id, "select" if selected else "not_select", actor, version,
             reason=f"{reason} (nomor SK: {run.sk_number})")  # fmt: skip
        if progress and (done % 500 == 0 or done == len(rows)):
            progress(done, len(rows))
    return len(rows)


def continue_publications(session: Session, batch: int = PUBLISH_BATCH) -> int:
    """Move the next ``batch`` undecided proposals of each published run, as the user who published it
    (the scheduler's job; idempotent: a proposal already moved is not picked again). Returns how many moved."""
    moved = 0
    published = session.scalars(select(SelectionRun).where(SelectionRun.state == "diterbitkan"))
    for run in list(published):
        moved += _decide_cases(session, run.published_by, run, limit=batch)
    return moved


def seed_demo_run(session: Session, pusat: User | None, year: int = 2026) -> None:
    """``spmp demo seed``: one draft run over the demo's verified proposals, so the result page has data."""
    if pusat is None or session.scalar(select(SelectionRun.id).limit(1)) is not None:
        return
    if load_candidates(session, year):
        run_selection(session, pusat, year, note="Demo: parameter awal")


# --- parameters as text (the page and the CLI) ---------------------------------------------------------


def parse_number(text: str, field: str) -> float:
    """An Indonesian number: "1.500.000", "0,9", "12000000000000"."""
    cleaned = (text or "").strip().replace(" ", "")
    if cleaned.count(",") == 1:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif cleaned.count(".") > 1 or (cleaned.count(".") == 1 and len(cleaned.split(".")[1]) == 3):
        cleaned = cleaned.replace(".", "")
    try:
        return float(cleaned)
    except ValueError:
        raise SelectionRefused(f"{field}: {text!r} bukan angka.") from None


def parse_limits(text: str, field: str) -> dict[str, Limit]:
    """Lines "KODE: MIN-MAKS" ("53.05: 2-20", "SMA: 0-1200", "SLB: 250-"): empty MAKS means no maximum."""
    out: dict[str, Limit] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, bounds = line.partition(":")
        low, dash, high = bounds.partition("-")
        if not sep or not dash or not code.strip():
            raise SelectionRefused(
                f"{field}, baris {number}: tulis sebagai KODE: MIN-MAKS (mis. SMA: 0-1200)."
            )
        try:
            limit = Limit(int(low.strip() or 0), int(high.strip()) if high.strip() else None)
        except ValueError:
            raise SelectionRefused(
                f"{field}, baris {number}: minimum dan maksimum harus bilangan bulat."
            ) from None
        out[code.strip()] = limit
    return out


def parse_budget_limits(text: str, field: str) -> dict[str, Limit]:
    """Lines "KODE: MIN-MAKS" in rupiah ("53.05: 0-25.000.000.000", "53: 5.000.000.000-"): empty MAKS
    means no maximum."""
    out: dict[str, Limit] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, bounds = line.partition(":")
        low, dash, high = bounds.partition("-")
        if not sep or not dash or not code.strip():
            raise SelectionRefused(
                f"{field}, baris {number}: tulis sebagai KODE: MIN-MAKS dalam rupiah "
                "(mis. 53.05: 0-25.000.000.000)."
            )
        where = f"{field}, baris {number}"
        out[code.strip()] = Limit(
            _rupiah_value(low, where), _rupiah_value(high, where) if high.strip() else None
        )
    return out


def _rupiah_value(text: str, field: str) -> int:
    if not (text or "").strip():
        return 0
    value = parse_number(text, field)
    if value != int(value) or value < 0:
        raise SelectionRefused(f"{field}: rupiah harus bilangan bulat tidak negatif.")
    return int(value)


def parse_factors(text: str, field: str) -> dict[str, float]:
    """Lines or ";"-separated "JENJANG: FAKTOR" ("SD: 1", "SMP: 0,9")."""
    out: dict[str, float] = {}
    for part in (text or "").replace(";", "\n").splitlines():
        if not part.strip():
            continue
        level, sep, value = part.partition(":")
        if not sep:
            raise SelectionRefused(f"{field}: tulis sebagai JENJANG: FAKTOR (mis. SMP: 0,9).")
        out[level.strip()] = parse_number(value, f"{field} {level.strip()}")
    return out


def limits_text(limits: dict[str, Limit]) -> str:
    return "\n".join(
        f"{code}: {v.min}-{'' if v.max is None else v.max}" for code, v in sorted(limits.items())
    )


def budget_limits_text(limits: dict[str, Limit]) -> str:
    return "\n".join(
        f"{code}: {_thousands(v.min)}-{'' if v.max is None else _thousands(v.max)}"
        for code, v in sorted(limits.items())
    )


def _thousands(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def factors_text(factors: dict[str, float]) -> str:
    return "\n".join(f"{k}: {str(v).replace('.', ',')}" for k, v in factors.items())


PARAM_FIELDS = {
    "anggaran": "Anggaran total (Rp)",
    "bobot_kerusakan": "Bobot tingkat kerusakan",
    "bobot_rehab": "Bobot belum direhabilitasi",
    "bobot_3t": "Bobot afirmasi 3T",
    "bobot_bencana": "Bobot daerah bencana",
    "bobot_jenjang": "Bobot jenjang",
    "bobot_pd": "Bobot peserta didik terdampak",
    "tahun_rehab": "Aturan tahun sejak rehabilitasi",
    "batas_pd": "Batas peserta didik",
    "kab_min": "Minimum sekolah per kabupaten/kota",
    "kab_maks": "Maksimum sekolah per kabupaten/kota",
    "prov_min": "Minimum sekolah per provinsi",
    "prov_maks": "Maksimum sekolah per provinsi",
    "faktor_jenjang": "Faktor jenjang",
    "kuota_jenjang": "Kuota jenjang",
    "batas_kab": "Batas khusus kabupaten/kota",
    "batas_prov": "Batas khusus provinsi",
    "kab_pagu_min": "Anggaran minimum per kabupaten/kota (Rp)",
    "kab_pagu_maks": "Pagu anggaran per kabupaten/kota (Rp)",
    "prov_pagu_min": "Anggaran minimum per provinsi (Rp)",
    "prov_pagu_maks": "Pagu anggaran per provinsi (Rp)",
    "pagu_kab": "Anggaran khusus kabupaten/kota",
    "pagu_prov": "Anggaran khusus provinsi",
}


def params_from_values(values) -> SelectionParams:
    """Parameters from the page's (or a file's) text values; a bad value is refused naming its field."""
    from spmp.revitalisasi.selection import Weights

    def number(key: str) -> float:
        return parse_number(values.get(key, ""), PARAM_FIELDS[key])

    def whole(key: str, optional: bool = False) -> int | None:
        text = (values.get(key) or "").strip()
        if optional and not text:
            return None
        value = number(key)
        if value != int(value) or value < 0:
            raise SelectionRefused(f"{PARAM_FIELDS[key]}: harus bilangan bulat tidak negatif.")
        return int(value)

    def money(key: str, optional: bool = False) -> int | None:
        """Rupiah; an empty minimum is 0, an empty maximum is no maximum."""
        if not (values.get(key) or "").strip():
            return None if optional else 0
        return _rupiah_value(values.get(key), PARAM_FIELDS[key])

    params = SelectionParams(
        budget=int(number("anggaran")),
        weights=Weights(number("bobot_kerusakan"), number("bobot_rehab"), number("bobot_3t"),
                        number("bobot_bencana"), number("bobot_jenjang"), number("bobot_pd")),
        rehab_rule_years=whole("tahun_rehab"),
        pupils_cap=whole("batas_pd"),
        level_factors=parse_factors(values.get("faktor_jenjang", ""), PARAM_FIELDS["faktor_jenjang"]),
        regency_limit=Limit(whole("kab_min"), whole("kab_maks", optional=True)),
        province_limit=Limit(whole("prov_min"), whole("prov_maks", optional=True)),
        regency_overrides=parse_limits(values.get("batas_kab", ""), PARAM_FIELDS["batas_kab"]),
        province_overrides=parse_limits(values.get("batas_prov", ""), PARAM_FIELDS["batas_prov"]),
        level_quotas=parse_limits(values.get("kuota_jenjang", ""), PARAM_FIELDS["kuota_jenjang"]),
        regency_budget=Limit(money("kab_pagu_min"), money("kab_pagu_maks", optional=True)),
        province_budget=Limit(money("prov_pagu_min"), money("prov_pagu_maks", optional=True)),
        regency_budget_overrides=parse_budget_limits(values.get("pagu_kab", ""), PARAM_FIELDS["pagu_kab"]),
        province_budget_overrides=parse_budget_limits(values.get("pagu_prov", ""), PARAM_FIELDS["pagu_prov"]),
    )  # fmt: skip
    try:
        params.validate()
    except SelectionError as exc:
        raise SelectionRefused(str(exc)) from exc
    return params


def values_from_params(params: SelectionParams) -> dict[str, str]:
    """The page's text values of ``params`` (the inverse of :func:`params_from_values`)."""
    w = params.weights

    def num(x: float) -> str:
        return (f"{x:g}").replace(".", ",")

    return {
        "anggaran": str(params.budget), "bobot_kerusakan": num(w.damage), "bobot_rehab": num(w.rehab),
        "bobot_3t": num(w.affirmation_3t), "bobot_bencana": num(w.disaster), "bobot_jenjang": num(w.level),
        "bobot_pd": num(w.pupils), "tahun_rehab": str(params.rehab_rule_years), "batas_pd": str(params.pupils_cap),
        "kab_min": str(params.regency_limit.min),
        "kab_maks": "" if params.regency_limit.max is None else str(params.regency_limit.max),
        "prov_min": str(params.province_limit.min),
        "prov_maks": "" if params.province_limit.max is None else str(params.province_limit.max),
        "faktor_jenjang": factors_text(params.level_factors), "kuota_jenjang": limits_text(params.level_quotas),
        "batas_kab": limits_text(params.regency_overrides), "batas_prov": limits_text(params.province_overrides),
        "kab_pagu_min": _thousands(params.regency_budget.min) if params.regency_budget.min else "",
        "kab_pagu_maks": "" if params.regency_budget.max is None else _thousands(params.regency_budget.max),
        "prov_pagu_min": _thousands(params.province_budget.min) if params.province_budget.min else "",
        "prov_pagu_maks": "" if params.province_budget.max is None else _thousands(params.province_budget.max),
        "pagu_kab": budget_limits_text(params.regency_budget_overrides),
        "pagu_prov": budget_limits_text(params.province_budget_overrides),
    }  # fmt: skip
