"""Pydantic models derived from the record model, for the API edge (never used internally)."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from tocta.schema.model import RecordType, get_type

_PY_TYPES: dict[str, Any] = {
    "number": float, "fraction": float, "integer": int, "year": int, "boolean": bool,
}


@functools.cache
def api_model(type_name: str) -> type[BaseModel]:
    """A pydantic model of one record type as the API shows it (all fields optional on read)."""
    rt: RecordType = get_type(type_name)
    definitions: dict[str, Any] = {}
    for f in rt.fields:
        py: Any = _PY_TYPES.get(f.type, str)
        if f.multiple:
            py = list[py]  # type: ignore[valid-type]
        definitions[f.name] = (py | None, Field(default=None, title=f.label,
                                                description=f.description))
    return create_model(  # type: ignore[call-overload,no-any-return]
        rt.name, __config__=ConfigDict(extra="forbid"), __doc__=rt.description, **definitions)
