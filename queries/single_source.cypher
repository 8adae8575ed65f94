// name: single_source
// description: Facts supported by only one source — entities and relationships citing a single article — the first to corroborate.
// params:
//   source: {type: entity, kind: Source, description: "Only facts resting on this source (omit for all)."}
// example: {source: src-004}
CALL () {
  MATCH (n:Entity) WHERE NOT n:Source AND size(coalesce(n.sources, [])) = 1
  RETURN 0 AS part, n.kind AS kind, n.id AS subject_id, n.name AS subject, null AS relation,
         null AS object_id, null AS object, n.sources[0] AS source, n.quotes[0] AS quote
  UNION ALL
  MATCH (a:Entity)-[r]->(b:Entity)
  WHERE type(r) <> 'SOURCED_FROM' AND size(coalesce(r.sources, [])) = 1
  RETURN 1 AS part, 'relation' AS kind, a.id AS subject_id, a.name AS subject, type(r) AS relation,
         b.id AS object_id, b.name AS object, r.sources[0] AS source, r.quotes[0] AS quote
}
WITH * WHERE $source IS NULL OR source = $source
RETURN source, kind, subject_id, subject, relation, object_id, object,
       CASE WHEN quote = '' THEN null ELSE quote END AS quote
ORDER BY source, part, kind, subject_id, relation, object_id
