"""Registers the feature command groups on the ``spmp`` CLI (kept apart so cli.py stays small)."""

from spmp import demo_cli as _demo_cli  # noqa: E402,F401
from spmp.accounts import cli as _accounts_cli  # noqa: E402,F401
from spmp.audit import cli as _audit_cli  # noqa: E402,F401
from spmp.digitalisasi import cli as _digitalisasi_cli  # noqa: E402,F401
from spmp.digitalisasi import field_cli as _digitalisasi_field_cli  # noqa: E402,F401
from spmp.engine import cli as _engine_cli  # noqa: E402,F401
from spmp.notifications import cli as _notifications_cli  # noqa: E402,F401
from spmp.revitalisasi import cli as _revitalisasi_cli  # noqa: E402,F401
from spmp.revitalisasi import selection_cli as _revitalisasi_selection_cli  # noqa: E402,F401
from spmp.schools import cli as _schools_cli  # noqa: E402,F401
from spmp.spme import cli as _spme_cli  # noqa: E402,F401
from spmp.spmi import cli as _spmi_cli  # noqa: E402,F401
from spmp.widyaprada import cli as _widyaprada_cli  # noqa: E402,F401
