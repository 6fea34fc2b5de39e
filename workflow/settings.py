"""Configuration from the environment (prefix PLANFLOW_) with safe embedded defaults."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AwareDatetime, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# Public (it is in the source), so never a key a server may sign with: see `own_secret_key`.
DEFAULT_SECRET_KEY = "dev-only-change-me-in-production-0123456789"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY_FILE = "secret_key"  # noqa: S105 — a file name


class Settings(BaseSettings):
    """All knobs of planflow; one instance per process via `get_settings()`."""

    model_config = SettingsConfigDict(
        env_prefix="PLANFLOW_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Literal["embedded", "distributed"] = "embedded"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'planflow.db'}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    var_dir: Path = ROOT / "var"
    base_url: str = "http://127.0.0.1:8000"
    # Signs sessions, tokens and mailed links. Embedded mode replaces the default by a key
    # generated once per install (var/secret_key); any other mode must set its own.
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)

    # Database connections. A request holds at most one, for its whole life; requests
    # beyond the pool (size + overflow) wait on the event loop up to the pool timeout and
    # are then answered 503 with Retry-After (README "Performance").
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_retry_after_seconds: int = Field(default=2, ge=1)
    # SQLite (embedded): a write waits this long for the write lock instead of failing.
    sqlite_busy_timeout_seconds: float = Field(default=30.0, gt=0)
    # SQLite (embedded): requests reading at once, beside the one writer. The work is Python
    # in one process, so more reader threads add no throughput; they only take turns at the
    # interpreter lock with the writer, whose turn then lasts longer and whose queue grows
    # (200 clients: 13 readers gave 443 × 503; 3 readers none, README "Under load").
    sqlite_reader_slots: int = Field(default=3, ge=1)

    timezone: str = "Asia/Ho_Chi_Minh"
    due_soon_working_days: int = 3
    # Deadlines are the end of a working day in the agency's zone.
    end_of_day_hour: int = 17
    end_of_day_minute: int = 0

    # Mail
    mail_backend: Literal["maildir", "smtp"] = "maildir"
    mail_from: str = "planflow@sonoivu.example.vn"
    mail_from_name: str = "Hệ thống giao việc Sở Nội vụ"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 10.0
    mail_give_up_hours: float = 48.0
    # CA bundle to verify the SMTP server's certificate (None: the system's).
    smtp_ca_file: str | None = None
    # Retries after a 4xx: exponential from base to max seconds, with jitter.
    mail_retry_base_seconds: float = 60.0
    mail_retry_max_seconds: float = 3600.0
    # A server fault (unreachable, 5xx not about the recipient, login refused) never fails a
    # mail: it is retried with the same backoff capped at this, so recovery is seen soon.
    mail_server_retry_max_seconds: float = Field(default=300.0, gt=0)
    # The administrators are mailed about a failing server once it lasted this long (then
    # once a day while it lasts); a shorter blip is only logged.
    mail_alarm_after_minutes: float = Field(default=10.0, ge=0)
    outbox_batch_size: int = 200
    # The Celery delivery commits after each message; True makes each commit wait for the
    # disk (a PostgreSQL crash then never forgets a "sent" mark), at a cost per message.
    outbox_synchronous_commit: bool = False
    # Grouped mail (docs/decisions/0021-grouped-mail.md): items listed before "see all", and
    # how long a sweep run's reminders wait for the run's other batches (distributed mode).
    mail_group_fold: int = Field(default=20, ge=1)
    mail_group_settle_seconds: float = Field(default=60.0, ge=0)
    # Reply by mail (docs/decisions/0032-reply-by-mail.md, docs/operations.md): off by
    # default. "subaddress": Reply-To is `planflow+TOKEN@domain` of `mail_reply_address`
    # (the server delivers plus-addressed mail to that mailbox); "mailbox": Reply-To is
    # `mail_reply_address` itself and the token travels in References. The mailbox is read
    # over IMAP by the `receive_replies` job.
    mail_reply_mode: Literal["off", "subaddress", "mailbox"] = "off"
    # The mailbox replies go to (None: `mail_from`).
    mail_reply_address: str | None = None
    # A reply token is refused once its item is closed, once revoked, or after this long.
    mail_reply_token_days: int = Field(default=180, ge=1)
    # Messages read per run at most (the rest waits for the next run).
    mail_reply_batch: int = Field(default=100, ge=1)
    imap_host: str = "127.0.0.1"
    imap_port: int = 993
    imap_security: Literal["none", "starttls", "ssl"] = "ssl"
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_timeout_seconds: float = Field(default=30.0, gt=0)

    # Agency identity: names change with mergers, so they are settings, never literals.
    agency_parent_name: str = "UBND TỈNH BẮC NINH"
    agency_name: str = "SỞ NỘI VỤ"
    agency_short_code: str = "SNV"
    agency_place: str = "Bắc Ninh"
    # The issuer as written inside sentences ("của Sở Nội vụ").
    agency_name_text: str = "Sở Nội vụ"
    director_title: str = "GIÁM ĐỐC"
    signer_title: str = "PHÓ GIÁM ĐỐC"
    signer_name: str = "Nguyễn Quang Đông"

    # API authentication (JWT HS256, pinned) and login protection
    jwt_issuer: str = "planflow"
    jwt_audience: str = "planflow-api"
    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=7, ge=1)
    session_cookie_hours: int = Field(default=10, ge=1)
    # Cookies marked Secure (sent over HTTPS only); None: yes except in embedded mode,
    # which serves plain HTTP on the loopback address.
    cookie_secure: bool | None = None
    # Failed sign-ins are counted per (account, client address): after this many, each
    # further failure from that address blocks it for that account, the delay doubling from
    # `login_delay_base_seconds` up to `login_delay_max_minutes`. The account stays open to
    # its owner elsewhere; failures are forgotten `login_failure_window_hours` after the last.
    login_max_failures: int = Field(default=5, ge=1)
    login_delay_base_seconds: int = Field(default=60, ge=1)
    login_delay_max_minutes: int = Field(default=60, ge=1)
    login_failure_window_hours: int = Field(default=24, ge=1)
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # CIDR networks, "*" for any). Empty: none, the client is the TCP peer.
    trusted_proxies: list[str] = []
    login_rate_per_ip: str = "20/minute"
    login_rate_per_account: str = "10/minute"  # per (account, address)
    password_reset_hours: int = Field(default=2, ge=1)
    # Reset requests mail whoever owns the account: at most this many mails per account,
    # and requests per IP (over the limit the answer is the same, and nothing is sent).
    reset_rate_per_account: str = "5/hour"
    reset_rate_per_ip: str = "30/hour"
    # Imported documents: a plan (text or DOCX; a DOCX also by its unpacked size), and the
    # organisation and task-distribution YAML files. Larger ones are refused before parsing.
    import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    import_max_unpacked_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    yaml_max_bytes: int = Field(default=1024 * 1024, ge=1)
    # Any request body (JSON, form, upload) past this is refused with 413 before it is read:
    # keep it above evidence_max_bytes and import_max_bytes.
    request_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1)
    # Evidence uploads (minh chứng): kept in the database with their row (the file store,
    # decision 0028). A stored evidence file no row names (a row removed by hand) is removed
    # by the `sweep_orphan_files` job once older than the grace period; the job scans at
    # most once per interval.
    orphan_file_grace_minutes: int = Field(default=60, ge=1)
    orphan_sweep_interval_minutes: int = Field(default=60, ge=1)
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    evidence_types: list[str] = [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    ]

    # Periodic reports (báo cáo định kỳ). CCHC reports go out a number of working days
    # before the provincial deadline, a day of the month in which the data period ends.
    report_kinds_enabled: list[str] = ["weekly", "quarterly", "six_month", "annual"]
    report_deadline_day: int = Field(default=20, ge=1, le=28)
    report_send_working_days_before: int = Field(default=3, ge=0)
    report_send_hour: int = Field(default=7, ge=0, le=23)
    report_send_minute: int = Field(default=30, ge=0, le=59)
    weekly_report_weekday: int = Field(default=0, ge=0, le=6)
    # A report whose send time passed longer ago than this is not sent on catch-up.
    report_catch_up_days: int = 30
    report_trend_points: int = Field(default=4, ge=2)
    report_overdue_list_limit: int = 50
    # A new run's PDF is rendered (LibreOffice, seconds) and stored when the run is built, so
    # API hosts without LibreOffice serve it; false leaves it to the first download on each
    # host. None (default): outside embedded mode only, where the one SQLite writer would
    # wait for LibreOffice.
    report_pdf_on_build: bool | None = None
    # An indicator at or above this share of its target is at risk, below it off track.
    indicator_at_risk_ratio: float = 0.9
    report_drafting_unit: str = "CCHC"
    report_recipients: list[str] = [
        "UBND tỉnh (để b/c)",
        "Giám đốc Sở (để b/c)",
        "Các Phó Giám đốc Sở",
        "Các phòng, đơn vị thuộc Sở",
    ]

    # Directory sign-in (docs/operations.md "Directory sign-in"). Each is off until turned
    # on; a directory account signs in as the planflow person with its e-mail (linked at the
    # first sign-in, nobody created: `workflow.services.directory`).
    # LDAP / Active Directory: a search (as `ldap_bind_dn`, or anonymously) under
    # `ldap_base_dn` with `ldap_user_filter` ({login} is the escaped typed name), then a bind
    # as the entry found with the typed password. `ldaps://` URLs speak TLS from the start;
    # `ldap_start_tls` upgrades an `ldap://` connection; certificates are verified against
    # `ldap_ca_file` (None: the system's). An entry matching `ldap_disabled_filter` (AD:
    # "(userAccountControl:1.2.840.113556.1.4.803:=2)", OpenLDAP ppolicy:
    # "(pwdAccountLockedTime=*)") is refused whatever its password.
    ldap_enabled: bool = False
    ldap_url: str = "ldap://127.0.0.1:389"
    ldap_start_tls: bool = False
    ldap_ca_file: str | None = None
    ldap_bind_dn: str | None = None
    ldap_bind_password: SecretStr | None = None
    ldap_base_dn: str = ""
    ldap_user_filter: str = "(&(objectClass=inetOrgPerson)(uid={login}))"
    ldap_email_attribute: str = "mail"
    ldap_disabled_filter: str | None = None
    ldap_timeout_seconds: float = Field(default=5.0, gt=0)
    # OpenID Connect (the province's single sign-on): discovery at
    # `{oidc_issuer}/.well-known/openid-configuration`, authorisation code with PKCE (S256),
    # state and nonce; the ID token's signature (the issuer's JWKS), issuer, audience,
    # expiry and nonce are checked. The redirect URI to register is
    # `{base_url}/login/oidc/callback`. `oidc_name` is the button's label.
    oidc_enabled: bool = False
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_name: str = "SSO"
    oidc_ca_file: str | None = None
    oidc_timeout_seconds: float = Field(default=10.0, gt=0)
    # Local passwords: None keeps them in embedded mode and whenever no directory is on;
    # False turns them off (only the directory signs in); True keeps them beside a
    # directory (a break-glass administrator account).
    local_passwords: bool | None = None

    # Scheduler
    scheduler_tick_seconds: int = Field(default=60, ge=1)
    sweep_batch_size: int = 100
    # `planflow serve` turns this on; the app in tests runs no scheduler unless asked.
    scheduler_embedded: bool = False
    scheduler_lock_key: int = 7_260_001
    scheduler_leader_poll_seconds: float = Field(default=2.0, gt=0)
    celery_queue: str = "planflow"
    celery_key_prefix: str = ""
    # A dead worker's unacknowledged task runs again after this (ticks re-enqueue anyway).
    celery_visibility_timeout_seconds: int = 600
    celery_restore_interval_seconds: int = 10

    # Observability (docs/operations.md). Process metrics of every planflow process on a
    # machine meet in `metrics_dir` (None: in memory; outside embedded mode var_dir/metrics).
    metrics_dir: Path | None = None
    # Who may read /metrics: client addresses or networks (after trusted_proxies), or
    # anyone presenting `Authorization: Bearer <metrics_token>` when a token is set.
    metrics_allow: list[str] = ["127.0.0.1/32", "::1/128"]
    metrics_token: SecretStr | None = None
    # Log lines: "json" (one object per line, for a collector), "console" (readable), or
    # "auto": JSON outside embedded mode, readable in it.
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # An accelerated clock for test and demo clusters only (workflow/clock.py): the virtual
    # time is `clock_virtual_start` when the wall clock reads `clock_real_start`, and runs
    # `clock_speed` times faster. Both starts set, or neither (the real clock).
    clock_virtual_start: AwareDatetime | None = None
    clock_real_start: AwareDatetime | None = None
    clock_speed: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _clock_complete(self) -> Self:
        if (self.clock_virtual_start is None) != (self.clock_real_start is None):
            raise ValueError(
                "PLANFLOW_CLOCK_VIRTUAL_START and PLANFLOW_CLOCK_REAL_START go together"
            )
        return self

    @property
    def pdf_on_build(self) -> bool:
        """Whether building a report renders and stores its PDF (`report_pdf_on_build`)."""
        if self.report_pdf_on_build is None:
            return self.mode != "embedded"
        return self.report_pdf_on_build

    @property
    def metrics_directory(self) -> Path | None:
        """Where the processes' metrics meet (see `metrics_dir`)."""
        if self.metrics_dir is not None:
            return self.metrics_dir
        return None if self.mode == "embedded" else self.var_dir / "metrics"

    @property
    def json_logs(self) -> bool:
        """Whether log lines are JSON (see `log_format`)."""
        return self.mode != "embedded" if self.log_format == "auto" else self.log_format == "json"

    @property
    def local_passwords_on(self) -> bool:
        """Whether planflow's own passwords sign in (see `local_passwords`)."""
        if self.local_passwords is not None:
            return self.local_passwords
        return self.mode == "embedded" or not (self.ldap_enabled or self.oidc_enabled)

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are marked Secure (and HSTS is sent)."""
        return self.mode != "embedded" if self.cookie_secure is None else self.cookie_secure

    @property
    def reply_mailbox(self) -> str:
        """The address replies go to (`mail_reply_address`, else `mail_from`)."""
        return self.mail_reply_address or self.mail_from


class WeakSecretKey(ValueError):
    """The configured secret key is the public default, empty or too short."""


def _install_secret(var_dir: Path) -> str:
    """The install's own key under `var_dir`, created (mode 0600) on first use."""
    path = var_dir / SECRET_KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: of two processes starting at once, one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def own_secret_key(settings: Settings) -> Settings:
    """`settings` with a key of this install's own, or WeakSecretKey.

    Embedded mode (one machine, `make run`) generates a key under `var_dir` the first time
    and reuses it, so every process of the install signs alike. Any other mode must be
    given one (PLANFLOW_SECRET_KEY): the default is public, and a short key can be guessed.
    """
    key = settings.secret_key.get_secret_value()
    if key == DEFAULT_SECRET_KEY and settings.mode == "embedded":
        key = _install_secret(settings.var_dir)
        settings.secret_key = SecretStr(key)
    if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise WeakSecretKey(
            "PLANFLOW_SECRET_KEY must be set to a secret of this deployment "
            f"(at least {MIN_SECRET_KEY_LENGTH} characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests clear the cache to override).

    In embedded mode the default secret key is replaced by the install's own (var/secret_key).
    """
    settings = Settings()
    if settings.mode == "embedded":
        # A short configured key stays: `planflow serve` refuses to start with it.
        with contextlib.suppress(WeakSecretKey):
            own_secret_key(settings)
    return settings
