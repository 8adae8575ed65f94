// name: single_source
// description: Facts supported by only one source — entities and relationships citing a single article (reference datasets such as ISO 3166 not counted) — the first to corroborate.
// params:
//   source: {type: entity, kind: Source, description: "Only facts resting on this source (omit for all)."}
// example: {source: src-004}
WITH COLLECT {MATCH (d:Source) WHERE d.source_type = 'dataset' RETURN d.id} AS ds
// Reference datasets (ISO 3166) do not corroborate an article: a fact's articles are its sources less them.
CALL (ds) {
  // one source asked for: start from it, through its provenance edges and the keyword
  // full-text index of relationships' sources; every fact is scanned only when none is
  MATCH (:Source {id: $source})<-[:SOURCED_FROM]-(n:Entity)
  WHERE NOT n:Source
  WITH n, [i IN range(0, size(coalesce(n.sources, [])) - 1) WHERE NOT n.sources[i] IN ds] AS art
  WHERE size(art) = 1 AND n.sources[art[0]] = $source
  RETURN 0 AS part, n.kind AS kind, n.id AS subject_id, n.name AS subject, null AS relation,
         null AS object_id, null AS object, n.sources[art[0]] AS source, n.quotes[art[0]] AS quote
  UNION ALL
  MATCH (s:Source {id: $source})
  CALL db.index.fulltext.queryRelationships('relation_sources', '"' + s.id + '"') YIELD relationship AS r
  WITH r, startNode(r) AS a, endNode(r) AS b, [i IN range(0, size(r.sources) - 1) WHERE NOT r.sources[i] IN ds] AS art
  WHERE size(art) = 1 AND r.sources[art[0]] = $source AND a:Entity AND b:Entity
  RETURN 1 AS part, 'relation' AS kind, a.id AS subject_id, a.name AS subject, type(r) AS relation,
         b.id AS object_id, b.name AS object, r.sources[art[0]] AS source, r.quotes[art[0]] AS quote
  UNION ALL
  UNWIND CASE WHEN $source IS NULL THEN [true] ELSE [] END AS every
  MATCH (n:Entity) WHERE NOT n:Source
  WITH n, [i IN range(0, size(coalesce(n.sources, [])) - 1) WHERE NOT n.sources[i] IN ds] AS art
  WHERE size(art) = 1
  RETURN 0 AS part, n.kind AS kind, n.id AS subject_id, n.name AS subject, null AS relation,
         null AS object_id, null AS object, n.sources[art[0]] AS source, n.quotes[art[0]] AS quote
  UNION ALL
  UNWIND CASE WHEN $source IS NULL THEN [true] ELSE [] END AS every
  MATCH (a:Entity)-[r]->(b:Entity)
  WHERE type(r) <> 'SOURCED_FROM'
  WITH a, r, b, [i IN range(0, size(coalesce(r.sources, [])) - 1) WHERE NOT r.sources[i] IN ds] AS art
  WHERE size(art) = 1
  RETURN 1 AS part, 'relation' AS kind, a.id AS subject_id, a.name AS subject, type(r) AS relation,
         b.id AS object_id, b.name AS object, r.sources[art[0]] AS source, r.quotes[art[0]] AS quote
}
RETURN source, kind, subject_id, subject, relation, object_id, object,
       CASE WHEN quote = '' THEN null ELSE quote END AS quote
ORDER BY source, part, kind, subject_id, relation, object_id
