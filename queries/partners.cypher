// name: partners
// description: Co-production partners of an organisation — fellow parties to its agreements, co-producers of its projects, parties to agreements on its projects — with what links them; --as-of keeps links dated on or before it.
// params:
//   org: {type: entity, kind: Organization, required: true, description: "The organisation: an id, a name or an alias."}
// example: {org: 1-2-3 Production}
MATCH (o:Organization {id: $org})
CALL (o) {
  MATCH (o)-[r1:PARTY_TO]->(a:Agreement)<-[r2:PARTY_TO]-(p:Organization) WHERE p <> o
  RETURN p, a AS via, 'agreement' AS link, r1.sources + r2.sources AS sources
  UNION
  MATCH (o)-[r1:PRODUCES]->(pr:Project)<-[r2:PRODUCES]-(p:Organization) WHERE p <> o
  RETURN p, pr AS via, 'co-producer' AS link, r1.sources + r2.sources AS sources
  UNION
  MATCH (o)-[r1:PRODUCES]->(pr:Project)<-[r2:CONCERNS]-(a:Agreement)<-[r3:PARTY_TO]-(p:Organization) WHERE p <> o
  RETURN p, a AS via, 'agreement on its project ' + pr.id AS link, r1.sources + r2.sources + r3.sources AS sources
  UNION
  MATCH (o)-[r1:PARTY_TO]->(a:Agreement)-[r2:CONCERNS]->(pr:Project)<-[r3:PRODUCES]-(p:Organization) WHERE p <> o
  RETURN p, a AS via, 'producer of ' + pr.id AS link, r1.sources + r2.sources + r3.sources AS sources
}
// When the link was made: the agreement's date, else its event's start, else the first dated source.
CALL (via, sources) {
  OPTIONAL MATCH path = (via)-[:SIGNED_AT]->(:Event)-[:SUB_EVENT_OF*0..3]->(e:Event) WHERE e.start IS NOT NULL
  WITH e ORDER BY length(path) LIMIT 1
  RETURN e.start AS event_date
}
CALL (sources) {
  OPTIONAL MATCH (s:Source) WHERE s.id IN sources AND s.date IS NOT NULL
  RETURN min(s.date) AS reported
}
WITH p, via, link, sources, coalesce(via.date, event_date, reported) AS since
WHERE $as_of IS NULL OR (since IS NOT NULL AND left(since, size($as_of)) <= left($as_of, size(since)))
WITH p, via, since, collect(DISTINCT link) AS links, collect(sources) AS lists
RETURN p.id AS partner_id, p.name AS partner, p.type AS type, via.name AS via,
       COLLECT {UNWIND links AS l RETURN l ORDER BY l} AS links, since,
       COLLECT {UNWIND lists AS l UNWIND l AS s WITH DISTINCT s RETURN s ORDER BY s} AS sources
ORDER BY partner, via
