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

from graph.schema import SOURCE_KIND, STRUCTURAL, FieldSpec, Model

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _field(model: Model, spec: FieldSpec, type_: str | None = None) -> dict:
    type_ = type_ or spec.type
    if type_ == "string":
        out: dict = _ref("line")
    elif type_ == "text":
        out = _ref("text")
    elif type_ == "multilingual":
        out = _ref("multilingual")
    elif type_ == "enum":
        out = {"enum": list(spec.values)}
    elif type_ == "date":
        out = _ref("date")
    elif type_ == "int":
        out = {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}
    elif type_ == "float":
        out = {"type": "number"}
    elif type_ == "bool":
        out = {"type": "boolean"}
    elif type_ == "url":
        out = _ref("url")
    elif type_ == "list":
        out = {"type": "array", "items": _field(model, spec, spec.items), "minItems": 1, "uniqueItems": True}
    else:
        raise AssertionError(type_)
    if spec.description and type_ == spec.type:
        out = {**out, "description": spec.description}
    return out


def _common(model: Model, name: str, fallback: str) -> str:
    spec = model.common_fields.get(name)
    return spec.description if spec and spec.description else fallback


def build(model: Model) -> dict:
    """The JSON Schema as a dict."""
    defs: dict[str, dict] = {
        "id": {"type": "string", "pattern": ID_PATTERN,
               "description": "An entity id: lower-case letters, digits and hyphens."},
        "line": {"type": "string", "pattern": r"^\S(.*\S)?$"},
        "text": {"type": "string", "pattern": r"\S"},
        "url": {"type": "string", "format": "uri", "pattern": r"^https?://\S+$"},
        "date": {
            "description": "A partial date: YYYY, YYYY-MM or YYYY-MM-DD.",
            "anyOf": [{"type": "string", "pattern": DATE_PATTERN},
                      {"type": "integer", "minimum": 1, "maximum": 9999}],
        },
        "multilingual": {
            "type": "object",
            "description": "Text by language code.",
            "properties": {lang: _ref("line") for lang in model.languages},
            "additionalProperties": False,
            "minProperties": 1,
        },
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
                props[fname] = _field(model, spec)
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
            props[pname] = _ref("sources") if pname == "sources" else _field(model, spec)
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
