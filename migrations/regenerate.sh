#!/usr/bin/env bash
# Retired (decision 0028): revision 0001 is the frozen baseline that production databases are at.
echo "migrations/regenerate.sh is retired: 0001 is frozen (decision 0028)." >&2
echo "Add a revision on top instead: bash migrations/new-revision.sh \"what changes\"" >&2
exit 2
