#!/usr/bin/env bash
# Add a migration for a model change: autogenerate a NEW revision on top of head (decision 0028).
#   bash migrations/new-revision.sh "add stored_file"
# An empty PostgreSQL schema is brought to head with the existing revisions, Alembic compares
# it with the models and writes migrations/versions/NNNN_<message>.py (NNNN = the next number,
# so two branches that both add one meet as two heads, which tests/integration/test_schema.py
# refuses). Read the file before committing it: autogenerate misses renames (it writes a drop
# and an add: turn them into alter_column) and cannot fill a new NOT NULL column on existing
# rows (give it a server_default, or add it nullable, fill it, then alter it).
# Revisions 0001 (the frozen baseline) and every revision already on main are never edited.
set -euo pipefail
cd "$(dirname "$0")/.."
message="${1:?usage: bash migrations/new-revision.sh \"what changes\"}"
export PGOPTIONS="--client-min-messages=warning"
url="${PLANFLOW_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
schema="pf_newrev_$$"
psql "${url/+psycopg/}" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;"
trap 'psql "${url/+psycopg/}" -qc "DROP SCHEMA IF EXISTS $schema CASCADE;"' EXIT
.venv/bin/python - "$url?options=-csearch_path%3D$schema" "$message" <<'PY'
import re
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import notifications.models  # noqa: F401
import workflow.models  # noqa: F401
from workflow.db import make_engine
from workflow.migrate import alembic_config

url, message = sys.argv[1], sys.argv[2]
cfg = alembic_config(url)
heads = ScriptDirectory.from_config(cfg).get_heads()
if len(heads) != 1:
    sys.exit(f"migrations have {len(heads)} heads {sorted(heads)}: renumber the newer branch's "
             "revision on top of the other (down_revision), then run this again")
command.upgrade(cfg, "head")
engine = make_engine(url)
with engine.connect() as conn:
    diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                            SQLModel.metadata)
engine.dispose()
if not diff:
    sys.exit("the models and the migrations agree: no revision to add")
numbered = [int(r.revision) for r in ScriptDirectory.from_config(cfg).walk_revisions()
            if r.revision.isdigit()]
rev_id = f"{max(numbered) + 1:04d}"
slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
path = Path(script.path)  # type: ignore[union-attr]
target = path.with_name(f"{rev_id}_{slug}.py")
path.rename(target)

# Alembic drops use_alter foreign keys (a cycle between new tables) from create_table:
# add them back once both tables exist, in batch mode so SQLite can take them too.
src = target.read_text()
pattern = re.compile(r"\n    sa\.ForeignKeyConstraint\(\['(\w+)'\], \['(\w+)\.(\w+)'\], name='(\w+)', use_alter=True\),")
added = pattern.findall(src)
for col, ref_table, ref_col, name in added:
    table = re.search(r"op\.create_table\('(\w+)',(?:(?!op\.create_table).)*?" + name, src, re.S)
    assert table is not None
    src = src.replace(f"\n    sa.ForeignKeyConstraint(['{col}'], ['{ref_table}.{ref_col}'], name='{name}', use_alter=True),", "", 1)
    src = src.replace(
        "    # ### end Alembic commands ###\n\n\ndef downgrade",
        f"    with op.batch_alter_table('{table.group(1)}', schema=None) as batch_op:\n"
        f"        batch_op.create_foreign_key('{name}', '{ref_table}', ['{col}'], ['{ref_col}'])\n\n"
        "    # ### end Alembic commands ###\n\n\ndef downgrade",
        1,
    )
target.write_text(src)
print(f"wrote {target} ({len(diff)} change(s) on top of {heads[0]}): read it, then run "
      "tests/integration/test_schema.py")
PY
