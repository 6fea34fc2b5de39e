"""OpenID Connect sign-in (the province's single sign-on) with Authlib: discovery, the
authorisation code flow with PKCE (S256), `state` and `nonce`, and the ID token checked
before anything is believed: its signature against the issuer's published keys (joserfc,
Authlib's JOSE library), then issuer, audience, expiry, issue time, nonce and the access
token's hash (`authlib.oidc.core.CodeIDToken`).

The flow's secrets (state, nonce, PKCE verifier) and the page to return to travel in a
signed, 10-minute cookie (`pf_oidc`, HttpOnly, SameSite=Lax so the provider's redirect
brings it back); the callback accepts only its own state. No token or code is ever logged.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from workflow.services.directory import DirectoryAccount
from workflow.settings import Settings

log = structlog.get_logger(__name__)

COOKIE = "pf_oidc"
FLOW_SECONDS = 600  # from the sign-in button to the provider's answer
CALLBACK_PATH = "/login/oidc/callback"


class OidcFailed(Exception):
    """The sign-in through the provider failed (said to the user in one sentence; the
    reason is logged)."""


@dataclass(frozen=True)
class Flow:
    """Where a started sign-in goes (the provider's URL) and the cookie that remembers it."""

    url: str
    cookie: str


def redirect_uri(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + CALLBACK_PATH


def _issuer(settings: Settings) -> str:
    return settings.oidc_issuer.rstrip("/")


def _client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        verify=settings.oidc_ca_file or True,
        timeout=settings.oidc_timeout_seconds,
        follow_redirects=False,
    )


def _get_json(settings: Settings, url: str) -> dict[str, Any]:
    try:
        with _client(settings) as client:
            response = client.get(url)
            response.raise_for_status()
            data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcFailed(f"{url}: {exc}") from exc
    if not isinstance(data, dict):
        raise OidcFailed(f"{url}: not a JSON object")
    return data


def provider_metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document, its issuer checked against the setting."""
    meta = _get_json(settings, _issuer(settings) + "/.well-known/openid-configuration")
    if str(meta.get("issuer", "")).rstrip("/") != _issuer(settings):
        raise OidcFailed(f"discovery names issuer {meta.get('issuer')!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(key), str):
            raise OidcFailed(f"discovery has no {key}")
    return meta


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="oidc-sign-in")


def start(*, settings: Settings, next_path: str) -> Flow:
    """A new sign-in: the provider's authorisation URL and the cookie holding the flow."""
    meta = provider_metadata(settings)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    url = add_params_to_uri(
        meta["authorization_endpoint"],
        [
            ("response_type", "code"),
            ("client_id", settings.oidc_client_id),
            ("redirect_uri", redirect_uri(settings)),
            ("scope", settings.oidc_scopes),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", create_s256_code_challenge(verifier)),
            ("code_challenge_method", "S256"),
        ],
    )
    flow = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_path}
    return Flow(url=url, cookie=str(_serializer(settings).dumps(flow)))


def id_token_claims(
    *,
    id_token: str,
    jwks: dict[str, Any],
    algorithms: list[str],
    issuer: str,
    client_id: str,
    nonce: str,
    access_token: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The claims of `id_token` once its signature (a key of `jwks`, one of `algorithms`),
    issuer, audience, expiry, nonce and access token hash are right; OidcFailed otherwise."""
    try:
        token = jwt.decode(
            id_token,
            KeySet.import_key_set(jwks),  # type: ignore[arg-type]
            registry=JWSRegistry(algorithms=algorithms),
        )
    except (JoseError, ValueError) as exc:
        raise OidcFailed(f"ID token refused: {exc}") from exc
    params: dict[str, Any] = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
        },
        params,
    )
    try:
        claims.validate(now=int(now.timestamp()), leeway=60)
    except JoseError as exc:
        raise OidcFailed(f"ID token claims refused: {exc}") from exc
    return dict(claims)


def _userinfo(settings: Settings, url: str, tokens: dict[str, Any], *, sub: str) -> dict[str, Any]:
    """The UserInfo claims (a provider that keeps the e-mail out of the ID token), for the
    same subject as the ID token only (OpenID Connect Core 5.3.2)."""
    access = tokens.get("access_token")
    if not isinstance(access, str):
        return {}
    try:
        with _client(settings) as client:
            response = client.get(url, headers={"Authorization": f"Bearer {access}"})
            response.raise_for_status()
            info = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcFailed(f"userinfo: {exc}") from exc
    if not isinstance(info, dict) or info.get("sub") != sub:
        raise OidcFailed("userinfo names another subject")
    return {k: info[k] for k in ("email", "email_verified") if k in info}


def finish(
    *, settings: Settings, cookie: str | None, state: str, code: str, now: datetime
) -> tuple[DirectoryAccount, str]:
    """The provider's answer to a started sign-in: the directory account it vouches for and
    the page to return to; OidcFailed for a missing, expired or foreign flow, a refused code
    or an ID token that does not hold."""
    if not cookie:
        raise OidcFailed("no sign-in in progress (cookie missing)")
    try:
        flow = _serializer(settings).loads(cookie, max_age=FLOW_SECONDS)
    except BadSignature as exc:
        raise OidcFailed("sign-in cookie forged or expired") from exc
    if not isinstance(flow, dict) or not hmac.compare_digest(str(flow.get("state")), state):
        raise OidcFailed("state does not match the sign-in in progress")
    meta = provider_metadata(settings)
    secret = settings.oidc_client_secret
    try:
        with _client(settings) as client:
            response = client.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri(settings),
                    "code_verifier": str(flow["verifier"]),
                },
                auth=(settings.oidc_client_id, secret.get_secret_value() if secret else ""),
            )
        tokens = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcFailed(f"token endpoint: {exc}") from exc
    if response.status_code != 200 or not isinstance(tokens.get("id_token"), str):
        raise OidcFailed(f"token endpoint answered {response.status_code} {tokens.get('error')}")
    algorithms = [
        a for a in meta.get("id_token_signing_alg_values_supported", ["RS256"]) if a != "none"
    ]
    claims = id_token_claims(
        id_token=tokens["id_token"],
        jwks=_get_json(settings, meta["jwks_uri"]),
        algorithms=algorithms,
        issuer=str(meta["issuer"]),
        client_id=settings.oidc_client_id,
        nonce=str(flow["nonce"]),
        access_token=tokens.get("access_token"),
        now=now,
    )
    if "email" not in claims and isinstance(meta.get("userinfo_endpoint"), str):
        claims |= _userinfo(settings, meta["userinfo_endpoint"], tokens, sub=str(claims["sub"]))
    verified = claims.get("email_verified")
    email = claims.get("email") if verified is not False else None
    account = DirectoryAccount(
        directory_id=f"oidc:{_issuer(settings)} {claims['sub']}",
        email=str(email) if email else None,
    )
    return account, str(flow.get("next") or "")
