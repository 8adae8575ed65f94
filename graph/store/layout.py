"""The graph's own layout in Neo4j, named once (docs/DESIGN.md, "In Neo4j").

Every node of a fact carries `:Entity` and its kind as labels; provenance edges
(`SOURCED_FROM`) are derived from `sources` lists; one meta node records the
load. Modules that write or read this layout import these names instead of
spelling them in Cypher text of their own.
"""
from __future__ import annotations

ENTITY = "Entity"  # every fact node's shared label
PROVENANCE = "SOURCED_FROM"  # (:Entity)-[:SOURCED_FROM {quote}]->(:Source); derived, not a fact
META = "CisfilmMeta"  # the meta node's label
META_ID = "load"  # the meta node's id: the load lock and the last load's time

# properties the loader writes for itself; never shown as a fact's fields
NAME_KEYS = "name_keys"  # folded names and aliases, for look-ups
LOADED = "_loaded"  # true on what a load wrote (the rest was made by hand)
HASH = "_hash"  # change detection
INTERNAL_PROPS = (NAME_KEYS, LOADED, HASH)

# indexes and constraints with a name other code refers to
ENTITY_ID_CONSTRAINT = "entity_id"
ENTITY_NAMES_INDEX = "entity_names"  # full-text over names and aliases (`search`)
RELATION_SOURCES_INDEX = "relation_sources"  # keyword full-text over relationships' `sources`
