"""Flask extensions, created once and bound in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
# Storage comes from SPMP_RATELIMIT_STORAGE_URI (e.g. redis://127.0.0.1:6379) so several workers share counts.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
