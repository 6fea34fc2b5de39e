"""LDAP / Active Directory sign-in with ldap3: search for the typed name (as the service
account `ldap_bind_dn`, or anonymously), refuse an entry matching `ldap_disabled_filter`,
then bind as the entry with the typed password. TLS: `ldaps://` URLs, or StartTLS with
`ldap_start_tls`; the server's certificate is always verified (`ldap_ca_file`).

Neither the password nor the service account's password is ever logged; a directory that
cannot be reached is logged (its URL and the error) and refuses the sign-in.
"""

from __future__ import annotations

import ssl
from datetime import datetime

import structlog
from ldap3 import BASE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from sqlmodel import Session

from api.auth import DirectoryCheck, LoginOutcome, LoginResult
from workflow.services import directory
from workflow.services.directory import DirectoryAccount, DirectoryRefusal
from workflow.settings import Settings

log = structlog.get_logger(__name__)


def _server(settings: Settings) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ldap_ca_file)
    return Server(
        settings.ldap_url,
        use_ssl=settings.ldap_url.lower().startswith("ldaps://"),
        tls=tls,
        connect_timeout=settings.ldap_timeout_seconds,
    )


def _connect(
    server: Server, settings: Settings, *, user: str | None, password: str | None
) -> Connection:
    """A connection bound as `user` (None: anonymous); LDAPException if the bind fails."""
    conn = Connection(
        server,
        user=user,
        password=password,
        # Whole seconds: ldap3 packs it into the socket's timeval.
        receive_timeout=max(1, round(settings.ldap_timeout_seconds)),
        read_only=True,
        raise_exceptions=False,
    )
    conn.open()
    if settings.ldap_start_tls and not server.ssl:
        conn.start_tls()
    if not conn.bind():
        conn.unbind()
        raise LDAPException(f"bind refused: {conn.result.get('description')}")
    return conn


def directory_account(*, login: str, password: str, settings: Settings) -> DirectoryAccount | None:
    """The directory account `login` names when `password` is its password; None when the
    directory refuses (unknown name, wrong password, disabled account, unreachable)."""
    if not login.strip() or not password:
        return None  # an empty password would be an anonymous bind, never a sign-in
    server = _server(settings)
    bind_password = settings.ldap_bind_password
    try:
        search = _connect(
            server,
            settings,
            user=settings.ldap_bind_dn,
            password=bind_password.get_secret_value() if bind_password else None,
        )
    except LDAPException as exc:
        log.warning("ldap_unreachable", url=settings.ldap_url, error=str(exc))
        return None
    try:
        query = settings.ldap_user_filter.format(login=escape_filter_chars(login.strip()))
        search.search(
            settings.ldap_base_dn,
            query,
            search_scope=SUBTREE,
            attributes=[settings.ldap_email_attribute],
            size_limit=2,
        )
        found = [e for e in search.response or [] if e.get("type") == "searchResEntry"]
        if len(found) != 1:
            return None  # nobody, or an ambiguous name
        dn = str(found[0]["dn"])
        values = found[0].get("attributes", {}).get(settings.ldap_email_attribute) or []
        emails = values if isinstance(values, list) else [values]
        if settings.ldap_disabled_filter:
            search.search(dn, settings.ldap_disabled_filter, search_scope=BASE, attributes=[])
            if any(e.get("type") == "searchResEntry" for e in search.response or []):
                log.info("ldap_disabled_account", dn=dn)
                return None
    except LDAPException as exc:
        log.warning("ldap_search_failed", url=settings.ldap_url, error=str(exc))
        return None
    finally:
        search.unbind()
    try:
        _connect(server, settings, user=dn, password=password).unbind()
    except LDAPException:
        return None
    email = str(emails[0]) if emails else None
    return DirectoryAccount(directory_id=f"ldap:{dn.lower()}", email=email)


def ldap_check(*, session: Session, now: datetime, settings: Settings) -> DirectoryCheck:
    """The sign-in's directory step (`api.auth.authenticate`): the LDAP account, then the
    person it signs in as."""

    def check(login: str, password: str) -> LoginResult | None:
        account = directory_account(login=login, password=password, settings=settings)
        if account is None:
            return None
        found = directory.person_for(session=session, now=now, account=account)
        if found.user is not None:
            return LoginResult(LoginOutcome.OK, user=found.user)
        if found.refusal is DirectoryRefusal.INACTIVE:
            return LoginResult(LoginOutcome.INACTIVE)
        return LoginResult(LoginOutcome.NOT_LINKED, email=account.email)

    return check
