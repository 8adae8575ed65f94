"""The model: `schema/*.yaml` read into one immutable `Model`, and what derives from it.

- `schema`: kinds, fields, relations, RDF terms (`load_model`, `Model`, `FieldSpec`)
- `types`: one class per field type (`TYPES`): reading, Neo4j, RDF, SHACL, JSON Schema
- `dates`: partial dates; `names`: name folding for look-ups and duplicates
- `jsonschema`: the JSON Schema editors use for fact files
"""
from graph.model.schema import SOURCE_KIND, STRUCTURAL, FieldSpec, KindSpec, Model, RelationSpec, load_model
from graph.model.types import FIELD_TYPES, TYPES, FieldType

__all__ = ["FIELD_TYPES", "SOURCE_KIND", "STRUCTURAL", "TYPES", "FieldSpec", "FieldType", "KindSpec", "Model",
           "RelationSpec", "load_model"]
