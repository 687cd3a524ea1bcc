"""The record model, declared once in YAML (one file per record type) and loaded here.

Loading is two passes, as followthemoney does for its schema: the first reads each file into
frozen dataclasses, the second resolves references (value types, derivations, inputs) and fails
loudly naming file and key. Everything else — validation, SQL tables, API models, Excel
templates, the data dictionary — is derived from these objects.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tocta.errors import NotFoundError, SchemaError
from tocta.yamlio import load_yaml

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD_KEYS = {
    "type", "label", "description", "required", "multiple", "values", "min", "max",
    "derived", "inputs", "example", "max_length", "system", "unit_of", "hidden",
}


@dataclass(frozen=True)
class CodeValue:
    """One value of a declared codelist."""

    code: str
    label: str
    description: str = ""
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """A field of a record type."""

    name: str
    type: str
    label: str
    description: str
    required: bool = False
    multiple: bool = False
    values: tuple[CodeValue, ...] = ()
    min: float | None = None
    max: float | None = None
    derived: str | None = None
    inputs: tuple[str, ...] = ()
    example: str | None = None
    max_length: int | None = None
    system: bool = False
    hidden: bool = False

    @property
    def is_input(self) -> bool:
        """True when a submission may give this field (not derived, not set by the system)."""
        return self.derived is None and not self.system


@dataclass(frozen=True)
class RecordType:
    """A record type: its fields (common provenance fields included) and identity."""

    name: str
    label: str
    plural: str
    table: str
    description: str
    fields: tuple[Field, ...]
    identity: str | None = None
    path: str = ""

    def field(self, name: str) -> Field:
        """The field called ``name`` (raises NotFoundError naming the known fields)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise NotFoundError(
            f"{self.name} has no field {name!r}; fields: {', '.join(self.field_names)}"
        )

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def input_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_input)

    @property
    def content_fields(self) -> tuple[Field, ...]:
        """Input fields that describe the fact itself (not its labels): used for identity."""
        return tuple(f for f in self.input_fields if f.name not in LABEL_FIELDS)


#: provenance fields a submission may set per row (else the run or source gives them)
LABEL_FIELDS = (
    "grade_scheme", "source_reliability", "info_credibility", "tlp", "handling",
    "owner_agency", "recorded_at",
)


def _fail(path: str, key: str, message: str) -> SchemaError:
    return SchemaError(f"{path}: {key}: {message}")


def _load_field(path: str, name: str, data: Any) -> Field:
    key = f"fields.{name}"
    if not isinstance(data, dict):
        raise _fail(path, key, "must be a mapping")
    if not _NAME.match(name):
        raise _fail(path, key, "field names are snake_case")
    unknown = set(data) - _FIELD_KEYS
    if unknown:
        raise _fail(path, key, f"unknown keys {sorted(unknown)}; allowed: {sorted(_FIELD_KEYS)}")
    for required_key in ("type", "label", "description"):
        if not str(data.get(required_key) or "").strip():
            raise _fail(path, f"{key}.{required_key}", "is required and must not be empty")
    values = tuple(
        CodeValue(
            code=str(v["code"]), label=str(v.get("label") or v["code"]),
            description=str(v.get("description") or ""),
            synonyms=tuple(str(s) for s in v.get("synonyms") or ()),
        )
        for v in data.get("values") or ()
    )
    return Field(
        name=name, type=str(data["type"]), label=str(data["label"]).strip(),
        description=" ".join(str(data["description"]).split()),
        required=bool(data.get("required", False)), multiple=bool(data.get("multiple", False)),
        values=values, min=data.get("min"), max=data.get("max"),
        derived=data.get("derived"), inputs=tuple(data.get("inputs") or ()),
        example=None if data.get("example") is None else str(data["example"]),
        max_length=data.get("max_length"), system=bool(data.get("system", False)),
        hidden=bool(data.get("hidden", False)),
    )


def _read_yaml(path: Path | Any) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: must be a mapping")
    return data


def _load_type(path: str, data: dict[str, Any], common: tuple[Field, ...]) -> RecordType:
    for key in ("name", "label", "plural", "table", "description", "fields"):
        if not data.get(key):
            raise _fail(path, key, "is required")
    if not _NAME.match(str(data["table"])):
        raise _fail(path, "table", "table names are snake_case")
    fields = tuple(_load_field(path, n, d) for n, d in (data["fields"] or {}).items())
    names = [f.name for f in fields] + [f.name for f in common]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise _fail(path, "fields", f"duplicate field names {sorted(dupes)}")
    identity = data.get("identity")
    if identity is not None and identity not in names:
        raise _fail(path, "identity", f"{identity!r} is not a field")
    return RecordType(
        name=str(data["name"]), label=str(data["label"]), plural=str(data["plural"]),
        table=str(data["table"]), description=" ".join(str(data["description"]).split()),
        fields=fields + common, identity=identity, path=path,
    )


def _resolve(rt: RecordType) -> None:
    """Second pass: every type, derivation and input must exist."""
    from tocta.schema.derive import DERIVATIONS
    from tocta.schema.types import TYPES

    names = set(rt.field_names)
    for f in rt.fields:
        key = f"fields.{f.name}"
        if f.type not in TYPES:
            raise _fail(rt.path, f"{key}.type", f"unknown type {f.type!r}; known: {sorted(TYPES)}")
        if f.type == "codelist" and not f.values:
            raise _fail(rt.path, f"{key}.values", "a codelist field must list its values")
        if f.derived is not None:
            derivation = f.derived.split(".")[0]
            if derivation not in DERIVATIONS:
                raise _fail(rt.path, f"{key}.derived",
                            f"unknown derivation {f.derived!r}; known: {sorted(DERIVATIONS)}")
            missing = [i for i in f.inputs if i not in names]
            if missing:
                raise _fail(rt.path, f"{key}.inputs", f"not fields of {rt.name}: {missing}")


def load_types(directory: Path | None = None) -> dict[str, RecordType]:
    """Load every record type from ``directory`` (default: the package's ``records/``)."""
    base: Any = directory or resources.files("tocta.schema").joinpath("records")
    entries = sorted(base.iterdir(), key=lambda p: p.name)
    common_path = next((p for p in entries if p.name == "_common.yaml"), None)
    if common_path is None:
        raise SchemaError(f"{base}: _common.yaml (the provenance fields) is missing")
    common_data = _read_yaml(common_path)
    common = tuple(
        _load_field(str(common_path), n, d) for n, d in (common_data.get("fields") or {}).items()
    )
    types: dict[str, RecordType] = {}
    for entry in entries:
        if not entry.name.endswith(".yaml") or entry.name.startswith("_"):
            continue
        rt = _load_type(str(entry), _read_yaml(entry), common)
        if rt.name in types:
            raise _fail(str(entry), "name", f"{rt.name!r} is declared twice")
        _resolve(rt)
        types[rt.name] = rt
    return types


@functools.cache
def record_types() -> dict[str, RecordType]:
    """The package's record types, by name (cached)."""
    return load_types()


def get_type(name: str) -> RecordType:
    """A record type by name, table name or a case-insensitive form (``seizure``, ``Seizure``)."""
    types = record_types()
    key = re.sub(r"[\s_\-]", "", name).casefold()
    for rt in types.values():
        if key in (rt.name.casefold(), rt.table.replace("_", "").casefold()):
            return rt
    raise NotFoundError(f"unknown record type {name!r}; known: {', '.join(types)}")
