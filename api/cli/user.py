"""`planflow user`: adding, deactivating, reactivating and moving a person
(`workflow.services.accounts`, as the administration page and the API: audited, and the open
items of a person who leaves go to the former head to reassign); passwords (argon2id)."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from sqlmodel import col, select

from api.auth import set_password
from api.cli.item import unit_by_code, user_by_name
from api.schemas.org import UserCreate
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.errors import InvalidInput, NotFound
from workflow.models import User
from workflow.models.org import Role
from workflow.models.work import WorkItem
from workflow.services import accounts, org_audit
from workflow.settings import get_settings

app = typer.Typer(
    help="User accounts: adding, moving, deactivating people; passwords; their audit.",
    no_args_is_help=True,
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


def _report(items: list[WorkItem]) -> None:
    if items:
        typer.echo(
            f"{len(items)} open items to reassign by the former head: "
            + ", ".join(f"#{i.id}" for i in items)
        )


@app.command("add")
def add_cmd(
    username: str = typer.Argument(..., help="The new account's username (a-z 0-9 . _ -)."),
    email: str = typer.Option(..., help="Their e-mail (one account per address)."),
    full_name: str = typer.Option(..., "--name", help="Họ và tên."),
    unit: str = typer.Option(..., help="The code of their unit, e.g. CCHC."),
    role: Role = typer.Option(Role.OFFICER, help="Their role in the unit."),
    title: str | None = typer.Option(None, help="Chức vụ, e.g. Chuyên viên."),
    language: str = typer.Option("vi", help="vi or en."),
) -> None:
    """Add a person (audited); they set a password from the reset link or sign in through
    the directory. The same checks as the administration page and POST /admin/users."""
    try:
        body = UserCreate.model_validate(
            {
                "username": username,
                "email": email,
                "full_name": full_name,
                "unit_id": 1,
                "role": role,
                "title": title,
                "language": language,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{first['loc'][0]}: {first['msg']}") from exc
    with session_scope() as session:
        target = unit_by_code(session, unit)
        fields = body.account_fields() | {"unit_id": target.id or 0}
        accounts.create_account(session=session, now=utc_now(), actor=None, **fields)
    typer.echo(f"added {username} to {unit}")


def _change(username: str, changes: dict[str, object]) -> accounts.AccountUpdate:
    with session_scope() as session:
        user = user_by_name(session, username)
        if "unit_id" in changes:
            changes["unit_id"] = unit_by_code(session, str(changes["unit_id"])).id
        return accounts.update_account(
            session=session, now=utc_now(), actor=None, user=user, changes=changes
        )


@app.command("deactivate")
def deactivate_cmd(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """Deactivate USERNAME (left, retired): signed out everywhere; their open items go on
    their head's "to reassign" list and the head gets one mail listing them."""
    done = _change(username, {"is_active": False})
    typer.echo(f"deactivated {username}")
    _report(done.handed_over)


@app.command("reactivate")
def reactivate_cmd(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """Let USERNAME sign in again (items still assigned to them in their unit are theirs)."""
    _change(username, {"is_active": True})
    typer.echo(f"reactivated {username}")


@app.command("move")
def move_cmd(
    username: str = typer.Argument(..., help="The account's username."),
    unit: str = typer.Argument(..., help="The code of the unit they move to, e.g. VP."),
    role: Role | None = typer.Option(None, help="Their role there (default: unchanged)."),
) -> None:
    """Move USERNAME to another unit (điều động): the open items of the unit they leave go on
    its head's "to reassign" list, and the head gets one mail listing them."""
    done = _change(username, {"unit_id": unit, "role": role})
    typer.echo(f"moved {username} to {unit}")
    _report(done.handed_over)


@app.command("history")
def history_cmd(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """The account's audit, newest first: when, who (- for the command line), what."""
    with session_scope() as session:
        user = user_by_name(session, username)
        for row in org_audit.history(session=session, user_id=user.id or 0):
            actor = session.get(User, row.actor_id) if row.actor_id else None
            what = "; ".join(f"{k}: {v[0]} -> {v[1]}" for k, v in row.changes.items())
            typer.echo(
                f"{row.at:%Y-%m-%d %H:%M} {actor.username if actor else '-'} {row.action} {what}"
            )
