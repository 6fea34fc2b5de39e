"""`planflow user`: account passwords (argon2id)."""

from __future__ import annotations

import typer
from sqlmodel import col, select

from api.auth import set_password
from workflow.db import session_scope
from workflow.errors import InvalidInput, NotFound
from workflow.models import User
from workflow.settings import get_settings

app = typer.Typer(help="User accounts: passwords.", no_args_is_help=True)

DEV_PASSWORD = "planflow-dev"  # noqa: S105 — documented in README; embedded mode only


@app.command("set-password")
def set_password_cmd(
    username: str = typer.Argument(..., help="The account's username."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="The new password."
    ),
) -> None:
    """Set USERNAME's password (signs the account out everywhere)."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"no user {username!r}")
        set_password(session=session, user=user, password=password)
    typer.echo(f"password set for {username}")


@app.command("dev-passwords")
def dev_passwords(
    password: str = typer.Option(DEV_PASSWORD, help="Password for every account without one."),
) -> None:
    """Give every account that has no password the same dev password (embedded mode only)."""
    if get_settings().mode != "embedded":
        raise InvalidInput("dev passwords are only for the embedded (demo) mode")
    with session_scope() as session:
        users = session.exec(select(User).where(col(User.password_hash).is_(None))).all()
        for user in users:
            set_password(session=session, user=user, password=password)
    typer.echo(f"dev password set for {len(users)} accounts")
