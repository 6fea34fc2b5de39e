"""Alembic migrations for every planflow table (SQLite and PostgreSQL)."""
