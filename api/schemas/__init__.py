"""API models per concept (SQLModel family pattern): `*Create`, `*Update`, `*Public`.

No table model is ever accepted or returned: an input model lists exactly what a caller may
set, so mass assignment of other columns is impossible.
"""
