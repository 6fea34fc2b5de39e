#!/usr/bin/env bash
# Regenerate the single initial migration from the models against an empty PostgreSQL schema.
# Only while no database in production depends on revision 0001; afterwards add revisions.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${PLANFLOW_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
psql "${url/+psycopg/}" -qc 'DROP SCHEMA IF EXISTS pf_regen CASCADE; CREATE SCHEMA pf_regen;'
rm -f migrations/versions/0001_initial_schema.py
.venv/bin/python - "$url?options=-csearch_path%3Dpf_regen" <<'PY'
import sys
from alembic import command
from workflow.migrate import alembic_config
command.revision(alembic_config(sys.argv[1]), message="initial schema", autogenerate=True, rev_id="0001")
PY
# Alembic drops use_alter foreign keys (the unit <-> app_user cycle) from create_table:
# add them back once both tables exist, in batch mode so SQLite can take them too.
.venv/bin/python - <<'PY'
import re
from pathlib import Path
path = Path("migrations/versions/0001_initial_schema.py")
src = path.read_text()
pattern = re.compile(r"\n    sa\.ForeignKeyConstraint\(\['(\w+)'\], \['(\w+)\.(\w+)'\], name='(\w+)', use_alter=True\),")
added = []
def _cut(m: re.Match[str]) -> str:
    added.append(m.groups())
    return ""
src = pattern.sub(_cut, src)
table_of = {}
for col, ref_table, ref_col, name in added:
    table = re.search(r"op\.create_table\('(\w+)',(?:(?!op\.create_table).)*?" + name, path.read_text(), re.S)
    table_of[name] = table.group(1) if table else None
extra = "".join(
    f"    with op.batch_alter_table('{table_of[name]}', schema=None) as batch_op:\n"
    f"        batch_op.create_foreign_key('{name}', '{ref_table}', ['{col}'], ['{ref_col}'])\n\n"
    for col, ref_table, ref_col, name in added
)
src = src.replace("    # ### end Alembic commands ###\n\n\ndef downgrade", extra + "    # ### end Alembic commands ###\n\n\ndef downgrade", 1)
path.write_text(src)
PY
psql "${url/+psycopg/}" -qc 'DROP SCHEMA pf_regen CASCADE;'
