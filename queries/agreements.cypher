// name: agreements
// description: Agreements in a date range with their parties, signatories and event; the date is the signing date, else the start of the event it was signed at, else the date it was first reported.
// params:
//   from: {type: date, description: "Earliest date, YYYY, YYYY-MM or YYYY-MM-DD (omit for no lower bound)."}
//   to: {type: date, description: "Latest date, YYYY, YYYY-MM or YYYY-MM-DD (omit for no upper bound)."}
// example: {from: "2025", to: "2025"}
CALL () {
  MATCH (a:Agreement) WHERE a.date IS NOT NULL
  RETURN a, [a.date, 'signed'] AS d
  UNION ALL
  // no signing date: the event's start, else the first report (looked up only for these)
  MATCH (a:Agreement) WHERE a.date IS NULL
  CALL (a) {
    OPTIONAL MATCH p = (a)-[:SIGNED_AT]->(:Event)-[:SUB_EVENT_OF*0..3]->(e:Event) WHERE e.start IS NOT NULL
    RETURN e.start AS event_date ORDER BY length(p) LIMIT 1
  }
  CALL (a) {
    OPTIONAL MATCH (s:Source) WHERE s.id IN a.sources AND s.date IS NOT NULL
    RETURN min(s.date) AS reported
  }
  RETURN a, CASE WHEN event_date IS NOT NULL THEN [event_date, 'event']
                 WHEN reported IS NOT NULL THEN [reported, 'reported'] ELSE [null, 'unknown'] END AS d
}
WITH a, d
// Partial dates compare at their common precision: '2025' is within from 2025-08 to 2025-12.
WHERE ($from IS NULL OR (d[0] IS NOT NULL AND left(d[0], size($from)) >= left($from, size(d[0]))))
  AND ($to IS NULL OR (d[0] IS NOT NULL AND left(d[0], size($to)) <= left($to, size(d[0]))))
OPTIONAL MATCH (a)-[:SIGNED_AT]->(ev:Event)
RETURN a.id AS id, a.name AS agreement, a.type AS type, d[0] AS date, d[1] AS date_basis,
       COLLECT {MATCH (o)-[:PARTY_TO]->(a) RETURN o.name ORDER BY o.name} AS parties,
       COLLECT {MATCH (p)-[:SIGNED]->(a) RETURN p.name ORDER BY p.name} AS signatories,
       ev.name AS signed_at, a.sources AS sources
ORDER BY date, agreement
