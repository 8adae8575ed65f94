"""JSON Schema (draft 2020-12) for fact files, generated from the `Model`.

Editors (yaml-language-server via the `# yaml-language-server: $schema=...`
comment at the top of each seed file) use it for completion and hover text.
It describes what a YAML 1.2 editor sees, so an unquoted `2025` date is an
integer there. `cisfilm validate` stays the authority: the JSON Schema cannot
say that an id exists or that a date is real.
"""
from __future__ import annotations

import json
from pathlib import Path

from graph.model.schema import ID_RE, SOURCE_KIND, STRUCTURAL, FieldSpec, Model
from graph.model.types import TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PATTERN = f"^{ID_RE.pattern}$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _field(spec: FieldSpec) -> dict:
    out = TYPES[spec.type].json_schema(spec)
    return {**out, "description": spec.description} if spec.description else out


def _common(model: Model, name: str, fallback: str) -> str:
    spec = model.common_fields.get(name)
    return spec.description if spec and spec.description else fallback


def build(model: Model) -> dict:
    """The JSON Schema as a dict."""
    defs: dict[str, dict] = {
        "id": {"type": "string", "pattern": ID_PATTERN,
               "description": "An entity id: lower-case letters, digits and hyphens."},
        **{t.json_def: t.json_definition(model.languages) for t in TYPES.values() if t.json_def},
        "sources": {
            "type": "array",
            "description": _common(model, "sources", "The Source entities this fact comes from."),
            "minItems": 1,
            "items": {"oneOf": [
                _ref("id"),
                {"type": "object",
                 "properties": {"source": _ref("id"),
                                "quote": {**_ref("text"), "description": "A short verbatim quote as evidence."}},
                 "required": ["source"],
                 "additionalProperties": False},
            ]},
        },
    }
    for name, kind in sorted(model.kinds.items()):
        props: dict[str, dict] = {
            "id": _ref("id"),
            "kind": {"const": name, "description": kind.description},
        }
        for fname, spec in kind.fields.items():
            if fname in ("id", "kind"):
                continue
            if fname == "sources":
                props[fname] = _ref("sources")
            else:
                props[fname] = _field(spec)
        required = ["id", "kind"] + [f for f, s in kind.fields.items() if s.required and f not in STRUCTURAL]
        if name != SOURCE_KIND:
            required.append("sources")
        defs[f"entity.{name}"] = {
            "type": "object",
            "title": name,
            "description": kind.description,
            "properties": props,
            "required": required,
            "additionalProperties": False,
        }
    for rtype, rel in sorted(model.relations.items()):
        pairs = "; ".join(f"{f} → {', '.join(sorted(t))}" for f, t in sorted(rel.targets.items()))
        props = {
            "from": {**_ref("id"), "description": f"Id of the start: {', '.join(sorted(rel.from_kinds))}."},
            "type": {"const": rtype, "description": f"{rel.description} ({pairs})".strip()},
            "to": {**_ref("id"), "description": f"Id of the end: {', '.join(sorted(rel.to_kinds))}."},
        }
        for pname, spec in rel.properties.items():
            props[pname] = _ref("sources") if pname == "sources" else _field(spec)
        required = ["from", "type", "to", "sources"]
        required += [p for p, s in rel.properties.items() if s.required and p not in required and p not in STRUCTURAL]
        defs[f"relation.{rtype}"] = {
            "type": "object",
            "title": rtype,
            "description": rel.description,
            "properties": props,
            "required": required,
            "additionalProperties": False,
        }
    return {
        "$schema": DIALECT,
        "title": "cisfilm fact file",
        "description": "Entities and relations with their sources (generated from schema/*.yaml by "
                       "`cisfilm schema --json-schema`; do not edit).",
        "type": "object",
        "properties": {
            "entities": {"type": "array", "items": {"oneOf": [_ref(f"entity.{k}") for k in sorted(model.kinds)]}},
            "relations": {"type": "array",
                          "items": {"oneOf": [_ref(f"relation.{t}") for t in sorted(model.relations)]}},
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def render(model: Model) -> str:
    """The JSON Schema as text: stable (same model → same bytes), ending in a newline."""
    return json.dumps(build(model), indent=2, ensure_ascii=False) + "\n"


def write(model: Model, path: str | Path) -> Path:
    """Write the JSON Schema to `path` (e.g. schema/facts.schema.json)."""
    path = Path(path)
    path.write_text(render(model), encoding="utf-8")
    return path
