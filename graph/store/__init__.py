"""The store: Neo4j — connecting, the managed local server, the graph's layout, loading, counts.

- `connection`: `Settings`, `open_driver` (driver errors → `ConnectionFailed`)
- `server`: the managed Neo4j fetched from Maven Central (`ManagedServer`)
- `layout`: labels, the provenance type, the meta node, internal property names, and
  the internal Cypher over them (loading, counts, constraints, the RDF export's reads)
- `constraints`: constraints and indexes from the schema
- `load`: validated facts → Neo4j, all-or-nothing, with dry-run and prune
- `stats`: counts by kind, facts per source, single-source facts
- `rebuild`: `load --rebuild`, the whole graph rebuilt by Neo4j's bulk importer beside the
  live store and switched in (`bulkcsv`: facts → the importer's CSV; `swap`: the journaled switch)
"""
