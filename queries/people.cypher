// name: people
// description: People of an organisation — who holds its posts, who is affiliated with it, who signed for it — with sources; --as-of keeps what is known to hold on that date.
// params:
//   org: {type: entity, kind: Organization, required: true, description: "The organisation: an id, a name or an alias."}
// example: {org: Газпром-Медиа}
MATCH (o:Organization {id: $org})
CALL (o) {
  MATCH (p:Person)-[h:HOLDS]->(post:Post)-[:POST_IN]->(o)
  RETURN p, 0 AS ord, 'post' AS relation, post.title AS detail, post.start AS start, post.end AS end,
         h.sources AS sources
  UNION ALL
  MATCH (p:Person)-[r:ASSOCIATED_WITH]->(o)
  RETURN p, 1 AS ord, 'affiliated' AS relation, r.role AS detail, null AS start, null AS end, r.sources AS sources
  UNION ALL
  MATCH (p:Person)-[s:SIGNED]->(a:Agreement)<-[:PARTY_TO]-(o)
  WHERE EXISTS {(p)-[:HOLDS]->(:Post)-[:POST_IN]->(o)}
  RETURN p, 2 AS ord, 'signed ' + a.id AS relation, a.name AS detail, a.date AS start, null AS end,
         s.sources AS sources
}
// As of a date: known to have started by then (its own date, else its first dated source) and not ended.
CALL (sources) {
  OPTIONAL MATCH (src:Source) WHERE src.id IN sources AND src.date IS NOT NULL
  RETURN min(src.date) AS first_seen
}
WITH p, ord, relation, detail, start, end, sources, coalesce(start, first_seen) AS since
WHERE $as_of IS NULL OR (
        since IS NOT NULL AND left(since, size($as_of)) <= left($as_of, size(since))
    AND (end IS NULL OR left(end, size($as_of)) >= left($as_of, size(end))))
RETURN p.id AS person_id, p.name AS person, relation, detail, start, end, since, sources
ORDER BY person, ord, relation
