"""No input answers 500 (issue 9 §2: ids beyond 64 bits in paths, cursors and form fields, a non-numeric
seen_version). Every rule of ``app.url_map`` gets random path values, query arguments and form fields (the
names the app's forms use, and a few more), GET and POST, as every role and as nobody, each POST with a
valid CSRF token so the random form reaches the view. With ``TESTING`` on, an exception in a view is raised
here with its traceback.

``SPMP_ROBUSTNESS_EXAMPLES`` sets the random examples per route and role (default 2), on top of the SWEEP
values sent to every route; each example is one request.
"""

from __future__ import annotations

import inspect
import os
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from tests.web.conftest import csrf_token, login
from tests.web.test_access_matrix import ROLES

EXAMPLES = int(os.environ.get("SPMP_ROBUSTNESS_EXAMPLES", "2"))
EDGE = [
    "", "0", "1", "-1", "2", str(2**31 - 1), str(2**31), str(2**63), str(2**64), "9" * 40, "1.5", "1e309",
    "nan", "inf", "-inf", "²⁰¹⁰", "٣", "１２", "besok", "2026-02-30", "2026-07-01", "<script>x</script>",
    "\x00", "a\x00b", "x" * 3000, "%", "../..", "A", "terjadwal", "csv", "xlsx", "pdf", "53.71", "53", "on",
]  # fmt: skip
# Also sent to every route, in every path argument, query argument and form field at once.
SWEEP = [str(2**64), "٣", "a\x00b"]
QUERY_NAMES = ["sebelum", "setelah", "q", "format", "tahun", "status", "jenis", "milik", "terbuka",
               "terlambat", "provinsi", "kabupaten", "peran", "next", "bentuk", "page"]  # fmt: skip
SPMI_PREFIXES = ["priority", "root_cause", "activity", "standard", "progress", "evaluation", "plan"]
# Routes that end the client's session run last, so the other routes are tried while logged in.
LAST = ("auth.logout", "admin.user_toggle_active", "admin.user_reset_password", "admin.user_reset_totp")


def _form_field_names() -> list[str]:
    """Every field name declared by a form class of the web package (and the SPMI step prefixes)."""
    import web.admin.forms
    import web.auth.forms
    import web.cases.forms
    import web.spme.forms
    import web.spmi.forms

    names = set()
    for module in (web.admin.forms, web.auth.forms, web.cases.forms, web.spme.forms, web.spmi.forms):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            names.update(n for n, v in inspect.getmembers(cls) if isinstance(v, UnboundField))
    names |= {f"{prefix}-{name}" for prefix in SPMI_PREFIXES for name in list(names)}
    return sorted(names | {"seen_version", "evidence_id", "reason", "comment", "resume", "aktif", "buka",
                           "input_visit_date", "input_summary", "note-general", "note-priority-1",
                           "note-activity-99999999999999999999"})  # fmt: skip


FIELDS = _form_field_names()
values = st.one_of(
    st.sampled_from(EDGE),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=20),
)
path_values = st.one_of(
    st.sampled_from(EDGE[:20]), st.integers(-(2**80), 2**80).map(str), st.text(max_size=12)
)
queries = st.dictionaries(st.sampled_from(QUERY_NAMES), values, max_size=3)
forms = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)
_ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _routes(app) -> list[tuple[str, str, str]]:
    routes = [
        (rule.rule, method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods & {"GET", "POST"})
    ]
    return sorted(routes, key=lambda r: (r[2] in LAST, r[2], r[1]))


def _path(rule: str, drawn: list[str]) -> str:
    parts = iter(drawn)
    return _ARG.sub(lambda _m: quote(next(parts), safe="") or "x", rule)


def _route_property(client, rule: str, method: str, token: str, counter: list[int]):
    """A hypothesis test sending random requests to one route (path values, query, form)."""
    arity = len(_ARG.findall(rule))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(path_values, min_size=arity, max_size=arity), queries, forms)
    def one(drawn, query, form):
        url = _path(rule, drawn) + ("?" + urlencode(query) if query else "")
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**form, "csrf_token": token})
        counter[0] += 1
        assert response.status_code < 500, f"{method} {url} {form!r}: {response.status_code}"
        response.close()

    for edge in SWEEP:
        one = example([edge] * arity, dict.fromkeys(QUERY_NAMES, edge), dict.fromkeys(FIELDS, edge))(one)
    return one


def _hammer(client, app, token: str) -> int:
    """Throw random requests at every route; the number of requests sent."""
    counter = [0]
    for rule, method, _endpoint in _routes(app):
        _route_property(client, rule, method, token, counter)()
    return counter[0]


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_to_random_input(app, world, role):
    client = app.test_client()
    assert login(client, world["users"][role]).status_code == 302
    assert _hammer(client, app, csrf_token(client, "/")) >= len(_routes(app))


def test_no_route_answers_500_to_random_input_without_login(app, world):
    client = app.test_client()
    assert _hammer(client, app, csrf_token(client, "/login")) >= len(_routes(app))


def test_nul_anywhere_is_refused_with_a_message(client, world):
    login(client, world["users"]["admin"])
    token = csrf_token(client, "/")
    for response in (
        client.get("/sekolah?q=a%00b"),
        client.get("/spmi/progres/53%0071"),
        client.post("/kasus/baru", data={"title": "a\x00b", "csrf_token": token}),
    ):
        assert response.status_code == 400
        assert "karakter NUL" in response.get_data(as_text=True)
