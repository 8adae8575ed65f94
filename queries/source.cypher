// name: source
// description: What one source states — every entity and relationship that cites it, with the quote given as evidence.
// params:
//   source: {type: entity, kind: Source, required: true, description: "The source: its id (src-003) or its title."}
// example: {source: src-003}
MATCH (s:Source {id: $source})
CALL (s) {
  MATCH (n:Entity)-[e:SOURCED_FROM]->(s)
  RETURN 0 AS part, n.kind AS kind, n.id AS subject_id, n.name AS subject, null AS relation,
         null AS object_id, null AS object, e.quote AS quote
  UNION ALL
  // the keyword-analysed full-text index: each element of `sources` is one exact term
  CALL db.index.fulltext.queryRelationships('relation_sources', '"' + s.id + '"') YIELD relationship AS r
  WITH s, r, startNode(r) AS a, endNode(r) AS b
  WHERE s.id IN r.sources AND a:Entity AND b:Entity
  RETURN 1 AS part, 'relation' AS kind, a.id AS subject_id, a.name AS subject, type(r) AS relation,
         b.id AS object_id, b.name AS object,
         [i IN range(0, size(r.sources) - 1) WHERE r.sources[i] = s.id | r.quotes[i]][0] AS quote
}
RETURN kind, subject_id, subject, relation, object_id, object, CASE WHEN quote = '' THEN null ELSE quote END AS quote
ORDER BY part, kind, subject_id, relation, object_id
