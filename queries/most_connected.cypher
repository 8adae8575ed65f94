// name: most_connected
// description: The most connected organisations and people, ranked by how many facts link them to other entities, with how many distinct entities and sources.
// params:
//   kind: {type: string, values: [Organization, Person], description: "Only organisations or only people (omit for both)."}
//   top: {type: int, default: 10, min: 1, description: "How many to list."}
// example: {kind: Organization, top: 5}
MATCH (n:Entity)
WHERE (n:Organization OR n:Person) AND ($kind IS NULL OR n.kind = $kind)
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
