// name: projects
// description: Projects of an organisation (or of every organisation) — produced, co-produced, announced, or covered by an agreement it is party to — with type, status, director and where filmed.
// params:
//   org: {type: entity, kind: Organization, description: "The organisation (omit for all)."}
// example: {org: Kinodanz}
CALL () {
  // with $org, start from that organisation (the id index); without, from all of them
  MATCH (o:Organization {id: $org}) RETURN o
  UNION
  MATCH (o:Organization) WHERE $org IS NULL RETURN o
}
CALL (o) {
  MATCH (o)-[r:PRODUCES]->(pr:Project)
  RETURN pr, coalesce(r.role, 'producer') AS role, r.sources AS sources
  UNION
  MATCH (o)-[r:ANNOUNCED]->(pr:Project)
  RETURN pr, 'announced' AS role, r.sources AS sources
  UNION
  MATCH (o)-[r1:PARTY_TO]->(a:Agreement)-[r2:CONCERNS]->(pr:Project)
  RETURN pr, 'party to ' + a.id AS role, r1.sources + r2.sources AS sources
}
WITH o, pr, collect(role) AS roles, collect(sources) AS lists
RETURN o.id AS org_id, o.name AS organisation, pr.id AS project_id, pr.name AS project, pr.type AS type,
       pr.status AS status, COLLECT {UNWIND roles AS r WITH DISTINCT r RETURN r ORDER BY r} AS roles,
       COLLECT {MATCH (pr)-[:DIRECTED_BY]->(d) RETURN d.name ORDER BY d.name} AS directed_by,
       COLLECT {MATCH (pr)-[:FILMED_IN]->(w) RETURN w.name ORDER BY w.name} AS filmed_in,
       COLLECT {UNWIND lists AS l UNWIND l AS s WITH DISTINCT s RETURN s ORDER BY s} AS sources
ORDER BY organisation, project
