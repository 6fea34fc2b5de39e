"""The web pages' forms validated by the API's own body models.

A page posts form fields; `validated` and `form_errors` hand them to the same Pydantic model
the JSON API validates its body with, so a page and the API accept and refuse the same
input. A refusal names the field's message in the pages' catalogue (what the page shows);
the API answers the same model's errors as 422.

A page that lists every mistake at once (the assign form) also needs the fields that are
valid on their own to judge the rules across fields: `field_values` gives them, parsed by
the same model's field types.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from workflow.dates import parse_day
from workflow.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def _code(error: ErrorDetails, codes: Mapping[str, str]) -> str | None:
    """`"field:error_type"` (e.g. `"body:string_too_short"`) first, then `"field"`."""
    field = str(error["loc"][0]) if error["loc"] else ""
    return codes.get(f"{field}:{error['type']}") or codes.get(field)


def typed(text: str) -> str | None:
    """A text field as typed, or None when left empty (the model's "not given")."""
    return text.strip() or None


def typed_day(text: str) -> date | str | None:
    """A date field for the model: the day as people type it (dd/mm/yyyy, or ISO, within
    the years `workflow.dates` accepts), None when empty, else a text no date field accepts
    (a bare number would be read as a timestamp), so the model refuses it as a bad date."""
    day = parse_day(text)
    if day is not None:
        return day
    return f"not a day: {text.strip()}" if text.strip() else None


def validated(model: type[M], data: Mapping[str, object], *, codes: Mapping[str, str]) -> M:
    """`data` as `model`; InvalidInput (422) otherwise, coded by the first bad field as
    `codes` says; no code gives the pages' generic message."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise InvalidInput(f"{field}: {first['msg']}", code=_code(first, codes)) from exc


def form_errors(
    model: type[M], data: Mapping[str, object], *, codes: Mapping[str, str], fallback: str
) -> tuple[M | None, list[str]]:
    """`data` as `model` and no errors; or None and the catalogue keys of every bad field
    (as `codes` says, else `fallback`), in the model's field order, each once."""
    try:
        return model.model_validate(dict(data)), []
    except ValidationError as exc:
        keys: list[str] = []
        for error in exc.errors():
            key = _code(error, codes) or fallback
            if key not in keys:
                keys.append(key)
        return None, keys


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    field_type: Any = Annotated[info.annotation, info]  # the field's type and constraints
    return TypeAdapter(field_type)


def field_values(model: type[BaseModel], data: Mapping[str, object]) -> dict[str, Any]:
    """The fields of `data` that `model` accepts on their own, parsed by its field types
    (a refused field, or one not in `data`, is left out)."""
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name in data:
            try:
                values[name] = _adapter(model, name).validate_python(data[name])
            except ValidationError:
                continue
    return values
