"""Constraints and indexes derived from the schema, created idempotently before a load."""
from __future__ import annotations

import neo4j

from graph.model.schema import Model
from graph.store.layout import (
    AWAIT_INDEXES,
    DROP_RELATION_SOURCES_INDEX,
    LAYOUT_SCHEMA,
    RELATION_SOURCES_INDEX,
    RELATION_SOURCES_INDEX_TYPES,
    entity_names_index,
    kind_schema,
    relation_sources_index,
)


def constraint_statements(model: Model) -> list[str]:
    """Constraints and indexes derived from the schema; every statement is idempotent."""
    stmts = list(LAYOUT_SCHEMA)
    for kind in sorted(model.kinds):
        stmts.extend(kind_schema(model, kind))
    stmts.append(entity_names_index(model))
    stmts.append(relation_sources_index(model))
    return stmts


def ensure_schema(driver: neo4j.Driver, model: Model, *, database: str | None = None) -> None:
    """Create the constraints and indexes (idempotent) and wait until they are online."""
    with driver.session(database=database) as session:
        # an index over the relationship types of an older schema is rebuilt over the current ones
        old = session.run(RELATION_SOURCES_INDEX_TYPES, name=RELATION_SOURCES_INDEX).single()
        if old is not None and sorted(old["types"]) != sorted(model.relation_types):
            session.run(DROP_RELATION_SOURCES_INDEX).consume()
        for stmt in constraint_statements(model):
            session.run(stmt).consume()
        session.run(AWAIT_INDEXES).consume()
