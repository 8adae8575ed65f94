// name: country_matrix
// description: Country-by-country matrix of co-production links (pairs of organisations party to one agreement or producing one project), counted per pair of their countries; an empty country is one not known.
// params:
//   known_only: {type: bool, default: false, description: "Leave out organisations with no known country."}
// example: {known_only: false}
CALL () {
  MATCH (o1:Organization)-[:PARTY_TO]->(v:Agreement)<-[:PARTY_TO]-(o2:Organization)
  WHERE o1.id < o2.id
  RETURN o1, o2, v
  UNION
  MATCH (o1:Organization)-[:PRODUCES]->(v:Project)<-[:PRODUCES]-(o2:Organization)
  WHERE o1.id < o2.id
  RETURN o1, o2, v
  UNION
  MATCH (x:Organization)-[:PRODUCES]->(:Project)<-[:CONCERNS]-(v:Agreement)<-[:PARTY_TO]-(y:Organization)
  WHERE x <> y
  RETURN CASE WHEN x.id < y.id THEN x ELSE y END AS o1, CASE WHEN x.id < y.id THEN y ELSE x END AS o2, v
}
// An organisation's countries are looked up once, not once per link: the links are grouped
// by their first organisation, then by their second.
WITH o1, collect([o2, v]) AS links
CALL (o1) {
  RETURN COLLECT {MATCH (o1)-[:LOCATED_IN|JURISDICTION]->(:Entity)-[:LOCATED_IN|PART_OF*0..5]->(c:Place {type: 'country'})
                  RETURN DISTINCT c.name} AS c1s
}
UNWIND links AS link
WITH link[0] AS o2, collect([o1, c1s, link[1]]) AS links
CALL (o2) {
  RETURN COLLECT {MATCH (o2)-[:LOCATED_IN|JURISDICTION]->(:Entity)-[:LOCATED_IN|PART_OF*0..5]->(c:Place {type: 'country'})
                  RETURN DISTINCT c.name} AS c2s
}
UNWIND links AS link
WITH link[0] AS o1, o2, link[2] AS v, link[1] AS c1s, c2s
UNWIND CASE WHEN size(c1s) = 0 THEN [null] ELSE c1s END AS c1
UNWIND CASE WHEN size(c2s) = 0 THEN [null] ELSE c2s END AS c2
// Each pair once, in name order, unknown last.
WITH o1, o2, v, CASE WHEN c2 IS NULL OR (c1 IS NOT NULL AND c1 <= c2) THEN [c1, c2] ELSE [c2, c1] END AS pair
WHERE NOT $known_only OR (pair[0] IS NOT NULL AND pair[1] IS NOT NULL)
WITH pair, collect(DISTINCT [o1.id, o2.id]) AS orgs, collect(DISTINCT v.id) AS via
RETURN pair[0] AS country_a, pair[1] AS country_b, size(orgs) AS links,
       COLLECT {UNWIND via AS x RETURN x ORDER BY x} AS via
ORDER BY country_a IS NULL, country_a, country_b IS NULL, country_b
