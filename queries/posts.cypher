// name: posts
// description: A person's posts over time (or everyone's), with start, end and the dates of the sources attesting them; --as-of keeps posts known to be held on that date.
// params:
//   person: {type: entity, kind: Person, description: "The person (omit for everyone)."}
// example: {person: Георгий Прокопов}
CALL () {
  // with $person, start from that person (the id index); without, from everyone
  MATCH (p:Person {id: $person}) RETURN p
  UNION
  MATCH (p:Person) WHERE $person IS NULL RETURN p
}
MATCH (p)-[h:HOLDS]->(post:Post)
OPTIONAL MATCH (post)-[:POST_IN]->(o:Organization)
OPTIONAL MATCH (post)-[:JURISDICTION]->(pl:Place)
OPTIONAL MATCH (src:Source) WHERE src.id IN h.sources AND src.date IS NOT NULL
WITH p, h, post, o, pl, min(src.date) AS first_seen, max(src.date) AS last_seen
// Held on $as_of: started (its start, else its first dated source) on or before it, and not
// ended before it. Partial dates compare at their common precision ('2025' vs '2025-08-26').
WITH p, h, post, o, pl, first_seen, last_seen, coalesce(post.start, first_seen) AS since
WHERE $as_of IS NULL OR (
        since IS NOT NULL AND left(since, size($as_of)) <= left($as_of, size(since))
    AND (post.end IS NULL OR left(post.end, size($as_of)) >= left($as_of, size(post.end))))
RETURN p.id AS person_id, p.name AS person, post.title AS title, o.name AS organisation,
       pl.name AS jurisdiction, post.start AS start, post.end AS end, first_seen, last_seen,
       h.sources AS sources
ORDER BY person, since, title
