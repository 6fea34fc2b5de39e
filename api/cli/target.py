"""Which database a command acts on: said at its first write, refused when it would be the
wrong one.

A production host keeps its configuration in an environment file the services load
(`/etc/planflow/env`, deploy/systemd). A command typed in a shell without that file loaded
used to fall back to the embedded SQLite file under the checkout and write there, quietly.
Now, when that file exists and the command would use the embedded default database, the
first connection is refused with a message naming the file (exit 2), before anything is
read or written. Every command that writes says on stderr, once, which database it writes
to (password hidden). `PLANFLOW_ENV_FILE` names another file to look for (tests, or a
host that keeps it elsewhere).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from workflow.errors import InvalidInput
from workflow.settings import Settings, get_settings

PRODUCTION_ENV_FILE = Path("/etc/planflow/env")
_WRITES = ("insert", "update", "delete", "create", "alter", "drop")


class _State:
    announced = False


def env_file() -> Path:
    """Where a production host keeps its configuration."""
    return Path(os.environ.get("PLANFLOW_ENV_FILE") or PRODUCTION_ENV_FILE)


def shown(url: str) -> str:
    """A database URL as the operator may see it (no password)."""
    return make_url(url).render_as_string(hide_password=True)


def check_target(settings: Settings) -> None:
    """Refuse the embedded default database on a host configured for production."""
    path = env_file()
    embedded_default = Settings.model_fields["database_url"].default
    if settings.database_url != embedded_default or not path.exists():
        return
    raise InvalidInput(
        f"this machine is configured for production in {path}, but that configuration is "
        f"not loaded (PLANFLOW_DATABASE_URL is not set): refusing to use the embedded "
        f"database {shown(settings.database_url)}. Load it first, e.g. "
        f"`set -a; . {path}; set +a`, or run the command as the service user does"
    )


def _on_connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
    # Before the driver connects: SQLite would create the file on connecting.
    check_target(get_settings())


def _on_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if _State.announced or not statement.lstrip().lower().startswith(_WRITES):
        return
    _State.announced = True
    print(f"planflow: writing to {shown(str(conn.engine.url))}", file=sys.stderr)


def install() -> None:
    """Check every connection this process opens, and announce its first write."""
    _State.announced = False
    if not event.contains(Engine, "do_connect", _on_connect):
        event.listen(Engine, "do_connect", _on_connect)
    if not event.contains(Engine, "before_cursor_execute", _on_execute):
        event.listen(Engine, "before_cursor_execute", _on_execute)
