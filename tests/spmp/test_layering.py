import subprocess
import sys


def test_importing_spmp_loads_no_flask():
    code = (
        "import sys, spmp.models, spmp.cli, spmp.access, spmp.accounts.operations, spmp.schools.queries\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'flask_login', 'wtforms', 'flask_wtf', 'web'})\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
