// name: cluster
// description: A film cluster (or every cluster) — its sites, location, operators, developers, market focus, agreements and their parties, events held and projects filmed there.
// params:
//   cluster: {type: entity, kind: Cluster, description: "The cluster (omit for every cluster)."}
// example: {cluster: Московский кинокластер}
CALL () {
  // with $cluster, start from that cluster (the id index); without, from every cluster
  MATCH (c:Cluster {id: $cluster}) RETURN c
  UNION
  MATCH (c:Cluster) WHERE $cluster IS NULL RETURN c
}
WITH c, [c] + COLLECT {MATCH (c)-[:HAS_SITE]->(s) RETURN s} AS here
CALL (c, here) {
  MATCH (c)-[r:HAS_SITE]->(x) RETURN 1 AS ord, 'site' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  MATCH (c)-[r:LOCATED_IN]->(x) RETURN 2 AS ord, 'located in' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  UNWIND here AS t MATCH (x:Organization)-[r:OPERATES]->(t)
  RETURN 3 AS ord, 'operator' AS relation, x, CASE WHEN t = c THEN null ELSE t.name END AS detail, r.sources AS sources
  UNION ALL
  UNWIND here AS t MATCH (x:Organization)-[r:DEVELOPS]->(t)
  RETURN 4 AS ord, 'developer' AS relation, x, CASE WHEN t = c THEN null ELSE t.name END AS detail, r.sources AS sources
  UNION ALL
  MATCH (x)-[r:ANNOUNCED]->(c) RETURN 5 AS ord, 'announced by' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  MATCH (c)-[r:FOCUSES_ON]->(x) RETURN 6 AS ord, 'focuses on' AS relation, x, null AS detail, r.sources AS sources
  UNION ALL
  UNWIND here AS t MATCH (x:Agreement)-[r:CONCERNS]->(t)
  WITH x, collect(CASE WHEN t = c THEN null ELSE t.name END) AS about, collect(r.sources) AS lists
  RETURN 7 AS ord, 'agreement' AS relation, x,
         reduce(d = null, t IN COLLECT {UNWIND about AS a RETURN a ORDER BY a} | coalesce(d + '; ', '') + t) AS detail,
         COLLECT {UNWIND lists AS l UNWIND l AS s WITH DISTINCT s RETURN s ORDER BY s} AS sources
  UNION ALL
  UNWIND here AS t MATCH (a:Agreement)-[:CONCERNS]->(t)
  WITH DISTINCT a MATCH (x:Organization)-[r:PARTY_TO]->(a)
  RETURN 8 AS ord, 'partner' AS relation, x, a.name AS detail, r.sources AS sources
  UNION ALL
  UNWIND here AS t MATCH (x:Event)-[r:HELD_IN]->(t)
  RETURN 9 AS ord, 'event held there' AS relation, x, t.name AS detail, r.sources AS sources
  UNION ALL
  UNWIND here + COLLECT {MATCH (c)-[:LOCATED_IN]->(l) RETURN l} AS t
  WITH DISTINCT t MATCH (x:Project)-[r:FILMED_IN]->(t)
  RETURN 10 AS ord, 'project filmed there' AS relation, x, t.name AS detail, r.sources AS sources
}
RETURN c.id AS cluster_id, c.name AS cluster, c.status AS status, relation, x.id AS id, x.name AS name,
       detail, sources
ORDER BY cluster, ord, name, detail
