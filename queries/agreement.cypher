// name: agreement
// description: The parties and signatories of an agreement, with the organisation each signatory signed for, where and when it was signed.
// params:
//   agreement: {type: entity, kind: Agreement, required: true, description: "The agreement: an id, a name or an alias."}
// example: {agreement: agreement-iskra-memorandum}
MATCH (a:Agreement {id: $agreement})
OPTIONAL MATCH (a)-[:SIGNED_AT]->(ev:Event)
WITH a, ev
CALL (a) {
  MATCH (o:Entity)-[r:PARTY_TO]->(a)
  RETURN 'party' AS role, o.id AS id, o.name AS name, r.role AS detail, null AS signed_for, r.sources AS sources
  UNION ALL
  MATCH (p:Entity)-[r:SIGNED]->(a)
  OPTIONAL MATCH (p)-[:HOLDS]->(:Post)-[:POST_IN]->(o:Organization)-[:PARTY_TO]->(a)
  WITH p, r, collect(DISTINCT o.name) AS orgs
  RETURN 'signatory' AS role, p.id AS id, p.name AS name, r.capacity AS detail,
         CASE WHEN size(orgs) = 0 THEN null ELSE reduce(s = head(orgs), x IN tail(orgs) | s + '; ' + x) END AS signed_for,
         r.sources AS sources
}
RETURN role, id, name, detail, signed_for, a.date AS date, ev.name AS signed_at, sources
ORDER BY CASE role WHEN 'party' THEN 0 ELSE 1 END, name
