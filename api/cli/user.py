"""`planflow user`: account passwords (argon2id); deactivating, reactivating and moving a
person (`workflow.services.people`: their open items go to the former head to reassign)."""

from __future__ import annotations

import typer
from sqlmodel import col, select

from api.auth import set_password
from api.cli.item import unit_by_code, user_by_name
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.errors import InvalidInput, NotFound
from workflow.models import User
from workflow.models.org import Role
from workflow.services import people
from workflow.services.people import HandOver
from workflow.settings import get_settings

app = typer.Typer(
    help="User accounts: passwords, deactivating and moving people.", no_args_is_help=True
)

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


def _report(done: HandOver) -> None:
    if done.items:
        typer.echo(
            f"{len(done.items)} open items to reassign by the former head: "
            + ", ".join(f"#{i.id}" for i in done.items)
        )


@app.command("deactivate")
def deactivate_cmd(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """Deactivate USERNAME (left, retired): signed out everywhere; their open items go on
    their head's "to reassign" list and the head gets one mail listing them."""
    with session_scope() as session:
        user = user_by_name(session, username)
        done = people.deactivate(session=session, now=utc_now(), actor=None, user=user)
        typer.echo(f"deactivated {username}")
        _report(done)


@app.command("reactivate")
def reactivate_cmd(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """Let USERNAME sign in again (items still assigned to them in their unit are theirs)."""
    with session_scope() as session:
        people.reactivate(session=session, user=user_by_name(session, username))
    typer.echo(f"reactivated {username}")


@app.command("move")
def move_cmd(
    username: str = typer.Argument(..., help="The account's username."),
    unit: str = typer.Argument(..., help="The code of the unit they move to, e.g. VP."),
    role: Role | None = typer.Option(None, help="Their role there (default: unchanged)."),
) -> None:
    """Move USERNAME to another unit (điều động): the open items of the unit they leave go on
    its head's "to reassign" list, and the head gets one mail listing them."""
    with session_scope() as session:
        user = user_by_name(session, username)
        target = unit_by_code(session, unit)
        done = people.move(
            session=session,
            now=utc_now(),
            actor=None,
            user=user,
            unit_id=target.id or 0,
            role=role.value if role else None,
        )
        typer.echo(f"moved {username} to {target.code}")
        _report(done)
