"""Facts: fact files read strictly into a `FactSet`; reading is validating.

`read_facts` raises `InvalidData` with every problem of every file at once;
`collect` returns the facts and the problems; `validate_paths` is `cisfilm validate`.
Layers inside: `checker` (one value, by field type), `reader` (files and
documents), `rules` (what needs the whole set), `parallel` (which process reads
which file), `cache` (what a file gave, kept by its content).
"""
from graph.facts.reader import Entity, FactSet, Relation, collect, fact_files, read_facts, validate_paths

__all__ = ["Entity", "FactSet", "Relation", "collect", "fact_files", "read_facts", "validate_paths"]
