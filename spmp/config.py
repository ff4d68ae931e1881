"""Configuration from ``SPMP_*`` environment variables (documented in README.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production mode without a secret key)."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"SPMP_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"SPMP_{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    env: str  # "development" or "production"
    secret_key: str = field(repr=False)
    ratelimit_storage_uri: str
    login_rate_limit: str
    session_idle_minutes: int
    session_absolute_hours: int
    lockout_threshold: int
    evidence_path: Path
    max_upload_mb: int
    mailbox_path: Path
    smtp_host: str | None
    smtp_port: int
    mail_from: str
    remember_me_enabled: bool
    sweep_interval_seconds: int = 60
    audit_key_file: Path | None = None  # Ed25519 key signing tree heads: keep it off the database's disk
    audit_anchor_file: Path | None = None  # tree heads appended outside the database
    audit_seal_interval_seconds: int = 5
    audit_unsealed_alarm_seconds: int = 120
    # How many reverse proxies in front of the web server to trust for X-Forwarded-For/-Proto/-Host.
    trusted_proxies: int = 0
    # Digitalisasi: the least electricity (W) a school needs for the interactive panels (government target).
    digital_min_watts: int = 2200

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def _secret_key(instance_path: Path, env: str) -> str:
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    if env == "production":
        raise ConfigError(
            "SPMP_SECRET_KEY is not set. Production mode refuses to start without a configured secret key."
        )
    # Development: generate once and keep it in the instance folder so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_settings() -> Settings:
    """Read settings from the environment. Raises ConfigError on unusable values."""
    instance_path = Path(_env("INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
    env = (_env("ENV") or "development").lower()
    if env not in {"development", "production"}:
        raise ConfigError(f"SPMP_ENV must be 'development' or 'production', got {env!r}")
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'spmp.sqlite3'}"
    _check_revit_threshold()
    return Settings(
        instance_path=instance_path,
        database_url=database_url,
        env=env,
        secret_key=_secret_key(instance_path, env),
        ratelimit_storage_uri=_env("RATELIMIT_STORAGE_URI") or "memory://",
        login_rate_limit=_env("LOGIN_RATE_LIMIT") or "10 per minute",
        session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_env_int("SESSION_ABSOLUTE_HOURS", 12),
        lockout_threshold=_env_int("LOCKOUT_THRESHOLD", 5),
        evidence_path=Path(_env("EVIDENCE_PATH") or instance_path / "evidence").resolve(),
        max_upload_mb=_env_int("MAX_UPLOAD_MB", 20),
        mailbox_path=Path(_env("MAILBOX_PATH") or instance_path / "mailbox.txt").resolve(),
        smtp_host=_env("SMTP_HOST") or None,
        smtp_port=_env_int("SMTP_PORT", 25),
        mail_from=_env("MAIL_FROM") or "spmp@localhost",
        remember_me_enabled=_env_bool("REMEMBER_ME", False),
        sweep_interval_seconds=_env_int("SWEEP_INTERVAL_SECONDS", 60),
        audit_key_file=Path(_env("AUDIT_KEY_FILE") or instance_path / "audit-signing-key.pem").resolve(),
        audit_anchor_file=Path(_env("AUDIT_ANCHOR_FILE") or instance_path / "audit-anchors.jsonl").resolve(),
        audit_seal_interval_seconds=_env_int("AUDIT_SEAL_INTERVAL_SECONDS", 5),
        audit_unsealed_alarm_seconds=_env_int("AUDIT_UNSEALED_ALARM_SECONDS", 120),
        trusted_proxies=_trusted_proxies(),
        digital_min_watts=_positive("DIGITAL_MIN_WATTS", 2200),
    )


def _check_revit_threshold() -> None:
    """SPMP_REVIT_TRANCHE2_MIN_PROGRESS is read where tranche II is decided (spmp.revitalisasi.execution);
    a bad value is refused here, when a process starts, rather than at the first decision."""
    from spmp.revitalisasi.execution import tranche2_min_progress

    try:
        tranche2_min_progress()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _positive(name: str, default: int) -> int:
    value = _env_int(name, default)
    if value <= 0:
        raise ConfigError(f"SPMP_{name} must be a positive number, got {value}")
    return value


def _trusted_proxies() -> int:
    value = _env_int("TRUSTED_PROXIES", 0)
    if not 0 <= value <= 10:
        raise ConfigError(f"SPMP_TRUSTED_PROXIES must be a number of proxies from 0 to 10, got {value}")
    return value


# Flask-Limiter storage schemes whose counts live inside one process: N workers would allow N times the limit.
PER_PROCESS_LIMITER_STORES = ("memory://",)


def check_web_settings(settings: Settings) -> None:
    """What the web server refuses to start with in production: a login rate limit kept per process."""
    if settings.is_production and settings.ratelimit_storage_uri.startswith(PER_PROCESS_LIMITER_STORES):
        raise ConfigError(
            "SPMP_RATELIMIT_STORAGE_URI is a per-process store "
            f"({settings.ratelimit_storage_uri!r}): with several workers each would count its own login "
            "attempts. Production mode needs a shared store, e.g. SPMP_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379"
        )
