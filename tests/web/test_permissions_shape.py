"""Issue 9 §3: who may do what is answered by predicates (spmp/<feature>/permissions.py); no view or
template tests role codes, and SCHOOL_ROLES is defined once."""

from __future__ import annotations

import re
from pathlib import Path

import spmp
import web

WEB = Path(web.__file__).parent
SPMP = Path(spmp.__file__).parent
# A role test: `x.role ==`, `.role in (...)`, `.role not in`, `.role !=`, the Role enum, or a role code
# written as a string ("admin" and "pusat" are also blueprint/endpoint names, so they are left to the rest).
ROLE_TEST = re.compile(
    r"\.role\s*(==|!=|in\b|not\s+in\b)|\bRole\.|"
    r"['\"](school_operator|principal|widyaprada|bpmp_staff|bpmp_head|dinas_province|dinas_regency|facilitator)['\"]"
)


def _views_and_templates():
    yield from WEB.rglob("views*.py")
    yield from WEB.rglob("*.html")


def test_no_view_or_template_tests_role_codes():
    found = [
        f"{path.relative_to(WEB.parent)}:{number}: {line.strip()[:100]}"
        for path in _views_and_templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_TEST.search(line)
    ]
    assert found == [], "use a can_* predicate from spmp/<feature>/permissions.py:\n" + "\n".join(found)


def test_the_check_finds_a_role_test():
    assert ROLE_TEST.search("{% if current_user.role == 'widyaprada' %}")
    assert ROLE_TEST.search("if current_user.role not in spme.RECORD_ROLES:")
    assert not ROLE_TEST.search("{{ current_user.role_label }}")


def test_school_roles_is_defined_once():
    definitions = [
        str(path.relative_to(SPMP.parent))
        for root in (SPMP, WEB)
        for path in root.rglob("*.py")
        if re.search(r"^SCHOOL_ROLES\s*=", path.read_text(encoding="utf-8"), re.M)
    ]
    assert definitions == ["spmp/accounts/models.py"]
