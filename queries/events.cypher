// name: events
// description: Events (or one event with its sub-events), when and where, and what happened there — agreements signed, incentives discussed, projects announced by speakers, speakers, partners.
// params:
//   event: {type: entity, kind: Event, description: "The event (omit for every event)."}
// example: {event: Народы России и СНГ}
CALL () {
  // with $event, start from that event (the id index); without, from every top-level event
  MATCH (e:Event {id: $event}) RETURN e
  UNION
  MATCH (e:Event) WHERE $event IS NULL AND NOT (e)-[:SUB_EVENT_OF]->() RETURN e
}
MATCH (at:Event)-[:SUB_EVENT_OF*0..3]->(e)
OPTIONAL CALL (at, e) {
  MATCH (x:Agreement)-[r:SIGNED_AT]->(at) RETURN 1 AS ord, 'signed' AS what, x, r.sources AS sources
  UNION ALL
  // A speaker's announcement counts as made there when one source states both.
  MATCH (p:Person)-[s:SPOKE_AT]->(at), (p)-[r:ANNOUNCED]->(x)
  WHERE any(src IN r.sources WHERE src IN s.sources)
  RETURN 2 AS ord, 'announced by ' + p.name AS what, x, r.sources AS sources
  UNION ALL
  MATCH (x:Incentive)-[r:DISCUSSED_AT]->(at) RETURN 3 AS ord, 'discussed' AS what, x, r.sources AS sources
  UNION ALL
  MATCH (x:Person)-[r:SPOKE_AT]->(at) RETURN 4 AS ord, 'speaker' AS what, x, r.sources AS sources
  UNION ALL
  MATCH (x:Organization)-[r:PARTNER_OF]->(at)
  RETURN 5 AS ord, 'partner' + coalesce(' (' + r.role + ')', '') AS what, x, r.sources AS sources
  UNION ALL
  MATCH (at)-[r:SUB_EVENT_OF]->(x) WHERE x <> e
  RETURN 6 AS ord, 'part of' AS what, x, r.sources AS sources
}
// Keep an event with nothing recorded there as one row.
WITH e, collect(CASE WHEN what IS NULL THEN null ELSE
       {at: CASE WHEN at = e THEN null ELSE at.name END, ord: ord, what: what, id: x.id, name: x.name,
        sources: sources} END) AS facts
UNWIND CASE WHEN size(facts) = 0 THEN [{}] ELSE facts END AS f
RETURN e.id AS event_id, e.name AS event, e.type AS type, e.start AS start, e.end AS end,
       COLLECT {MATCH (e)-[:HELD_IN]->(pl) RETURN pl.name ORDER BY pl.name} AS held_in,
       f.at AS at, f.what AS what, f.id AS id, f.name AS name, f.sources AS sources
ORDER BY start IS NULL, start, event, at IS NOT NULL, at, f.ord, name
