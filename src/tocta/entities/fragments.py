"""Entity fragments: what one line or row of an entity file says, as FtM statements.

A fragment is one JSON line (an FtM entity) or one CSV row (the entities a mapping makes of
it). Its statements carry the source as FollowTheMoney's ``dataset``; its issues name the
file, the row (as a spreadsheet or editor shows it), the field and the raw value. Values are
cleaned by FollowTheMoney's own property types; a value it cannot clean is an error and the
row is quarantined whole (nothing is silently dropped).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.statement import BASE_ID, Statement
from followthemoney.types import registry

from tocta.entities.issues import ERROR, EntityIssue, value_code


@dataclass
class Fragment:
    """One line or row: its statements, its issues and the raw data (for quarantine)."""

    row: int
    data: dict[str, Any]
    statements: list[Statement] = field(default_factory=list)
    issues: list[EntityIssue] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(i.level == ERROR for i in self.issues)


def base_statement(entity_id: str, schema: str, source_id: str) -> Statement:
    """The statement that an entity of ``schema`` exists in ``source_id`` (FtM's BASE_ID)."""
    return Statement(entity_id=entity_id, prop=BASE_ID, schema=schema, value=entity_id,
                     dataset=source_id)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def entity_statements(
    data: dict[str, Any], source_id: str, file: str, row: int
) -> tuple[list[Statement], list[EntityIssue]]:
    """Statements of one FtM entity object (``id``, ``schema``, ``properties``), cleaned.

    Context keys FtM writes (``datasets``, ``referents``, ``caption``, ``first_seen``...) are
    ignored: provenance is the run's.
    """
    issues: list[EntityIssue] = []

    def problem(fld: str | None, code: str, message: str, value: Any = None) -> None:
        raw = None if value is None else (value if isinstance(value, str) else
                                          json.dumps(value, ensure_ascii=False))
        issues.append(EntityIssue(file, row, fld, code, ERROR, message, raw))

    schema_name = data.get("schema")
    schema: Schema | None = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        problem("schema", "unknown_schema",
                f"{schema_name!r} is not a FollowTheMoney schema", schema_name)
    elif schema.abstract:
        problem("schema", "unknown_schema",
                f"{schema.name} is abstract: use a concrete schema", schema_name)
        schema = None
    raw_id = _text(data.get("id"))
    entity_id = registry.entity.clean_text(raw_id) if raw_id else None
    if raw_id is None:
        problem("id", "missing_id", "the entity has no id")
    elif entity_id is None:
        problem("id", "invalid_id", f"{raw_id!r} is not a valid entity id", raw_id)
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        problem("properties", "not_an_object", "properties must be an object", properties)
        properties = {}
    if schema is None or entity_id is None:
        return [], issues
    statements = [base_statement(entity_id, schema.name, source_id)]
    for name, values in properties.items():
        prop = schema.get(name)
        if prop is None or prop.stub:
            why = "a reverse property" if prop is not None else f"not a property of {schema.name}"
            problem(name, "unknown_property", f"{name!r} is {why}", values)
            continue
        for value in values if isinstance(values, list) else [values]:
            text = _text(value)
            if text is None:
                if value is not None and not isinstance(value, str):
                    problem(name, "invalid_value", "a value must be text", value)
                continue
            clean = prop.type.clean_text(text)
            if clean is None:
                problem(name, value_code(prop.type.name),
                        f"{text!r} is not a valid {prop.type.name}", text)
                continue
            statements.append(Statement(
                entity_id=entity_id, prop=prop.name, schema=schema.name, value=clean,
                dataset=source_id, original_value=text))
    return statements, issues


def read_jsonl(path: Path, source_id: str) -> Iterator[Fragment]:
    """Fragments of an FtM JSON lines file (one entity a line; blank lines skipped)."""
    file = path.name
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                shown = raw.decode("utf-8", errors="replace").strip()
                yield Fragment(number, {"line": shown}, issues=[EntityIssue(
                    file, number, None, "invalid_encoding", ERROR,
                    f"not valid UTF-8 at byte {exc.start}", shown[:200])])
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Fragment(number, {"line": text.strip()}, issues=[EntityIssue(
                    file, number, None, "invalid_json", ERROR, f"not valid JSON: {exc.msg}",
                    text.strip()[:200])])
                continue
            if not isinstance(data, dict):
                yield Fragment(number, {"line": text.strip()}, issues=[EntityIssue(
                    file, number, None, "not_an_object", ERROR,
                    "a line must be one JSON object (an entity)", text.strip()[:200])])
                continue
            statements, issues = entity_statements(data, source_id, file, number)
            yield Fragment(number, data, statements, issues)
