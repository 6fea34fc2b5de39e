"""Use-case functions: keyword-only, typed, take `session` (and `now`), never commit."""
