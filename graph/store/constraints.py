"""Constraints and indexes derived from the schema, created idempotently before a load."""
from __future__ import annotations

import neo4j

from graph.model.schema import Model
from graph.store.layout import ENTITY, ENTITY_ID_CONSTRAINT, ENTITY_NAMES_INDEX, META, RELATION_SOURCES_INDEX


def constraint_statements(model: Model) -> list[str]:
    """Constraints and indexes derived from the schema; every statement is idempotent."""
    stmts = [f"CREATE CONSTRAINT {ENTITY_ID_CONSTRAINT} IF NOT EXISTS FOR (n:{ENTITY}) REQUIRE n.id IS UNIQUE",
             f"CREATE CONSTRAINT cisfilm_meta_id IF NOT EXISTS FOR (n:{META}) REQUIRE n.id IS UNIQUE",
             f"CREATE INDEX entity_name IF NOT EXISTS FOR (n:{ENTITY}) ON (n.name)",
             f"CREATE INDEX entity_kind IF NOT EXISTS FOR (n:{ENTITY}) ON (n.kind)"]
    for kind in sorted(model.kinds):
        label = model.check_label(kind)
        stmts.append(f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:`{label}`) REQUIRE n.id IS UNIQUE")
        stmts.append(f"CREATE INDEX {label.lower()}_name IF NOT EXISTS FOR (n:`{label}`) ON (n.name)")
    name_props = ["name"] + [f"name_{lang}" for lang in model.languages] + ["aliases"]
    props = ", ".join(f"n.`{p}`" for p in name_props)
    stmts.append(f"CREATE FULLTEXT INDEX {ENTITY_NAMES_INDEX} IF NOT EXISTS FOR (n:{ENTITY}) ON EACH [{props}]")
    stmts.append(relation_sources_index(model))
    return stmts


def relation_sources_index(model: Model) -> str:
    """Which relationships cite a source: Neo4j's range indexes do not index list elements,
    but a full-text index with the `keyword` analyzer makes each element of `sources` one
    exact term (the `source` template; a scan of every relationship without it)."""
    types = "|".join(f"`{model.check_rel_type(t)}`" for t in sorted(model.relation_types))
    return (f"CREATE FULLTEXT INDEX {RELATION_SOURCES_INDEX} IF NOT EXISTS FOR ()-[r:{types}]-() ON EACH [r.sources] "
            "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}")


def ensure_schema(driver: neo4j.Driver, model: Model, *, database: str | None = None) -> None:
    """Create the constraints and indexes (idempotent) and wait until they are online."""
    with driver.session(database=database) as session:
        # an index over the relationship types of an older schema is rebuilt over the current ones
        old = session.run("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes WHERE name = $name "
                          "RETURN labelsOrTypes AS types", name=RELATION_SOURCES_INDEX).single()
        if old is not None and sorted(old["types"]) != sorted(model.relation_types):
            session.run(f"DROP INDEX {RELATION_SOURCES_INDEX}").consume()
        for stmt in constraint_statements(model):
            session.run(stmt).consume()
        session.run("CALL db.awaitIndexes(60)").consume()
