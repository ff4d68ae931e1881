"""Property-based test over every workflow in workflows/: random triggers fired by random users.

Invariants: the state is always declared; a refused trigger gives a reason and changes nothing; an
accepted one moves to the declared destination and bumps the version by exactly one; whatever
``available_actions`` offers as allowed can be fired; the audit chain always verifies.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from spmp import clock
from spmp.db import Database
from spmp.engine import ActionRefused, CaseNotFound, available_actions, fire, open_case, store_evidence
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition, workflows
from tests.audit_support import log_ok
from tests.spmp.engine.support import make_world

KEYS = sorted(workflows().current_versions)
USERS = [
    "operator", "principal", "widyaprada", "widyaprada2", "bpmp_staff", "bpmp_head", "dinas_province",
    "dinas_regency", "facilitator", "pusat", "admin", "other_principal", "other_staff",
]  # fmt: skip
_counter = itertools.count()


def _machine_for(key: str, engine, database_url: str):
    workflow = get_definition(key)
    triggers = sorted({t.trigger for t in workflow.transitions})

    class WorkflowMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.connection = engine.connect()
            self.outer = self.connection.begin()
            self.session = Database.bound_to(self.connection, database_url).session(write=True)
            self.evidence_root = Path(tempfile.mkdtemp(prefix="spmp-prop-"))
            self.case_id: int | None = None

        def teardown(self) -> None:
            self.session.close()
            self.outer.rollback()
            self.connection.close()

        @initialize()
        def open(self) -> None:
            self.world = make_world(self.session)
            opener = next(
                n
                for n in ("admin", "bpmp_staff", "pusat", "bpmp_head")
                if self.world[n].role in workflow.open_roles
            )
            case = open_case(
                self.session, self.world[opener], key, title="Uji properti", school_id=self.world.school.id,
                assignee_user_id=self.world["widyaprada"].id,
            )  # fmt: skip
            self.case_id = case.id

        def _case(self) -> CaseRecord:
            case = self.session.get(CaseRecord, self.case_id)
            self.session.refresh(case)
            return case

        @rule(trigger=st.sampled_from(triggers), who=st.sampled_from(USERS), with_inputs=st.booleans())
        def fire_trigger(self, trigger: str, who: str, with_inputs: bool) -> None:
            case = self._case()
            state, version = case.state, case.version
            transition = workflow.transition(state, trigger)
            inputs = {i.name: "2026-03-10" for i in transition.inputs} if (transition and with_inputs) else {}
            try:
                result = fire(self.session, self.case_id, trigger, self.world[who], version, inputs=inputs)
            except (ActionRefused, CaseNotFound) as exc:
                assert str(exc), "a refusal always says why"
                after = self._case()
                assert (after.state, after.version) == (state, version)
                return
            assert transition is not None
            assert result.to_state == transition.dest
            after = self._case()
            assert (after.state, after.version) == (transition.dest, version + 1)

        @rule(who=st.sampled_from(USERS))
        def allowed_actions_can_fire(self, who: str) -> None:
            case = self._case()
            user = self.world[who]
            allowed = [o.transition for o in available_actions(self.session, case, user) if o.allowed]
            for option in available_actions(self.session, case, user):
                assert option.allowed or option.reason
            if allowed:
                transition = allowed[0]
                inputs = {i.name: "isi" for i in transition.inputs}
                seen, state = case.version, case.state
                try:
                    result = fire(self.session, self.case_id, transition.trigger, user, seen, inputs=inputs)
                except ActionRefused as exc:
                    # Only the values of inputs (unknown to available_actions) may still be refused.
                    assert transition.inputs and str(exc)
                    assert (self._case().state, self._case().version) == (state, seen)
                    return
                assert result.version == seen + 1

        @rule(who=st.sampled_from(["widyaprada", "principal", "bpmp_staff"]))
        def upload_evidence(self, who: str) -> None:
            data = f"%PDF-1.4 bukti {next(_counter)}".encode()
            try:
                store_evidence(
                    self.session, self.world[who], self.case_id, "bukti.pdf", data, self.evidence_root
                )
            except ActionRefused as exc:
                assert "ditutup" in str(exc)

        @invariant()
        def state_is_declared(self) -> None:
            if self.case_id is not None:
                assert self._case().state in workflow.states

        @invariant()
        def chain_verifies(self) -> None:
            if self.case_id is not None:
                assert log_ok(self.session)

    return WorkflowMachine


@pytest.mark.parametrize("key", KEYS)
def test_random_triggers_keep_invariants(key, engine, database_url):
    clock.set_clock(None)
    machine = _machine_for(key, engine, database_url)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
