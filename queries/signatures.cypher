// name: signatures
// description: Who signed what — every signature, or one person's or organisation's — with the capacity, the date and the event.
// params:
//   who: {type: entity, kind: [Person, Organization], description: "Only this person, or the people who signed for this organisation (omit for all)."}
// example: {who: Борис Ханчалян}
CALL () {
  // with $who, start from that entity (the id index); without, from every signature
  MATCH (p:Entity {id: $who})-[s:SIGNED]->(a:Agreement) RETURN p, s, a
  UNION
  MATCH (:Organization {id: $who})<-[:POST_IN]-(:Post)<-[:HOLDS]-(p:Entity)-[s:SIGNED]->(a:Agreement)
  WHERE EXISTS {(:Organization {id: $who})-[:PARTY_TO]->(a)} RETURN p, s, a
  UNION
  MATCH (p:Entity)-[s:SIGNED]->(a:Agreement) WHERE $who IS NULL RETURN p, s, a
}
OPTIONAL MATCH (p)-[:HOLDS]->(:Post)-[:POST_IN]->(o:Organization)-[:PARTY_TO]->(a)
WITH p, s, a, collect(DISTINCT o) AS orgs
OPTIONAL MATCH (a)-[:SIGNED_AT]->(ev:Event)
RETURN p.id AS person_id, p.name AS person, s.capacity AS capacity,
       [o IN orgs | o.name] AS signed_for, a.id AS agreement_id, a.name AS agreement,
       a.date AS date, ev.name AS signed_at, s.sources AS sources
ORDER BY a.date IS NULL, a.date DESC, agreement, person
