// name: path
// description: The shortest chain of facts linking two entities (links to sources not counted; of equal paths the first by ids), one row per step with the relationship and its sources.
// params:
//   from: {type: entity, required: true, description: "Where the path starts: an id, a name or an alias."}
//   to: {type: entity, required: true, description: "Where it ends: an id, a name or an alias."}
//   max_hops: {type: int, default: 8, min: 1, max: 8, description: "At most this many relationships."}
// example: {from: Таджикфильм, to: Москино}
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
CALL (a, b) {
  WITH a, b WHERE a = b
  RETURN [a] AS ns, [] AS rs
  UNION
  WITH a, b WHERE a <> b
  MATCH p = allShortestPaths((a)-[*..8]-(b))
  WHERE length(p) <= $max_hops
    AND all(r IN relationships(p) WHERE type(r) <> 'SOURCED_FROM')
    AND all(n IN nodes(p)[1..-1] WHERE NOT n:Source)
  // Of equally short paths, the first by the ids along it and the relationship types: stable answers.
  WITH p ORDER BY [n IN nodes(p) | n.id], [r IN relationships(p) | type(r)] LIMIT 1
  RETURN nodes(p) AS ns, relationships(p) AS rs
}
UNWIND range(0, size(ns) - 1) AS i
WITH i, ns[i] AS n, CASE WHEN i = 0 THEN null ELSE rs[i - 1] END AS r, ns[i - 1] AS prev
RETURN i AS step,
       CASE WHEN r IS NULL THEN null
            WHEN startNode(r) = prev THEN type(r) + ' →' ELSE '← ' + type(r) END AS via,
       n.id AS id, n.kind AS kind, n.name AS name, r.sources AS sources
ORDER BY step
