"""The web pages' forms validated by the API's own body models.

A page posts form fields; `validated` hands them to the same Pydantic model the JSON API
validates its body with, so a page and the API accept and refuse the same input. A
refusal is an `InvalidInput` whose `code` names the field's message in the pages'
catalogue (what the page shows); the API answers the same model's errors as 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from workflow.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: Mapping[str, object], *, codes: Mapping[str, str]) -> M:
    """`data` as `model`; InvalidInput (422) otherwise, coded by the first bad field as
    `codes` says: `"field:error_type"` (e.g. `"body:string_too_short"`) first, then
    `"field"`; no code gives the pages' generic message."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        code = codes.get(f"{field}:{first['type']}") or codes.get(field)
        raise InvalidInput(f"{field}: {first['msg']}", code=code) from exc
