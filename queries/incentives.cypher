// name: incentives
// description: Incentives (rebates, grants, subsidies) by place — offered there (by the place or a body governing it) or discussed with it — with who approved them and where they were discussed.
// params:
//   place: {type: entity, kind: Place, description: "A country, region or city, places within it included (omit for every place)."}
//   type: {type: string, values: [rebate, grant, subsidy], description: Only incentives of this type.}
// example: {place: Москва}
CALL () {
  // with $place, only incentives tied to a place within it (found from the place's id index)
  MATCH (:Place {id: $place})<-[:PART_OF*0..5]-(pl:Place)
  WITH DISTINCT pl
  CALL (pl) {
    MATCH (i:Incentive)-[:OFFERED_BY|DISCUSSED_WITH]->(pl) RETURN i
    UNION
    MATCH (i:Incentive)-[:OFFERED_BY|DISCUSSED_WITH]->(:Organization)-[:JURISDICTION|LOCATED_IN]->(pl) RETURN i
  }
  RETURN DISTINCT i
  UNION
  MATCH (i:Incentive) WHERE $place IS NULL RETURN i
}
WITH i WHERE $type IS NULL OR i.type = $type
CALL (i) {
  MATCH (i)-[r:OFFERED_BY]->(pl:Place) RETURN pl, 'offered by' AS relation, r.sources AS sources
  UNION
  MATCH (i)-[r:OFFERED_BY]->(o:Organization)-[r2:JURISDICTION|LOCATED_IN]->(pl:Place)
  RETURN pl, 'offered by ' + o.name AS relation, r.sources + r2.sources AS sources
  UNION
  MATCH (i)-[r:DISCUSSED_WITH]->(pl:Place) RETURN pl, 'discussed with' AS relation, r.sources AS sources
  UNION
  MATCH (i)-[r:DISCUSSED_WITH]->(o:Organization)-[r2:JURISDICTION|LOCATED_IN]->(pl:Place)
  RETURN pl, 'discussed with ' + o.name AS relation, r.sources + r2.sources AS sources
}
WITH i, pl, relation, sources
WHERE $place IS NULL OR EXISTS {(pl)-[:PART_OF*0..5]->(:Place {id: $place})}
RETURN pl.name AS place, relation, i.id AS id, i.name AS incentive, i.type AS type, i.approved AS approved,
       COLLECT {MATCH (i)-[:APPROVED_BY]->(p) RETURN p.name ORDER BY p.name} AS approved_by,
       COLLECT {MATCH (i)-[:DISCUSSED_AT]->(e) RETURN e.name ORDER BY e.name} AS discussed_at,
       sources
ORDER BY place, relation DESC, incentive
