"""The graph's own layout in Neo4j and the Cypher that reads and writes it, named once
(docs/DESIGN.md, "In Neo4j").

Every node of a fact carries `:Entity` and its kind as labels; provenance edges
(`SOURCED_FROM`) are derived from `sources` lists; one meta node records the
load. Modules that write or read this layout import these names and queries
instead of spelling them in Cypher text of their own. Values go in as parameters;
the few queries that name a kind or relationship type are functions that take it
through the schema's allow-list (`Model.check_label` / `check_rel_type`).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graph.model.schema import SOURCE_KIND

if TYPE_CHECKING:
    from graph.model.schema import Model

ENTITY = "Entity"  # every fact node's shared label
PROVENANCE = "SOURCED_FROM"  # (:Entity)-[:SOURCED_FROM {quote}]->(:Source); derived, not a fact
SOURCE = SOURCE_KIND  # what provenance edges point to
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

# -- constraints and indexes (graph.store.constraints); every statement idempotent ----

LAYOUT_SCHEMA = (
    f"CREATE CONSTRAINT {ENTITY_ID_CONSTRAINT} IF NOT EXISTS FOR (n:{ENTITY}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT cisfilm_meta_id IF NOT EXISTS FOR (n:{META}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX entity_name IF NOT EXISTS FOR (n:{ENTITY}) ON (n.name)",
    f"CREATE INDEX entity_kind IF NOT EXISTS FOR (n:{ENTITY}) ON (n.kind)",
)
# params: name=RELATION_SOURCES_INDEX
RELATION_SOURCES_INDEX_TYPES = ("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes WHERE name = $name "
                                "RETURN labelsOrTypes AS types")
DROP_RELATION_SOURCES_INDEX = f"DROP INDEX {RELATION_SOURCES_INDEX}"
AWAIT_INDEXES = "CALL db.awaitIndexes(60)"


def kind_schema(model: Model, kind: str) -> list[str]:
    """A kind's own uniqueness constraint and name index."""
    label = model.check_label(kind)
    return [f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:`{label}`) REQUIRE n.id IS UNIQUE",
            f"CREATE INDEX {label.lower()}_name IF NOT EXISTS FOR (n:`{label}`) ON (n.name)"]


def entity_names_index(model: Model) -> str:
    """Full-text over every entity's display name, its name in each language, and its aliases."""
    name_props = ["name"] + [f"name_{lang}" for lang in model.languages] + ["aliases"]
    props = ", ".join(f"n.`{p}`" for p in name_props)
    return f"CREATE FULLTEXT INDEX {ENTITY_NAMES_INDEX} IF NOT EXISTS FOR (n:{ENTITY}) ON EACH [{props}]"


def relation_sources_index(model: Model) -> str:
    """Which relationships cite a source: Neo4j's range indexes do not index list elements,
    but a full-text index with the `keyword` analyzer makes each element of `sources` one
    exact term (the `source` template; a scan of every relationship without it)."""
    types = "|".join(f"`{model.check_rel_type(t)}`" for t in sorted(model.relation_types))
    return (f"CREATE FULLTEXT INDEX {RELATION_SOURCES_INDEX} IF NOT EXISTS FOR ()-[r:{types}]-() ON EACH [r.sources] "
            "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}")


# -- a load (graph.store.load) ------------------------------------------------------

# params: id=META_ID. Taking the meta node's write lock serialises loads.
LOCK = f"MERGE (m:{META} {{id: $id}}) SET m.lock = coalesce(m.lock, 0) + 1"
# `generation`: a fresh id per finished load (plain, batched, rebuild), which `cisfilm serve` follows;
# random rather than a counter, because a rebuild starts a new store whose meta node a counter would restart
GENERATION = "generation"
STAMP_GENERATION = f"MATCH (m:{META} {{id: $id}}) SET m.{GENERATION} = randomUUID()"  # params: id=META_ID
STAMP_LOAD = f"MATCH (m:{META} {{id: $id}}) SET m.loaded_at = datetime(), m.{GENERATION} = randomUUID()"
# What is in the graph, one record per kind / relationship type; the hash is null on what
# no load wrote. params (relationships): prov=PROVENANCE
LOADED_NODES = (f"MATCH (n:{ENTITY}) WITH n.kind AS kind, "
                f"collect([n.id, CASE WHEN n.{LOADED} THEN n.{HASH} END]) AS rows RETURN kind, rows")
LOADED_RELATIONS = (f"MATCH (a:{ENTITY})-[r]->(b:{ENTITY}) WHERE type(r) <> $prov WITH type(r) AS t, "
                    f"collect([a.id, b.id, CASE WHEN r.{LOADED} THEN r.{HASH} END]) AS rows RETURN t, rows")
# rows: [start id, type, end id]; only what a load wrote is removed
DELETE_RELATIONS = (f"UNWIND $rows AS row MATCH (a:{ENTITY} {{id: row[0]}})-[r]->(b:{ENTITY} {{id: row[2]}}) "
                    f"WHERE type(r) = row[1] AND r.{LOADED} DELETE r")
DELETE_NODES = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) WHERE n.{LOADED} DETACH DELETE n"


# -- a batched load (`load --batch-size`) and its mark on the meta node -------------------
#
# A batched load commits in many transactions. From its first batch until its last, the
# meta node carries the mark below: the graph is mid-load (stats, query and export say so).
# Every batch takes the load lock and checks the mark is still its own, so a load started
# meanwhile (which takes the mark over, or, a plain load, removes it) stops this one.
MARK_LOAD = "load_id"  # present only while a batched load is unfinished
MARK_PROPS = (MARK_LOAD, "load_started", "load_digest", "load_prune", "load_batch_size",
              "batches_done", "batches_total")
# Prefix of `_hash` on a node a batch has written whose provenance edges a later batch
# writes: a rerun after a crash between the two sees a changed node and rewrites both.
PENDING = "~"

# params: id=META_ID
MARK_COLUMNS = ("load", "started", "digest", "prune", "size", "done", "total")  # READ_MARK's
READ_MARK = (f"MATCH (m:{META} {{id: $id}}) WHERE m.{MARK_LOAD} IS NOT NULL "
             f"RETURN m.{MARK_LOAD} AS load, toString(datetime.truncate('second', m.load_started)) AS started, "
             "m.load_digest AS digest, m.load_prune AS prune, m.load_batch_size AS size, "
             "m.batches_done AS done, m.batches_total AS total")
# params: id, resume (keep the start time of the load it continues), load, digest, prune, size, done, total
SET_MARK = (f"MATCH (m:{META} {{id: $id}}) "
            "SET m.load_started = CASE WHEN $resume THEN m.load_started ELSE datetime() END, "
            f"m.{MARK_LOAD} = $load, m.load_digest = $digest, m.load_prune = $prune, m.load_batch_size = $size, "
            "m.batches_done = $done, m.batches_total = $total")
# The load lock (as LOCK), answering whose mark the graph carries. params: id=META_ID
LOCK_OWNER = f"MERGE (m:{META} {{id: $id}}) SET m.lock = coalesce(m.lock, 0) + 1 RETURN m.{MARK_LOAD} AS owner"
MARK_PROGRESS = f"MATCH (m:{META} {{id: $id}}) SET m.batches_done = $done"  # params: id, done
CLEAR_MARK = f"MATCH (m:{META} {{id: $id}}) REMOVE " + ", ".join(f"m.{p}" for p in MARK_PROPS)
FINISH_MARK = CLEAR_MARK + f" SET m.loaded_at = datetime(), m.{GENERATION} = randomUUID()"  # its last batch
# params: id=META_ID. What `cisfilm serve` polls: the generation, when it was loaded, and whether mid-load
READ_GENERATION = (f"OPTIONAL MATCH (m:{META} {{id: $id}}) RETURN m.{GENERATION} AS generation, "
                   f"toString(m.loaded_at) AS loaded_at, m.{MARK_LOAD} IS NOT NULL AS mid_load")
# rows: {id, hash}: the final hash, once a node's provenance edges are written
SET_HASHES = f"UNWIND $rows AS row MATCH (n:{ENTITY} {{id: row.id}}) SET n.{HASH} = row.hash"


def remove_kind(model: Model, kind: str) -> str:
    """Take an old kind's label off the nodes `$ids`."""
    label = model.check_label(kind)
    return f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) REMOVE n:`{label}`"


def write_nodes(model: Model, kind: str, fresh: bool) -> str:
    """Write `$rows` ({id, props}) of one kind: CREATE when `fresh` (nothing to merge into), else MERGE."""
    label = model.check_label(kind)
    write = (f"CREATE (n:{ENTITY}:`{label}`)" if fresh
             else f"MERGE (n:{ENTITY} {{id: row.id}}) SET n:`{label}`")
    return f"UNWIND $rows AS row {write} SET n = row.props"


def write_provenance(fresh: bool) -> str:
    """The provenance edges of `$rows` ({id, sources, quotes}), one per source cited;
    an entity that was there before loses its old ones first."""
    clear = "" if fresh else f"OPTIONAL MATCH (n)-[old:{PROVENANCE}]->() DELETE old WITH DISTINCT n, row "
    return (f"UNWIND $rows AS row MATCH (n:{ENTITY} {{id: row.id}}) {clear}"
            f"UNWIND range(0, size(row.sources) - 1) AS i MATCH (s:{SOURCE} {{id: row.sources[i]}}) "
            f"{'CREATE' if fresh else 'MERGE'} (n)-[e:{PROVENANCE}]->(s) SET e.quote = row.quotes[i]")


def write_relations(model: Model, rel_type: str, fresh: bool) -> str:
    """Write `$rows` ({start, end, props}) of one relationship type: CREATE when `fresh`, else MERGE."""
    t = model.check_rel_type(rel_type)
    return (f"UNWIND $rows AS row MATCH (a:{ENTITY} {{id: row.start}}) MATCH (b:{ENTITY} {{id: row.end}}) "
            f"{'CREATE' if fresh else 'MERGE'} (a)-[r:`{t}`]->(b) SET r = row.props")


# -- a rebuild (graph.store.rebuild) ---------------------------------------------------

# What no load wrote (made by hand), which a rebuild from the fact files would drop: nodes
# without `_loaded`, relationships without it, and provenance edges no `sources` list
# explains. params: prov=PROVENANCE
HAND_MADE_NODES = f"MATCH (n) WHERE NOT n:{META} AND NOT coalesce(n.{LOADED} = true, false) RETURN count(n) AS c"
HAND_MADE_RELATIONS = (
    "MATCH (a)-[r]->(b) WHERE CASE WHEN type(r) = $prov "
    f"THEN NOT coalesce(a.{LOADED} = true AND b:{SOURCE} AND b.id IN a.sources, false) "
    f"ELSE NOT coalesce(r.{LOADED} = true, false) END RETURN count(r) AS c")
COUNT_NODES = "MATCH (n) RETURN count(n) AS c"  # from the count store: instant
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS c"
# params: name (the database); on the system database
DATABASE_STATUS = "SHOW DATABASE $name YIELD currentStatus, statusMessage RETURN currentStatus, statusMessage"


_PROPERTY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _property(name: str) -> str:
    if not _PROPERTY.fullmatch(name):
        raise ValueError(f"not a property name cisfilm writes: {name!r}")
    return name


def set_entity_property(prop: str) -> str:
    """Set `prop` on the entities `$rows` ({id, value}): the lists the bulk importer cannot write."""
    return f"UNWIND $rows AS row MATCH (n:{ENTITY} {{id: row.id}}) SET n.`{_property(prop)}` = row.value"


def set_relation_property(model: Model, rel_type: str, prop: str) -> str:
    """Set `prop` on the relationships `$rows` ({a, b, value}) of one type."""
    t = model.check_rel_type(rel_type) if rel_type != PROVENANCE else PROVENANCE
    return (f"UNWIND $rows AS row MATCH (:{ENTITY} {{id: row.a}})-[r:`{t}`]->(:{ENTITY} {{id: row.b}}) "
            f"SET r.`{_property(prop)}` = row.value")


# -- counts (graph.store.stats); params: prov=PROVENANCE ------------------------------

NODES_BY_KIND = f"MATCH (n:{ENTITY}) RETURN n.kind AS kind, count(*) AS n ORDER BY kind"
RELATIONS_BY_TYPE = (f"MATCH (:{ENTITY})-[r]->(:{ENTITY}) WHERE type(r) <> $prov "
                     "RETURN type(r) AS t, count(*) AS n ORDER BY t")
FACTS_PER_SOURCE = (
    f"MATCH (src:{SOURCE}) "
    f"OPTIONAL MATCH (n:{ENTITY}) WHERE src.id IN n.sources "
    "WITH src, count(n) AS nodes "
    f"OPTIONAL MATCH (:{ENTITY})-[r]->(:{ENTITY}) WHERE type(r) <> $prov AND src.id IN r.sources "
    "WITH src, nodes, count(r) AS rels "
    "RETURN src.id AS id, nodes + rels AS facts ORDER BY id")
# Reference data (Sources with source_type dataset, e.g. ISO 3166) is kept out of the per-article
# counts: a fact's articles are its sources less the datasets; facts citing datasets only are counted apart.
DATASET_SOURCES = (f"MATCH (d:{SOURCE}) WHERE d.source_type = 'dataset' RETURN d.id AS id ORDER BY id")
# params: ds (the dataset source ids)
SINGLE_SOURCE_NODES = (f"MATCH (n:{ENTITY}) WHERE NOT n:{SOURCE} "
                       "AND size([s IN coalesce(n.sources, []) WHERE NOT s IN $ds]) = 1 RETURN count(n) AS c")
SINGLE_SOURCE_RELATIONS = (f"MATCH (:{ENTITY})-[r]->(:{ENTITY}) WHERE type(r) <> $prov "
                           "AND size([s IN coalesce(r.sources, []) WHERE NOT s IN $ds]) = 1 RETURN count(r) AS c")
REFERENCE_NODES = (f"MATCH (n:{ENTITY}) WHERE NOT n:{SOURCE} AND size(coalesce(n.sources, [])) > 0 "
                   "AND all(s IN n.sources WHERE s IN $ds) RETURN count(n) AS c")
REFERENCE_RELATIONS = (f"MATCH (:{ENTITY})-[r]->(:{ENTITY}) WHERE type(r) <> $prov "
                       "AND size(coalesce(r.sources, [])) > 0 AND all(s IN r.sources WHERE s IN $ds) "
                       "RETURN count(r) AS c")

# -- the RDF export's reads (graph.rdf.export) ------------------------------------------

# params: safe (the id pattern IRIs are minted from as they are)
EXPORT_UNSAFE_IDS = f"""
MATCH (n:{ENTITY}) WHERE NOT coalesce(n.id =~ $safe, false)
RETURN n.id AS id, n.kind AS kind, labels(n) AS labels
"""
EXPORT_IDS_IN = f"MATCH (n:{ENTITY}) WHERE n.id IN $ids RETURN n.id AS id"
# params: kinds (the schema's)
EXPORT_BAD_KINDS = f"""
MATCH (n:{ENTITY}) WHERE NOT coalesce(n.kind IN $kinds, false)
RETURN n.id AS id, n.kind AS kind, [l IN labels(n) WHERE l IN $kinds] AS labels
"""
EXPORT_DUPLICATE_IDS = f"""
MATCH (n:{ENTITY}) WHERE n.id IS NOT NULL
WITH n.id AS id, count(*) AS c WHERE c > 1
RETURN id, c ORDER BY id LIMIT 10
"""
# Each entity with its outgoing relationships, in id order. params: types (the exported
# relationship types), holds (membership types: their target comes with its properties and
# the ids it points to through a post_in type), post_in (types with the predicate postIn)
EXPORT_ENTITIES = f"""
MATCH (n:{ENTITY}) WHERE n.id IS NOT NULL
WITH n ORDER BY n.id
CALL (n) {{
  OPTIONAL MATCH (n)-[r]->(b) WHERE type(r) IN $types AND b:{ENTITY}
  WITH r, b ORDER BY type(r), b.id
  RETURN collect(CASE WHEN r IS NOT NULL THEN [type(r), b.id, properties(r),
    CASE WHEN type(r) IN $holds
      THEN [properties(b), [(b)-[x]->(o:{ENTITY}) WHERE type(x) IN $post_in | o.id]] END] END) AS rels
}}
RETURN n.id AS id, n.kind AS kind, properties(n) AS props, rels
ORDER BY id
"""
# The same for the entities `ids` only (a part of the graph: export --describe / --template)
EXPORT_ENTITIES_IN = EXPORT_ENTITIES.replace("WHERE n.id IS NOT NULL", "WHERE n.id IN $ids", 1)
# Entities outside `ids` with their relationships (as in EXPORT_ENTITIES) into `ids`, in id order
EXPORT_INCOMING = f"""
MATCH (n:{ENTITY})-[r]->(b:{ENTITY})
WHERE b.id IN $ids AND n.id IS NOT NULL AND NOT n.id IN $ids AND type(r) IN $types
WITH n, r, b ORDER BY n.id, type(r), b.id
WITH n, collect([type(r), b.id, properties(r),
  CASE WHEN type(r) IN $holds
    THEN [properties(b), [(b)-[x]->(o:{ENTITY}) WHERE type(x) IN $post_in | o.id]] END]) AS rels
RETURN n.id AS id, n.kind AS kind, properties(n) AS props, rels
ORDER BY id
"""
# The language of every article. params: kind (the source kind), field (its language field)
EXPORT_SOURCE_LANGUAGES = f"""
MATCH (n:{ENTITY}) WHERE n.kind = $kind AND n.id IS NOT NULL
RETURN n.id AS id, n[$field] AS language
"""
