"""Typed template parameters: `Param`, scalar conversion, `-p key=value` parsing."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.errors import QueryError
from graph.model.dates import parse_date

SCALAR_TYPES = ("string", "int", "float", "bool", "date", "entity")
RESERVED = {  # parameters every template may use without declaring
    "as_of": "passed by --as-of",
    "text_forms": "filled in from the `text` parameter: its dictionary forms, folded (graph.model.forms)",
}
PARAM_KEYS = ("type", "required", "default", "values", "kind", "min", "max", "description")
NAME_RE = re.compile(r"[a-z][a-z0-9_]*")  # template and parameter names


@dataclass(frozen=True)
class Param:
    """One typed parameter of a template."""

    name: str
    type: str  # a scalar type, or "list<scalar>"
    required: bool = False
    default: Any = None
    values: tuple = ()
    kinds: tuple[str, ...] = ()  # entity: the kinds it may resolve to (empty: any)
    min: int | float | None = None  # int / float: the allowed range
    max: int | float | None = None
    description: str = ""

    @property
    def item_type(self) -> str:
        return self.type[5:-1] if self.is_list else self.type

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list<")

    def signature(self) -> str:
        """`org: entity (Organization), required` — one line for listings."""
        text = f"{self.name}: {self.type}"
        if self.min is not None or self.max is not None:
            low = show(self.min) if self.min is not None else ""
            high = show(self.max) if self.max is not None else ""
            text += f" {low}..{high}"
        if self.kinds:
            text += f" ({'|'.join(self.kinds)})"
        if self.required:
            text += ", required"
        elif self.default is not None:
            text += f" = {show(self.default)}"
        if self.values:
            text += f", one of {'|'.join(show(v) for v in self.values)}"
        return text

    def as_dict(self) -> dict:
        d: dict[str, Any] = {"type": self.type, "required": self.required}
        if self.default is not None:
            d["default"] = self.default
        if self.values:
            d["values"] = list(self.values)
        if self.kinds:
            d["kind"] = list(self.kinds)
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        d["description"] = self.description
        return d

    def convert(self, raw: Any) -> Any:
        """A raw value (a CLI string, or a native value) → the typed value; ValueError says why."""
        if self.is_list:
            items = raw if isinstance(raw, (list, tuple)) else split_list(raw)
            return [self._one(x) for x in items]
        if isinstance(raw, (list, tuple)):
            raise ValueError(f"takes one value, got {len(raw)}")
        return self._one(raw)

    def _one(self, raw: Any) -> Any:
        value = convert_scalar(self.item_type, raw)
        if self.min is not None and value < self.min:
            raise ValueError(f"{show(value)} is below the minimum {show(self.min)}")
        if self.max is not None and value > self.max:
            raise ValueError(f"{show(value)} is above the maximum {show(self.max)}")
        if self.values and value not in self.values:
            raise ValueError(f"{show(value)} is not one of {', '.join(show(v) for v in self.values)}")
        return value


def show(v: Any) -> str:
    """A value as a user writes it: booleans as `true` / `false`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def split_list(raw: Any) -> list:
    """`a, b,c` → `["a", "b", "c"]`; a non-string is one item."""
    if not isinstance(raw, str):
        return [raw]
    return [p.strip() for p in raw.split(",") if p.strip()]


def convert_scalar(type_: str, raw: Any) -> Any:
    """Convert one value to a scalar parameter type (`string int float bool date entity`)."""
    if type_ in ("string", "entity"):
        if isinstance(raw, (bool, int, float)) or raw is None:
            raw = show(raw) if raw is not None else ""
        if not isinstance(raw, str):
            raise ValueError(f"expected text, got {type(raw).__name__}")
        value = raw.strip()
        if not value:
            raise ValueError("is empty")
        return value
    if type_ == "int":
        if isinstance(raw, bool):
            raise ValueError("expected an integer, got a boolean")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"[+-]?\d+", raw.strip()):
            return int(raw.strip())
        raise ValueError(f"expected an integer, got {raw!r}")
    if type_ == "float":
        if isinstance(raw, bool):
            raise ValueError("expected a number, got a boolean")
        if isinstance(raw, (int, float)):
            return float(raw)
        try:
            number = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {raw!r}")
        return number
    if type_ == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    if type_ == "date":
        return parse_date(raw)
    raise ValueError(f"unknown type {type_!r}")  # pragma: no cover - types are checked at load


def _valid_type(type_: str) -> bool:
    if type_ in SCALAR_TYPES:
        return True
    return type_.startswith("list<") and type_.endswith(">") and type_[5:-1] in SCALAR_TYPES


def parse_param(name: str, spec: Any, fail) -> Param:
    """A header's `params:` entry → a checked `Param`; `fail(reason)` builds the error to raise."""
    if not NAME_RE.fullmatch(name):
        raise fail(f"parameter name {name!r} must match {NAME_RE.pattern}")
    if name in RESERVED:
        raise fail(f"parameter name {name!r} is reserved ({RESERVED[name]}); use ${name} without declaring it")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict):
        raise fail(f"parameter {name!r}: expected a mapping with type:, required: or default:, description:")
    for key in spec:
        if key not in PARAM_KEYS:
            raise fail(f"parameter {name!r}: unknown key {key!r} (expected {', '.join(PARAM_KEYS)})")
    type_ = str(spec.get("type", "")).replace(" ", "")
    if not _valid_type(type_):
        raise fail(f"parameter {name!r}: type {spec.get('type')!r} is not one of "
                   f"{', '.join(SCALAR_TYPES)} or list<...> of these")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise fail(f"parameter {name!r}: required must be true or false")
    if required and spec.get("default") is not None:
        raise fail(f"parameter {name!r}: a required parameter has no default")
    kinds = spec.get("kind") or ()
    if isinstance(kinds, str):
        kinds = (kinds,)
    if kinds and not type_.endswith("entity") and not type_.endswith("entity>"):
        raise fail(f"parameter {name!r}: kind: applies to entity parameters only")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail(f"parameter {name!r}: description is required")
    base = Param(name=name, type=type_, required=required, kinds=tuple(str(k) for k in kinds),
                 description=description.strip())
    values = spec.get("values") or ()
    if values:
        if not isinstance(values, list):
            raise fail(f"parameter {name!r}: values must be a list")
        try:
            values = tuple(convert_scalar(base.item_type, v) for v in values)
        except ValueError as e:
            raise fail(f"parameter {name!r}: values: {e}") from None
    bounds = {}
    for key in ("min", "max"):
        if spec.get(key) is None:
            continue
        if base.item_type not in ("int", "float"):
            raise fail(f"parameter {name!r}: {key}: applies to int and float parameters only")
        try:
            bounds[key] = convert_scalar(base.item_type, spec[key])
        except ValueError as e:
            raise fail(f"parameter {name!r}: {key}: {e}") from None
    base = Param(**{**base.__dict__, "values": tuple(values), **bounds})
    default = spec.get("default")
    if default is not None:
        try:
            default = base.convert(default)
        except ValueError as e:
            raise fail(f"parameter {name!r}: default: {e}") from None
    return Param(**{**base.__dict__, "default": default})


def parse_assignments(items: Iterable[str]) -> dict[str, str | list[str]]:
    """`-p key=value` strings → {key: value}; a key given again collects a list of values."""
    out: dict[str, str | list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise QueryError(f"-p {item!r}: expected key=value")
        if key in out:
            prev = out[key]
            out[key] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[key] = value
    return out
