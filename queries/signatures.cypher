// name: signatures
// description: Who signed what — every signature, or one person's or organisation's — with the capacity, the date and the event.
// params:
//   who: {type: entity, kind: [Person, Organization], description: "Only this person, or the people who signed for this organisation (omit for all)."}
// example: {who: Борис Ханчалян}
MATCH (p:Entity)-[s:SIGNED]->(a:Agreement)
OPTIONAL MATCH (p)-[:HOLDS]->(:Post)-[:POST_IN]->(o:Organization)-[:PARTY_TO]->(a)
WITH p, s, a, collect(DISTINCT o) AS orgs
WHERE $who IS NULL OR p.id = $who OR any(o IN orgs WHERE o.id = $who)
OPTIONAL MATCH (a)-[:SIGNED_AT]->(ev:Event)
RETURN p.id AS person_id, p.name AS person, s.capacity AS capacity,
       [o IN orgs | o.name] AS signed_for, a.id AS agreement_id, a.name AS agreement,
       a.date AS date, ev.name AS signed_at, s.sources AS sources
ORDER BY a.date IS NULL, a.date DESC, agreement, person
