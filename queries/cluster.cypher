// name: cluster
// description: A film cluster (or every cluster) — its sites, location, operators, developers, market focus, agreements and their parties, events held and projects filmed there.
// params:
//   cluster: {type: entity, kind: Cluster, description: "The cluster (omit for every cluster)."}
// example: {cluster: Московский кинокластер}
MATCH (c:Cluster)
WHERE $cluster IS NULL OR c.id = $cluster
CALL (c) {
  MATCH (c)-[r:HAS_SITE]->(x) RETURN 1 AS ord, 'site' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  MATCH (c)-[r:LOCATED_IN]->(x) RETURN 2 AS ord, 'located in' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  MATCH (x:Organization)-[r:OPERATES]->(t) WHERE t = c OR (c)-[:HAS_SITE]->(t)
  RETURN 3 AS ord, 'operator' AS relation, x, CASE WHEN t = c THEN null ELSE t.name END AS detail, r.sources AS sources
  UNION ALL
  MATCH (x:Organization)-[r:DEVELOPS]->(t) WHERE t = c OR (c)-[:HAS_SITE]->(t)
  RETURN 4 AS ord, 'developer' AS relation, x, CASE WHEN t = c THEN null ELSE t.name END AS detail, r.sources AS sources
  UNION ALL
  MATCH (x)-[r:ANNOUNCED]->(c) RETURN 5 AS ord, 'announced by' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  MATCH (c)-[r:FOCUSES_ON]->(x) RETURN 6 AS ord, 'focuses on' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  MATCH (x:Agreement)-[r:CONCERNS]->(t) WHERE t = c OR (c)-[:HAS_SITE]->(t)
  WITH x, collect(CASE WHEN t = c THEN null ELSE t.name END) AS about, collect(r.sources) AS lists
  RETURN 7 AS ord, 'agreement' AS relation, x,
         reduce(d = null, t IN COLLECT {UNWIND about AS a RETURN a ORDER BY a} | coalesce(d + '; ', '') + t) AS detail,
         COLLECT {UNWIND lists AS l UNWIND l AS s WITH DISTINCT s RETURN s ORDER BY s} AS sources
  UNION ALL
  MATCH (x:Organization)-[r:PARTY_TO]->(a:Agreement)
  WHERE EXISTS {(a)-[:CONCERNS]->(t) WHERE t = c OR (c)-[:HAS_SITE]->(t)}
  RETURN 8 AS ord, 'partner' AS relation, x, a.name AS detail, r.sources AS sources
  UNION ALL
  MATCH (x:Event)-[r:HELD_IN]->(t) WHERE t = c OR (c)-[:HAS_SITE]->(t)
  RETURN 9 AS ord, 'event held there' AS relation, x, t.name AS detail, r.sources AS sources
  UNION ALL
  MATCH (x:Project)-[r:FILMED_IN]->(t) WHERE t = c OR (c)-[:HAS_SITE]->(t) OR (c)-[:LOCATED_IN]->(t)
  RETURN 10 AS ord, 'project filmed there' AS relation, x, t.name AS detail, r.sources AS sources
}
RETURN c.id AS cluster_id, c.name AS cluster, c.status AS status, relation, x.id AS id, x.name AS name,
       detail, sources
ORDER BY cluster, ord, name, detail
