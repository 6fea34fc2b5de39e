"""Types shared by the API models: database ids and aware timestamps.

Ids are bounded to PostgreSQL's INTEGER range so an absurd id is a 422 (or a 404),
never a database error; query timestamps must carry a zone (naive ones are ambiguous).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_ID = 2_147_483_647

Id = Annotated[int, Ge(1), Le(MAX_ID)]
