// name: most_connected
// description: The most connected organisations and people, ranked by how many facts link them to other entities, with how many distinct entities and sources.
// params:
//   kind: {type: string, values: [Organization, Person], description: "Only organisations or only people (omit for both)."}
//   top: {type: int, default: 10, min: 1, description: "How many to list."}
// example: {kind: Organization, top: 5}
MATCH (n:Entity)
WHERE (n:Organization OR n:Person) AND ($kind IS NULL OR n.kind = $kind)
// A bound from the degree store, no neighbour read: every relationship but the provenance ones.
WITH n, COUNT { (n)--() } - COUNT { (n)-[:SOURCED_FROM]-() } AS bound
WHERE bound > 0
WITH collect([n, bound]) AS all
// The links (not to a source) of the $top best bounded give a floor the $top-th most linked
// reaches at least; only those whose bound reaches it can rank, and only they are counted.
WITH all, COLLECT {
  UNWIND all AS x
  WITH x ORDER BY x[1] DESC LIMIT $top
  WITH x[0] AS n
  RETURN COUNT { (n)-[r]-(m:Entity) WHERE type(r) <> 'SOURCED_FROM' AND NOT m:Source } AS links ORDER BY links DESC
} AS sample
WITH all, CASE WHEN size(sample) = $top AND sample[-1] > 0 THEN sample[-1] ELSE 1 END AS floor
UNWIND all AS x
WITH x[0] AS n, x[1] AS bound
WHERE bound >= floor
CALL (n) {
  MATCH (n)-[r]-(m:Entity) WHERE type(r) <> 'SOURCED_FROM' AND NOT m:Source
  WITH collect(r) AS rs, count(DISTINCT m) AS neighbours
  RETURN size(rs) AS links, neighbours, size(COLLECT {UNWIND rs AS r UNWIND r.sources AS s RETURN DISTINCT s}) AS sources
}
WITH n, links, neighbours, sources
WHERE links > 0
ORDER BY links DESC, neighbours DESC, n.name
LIMIT $top
RETURN n.id AS id, n.kind AS kind, n.name AS name, links, neighbours, sources
