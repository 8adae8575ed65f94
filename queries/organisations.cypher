// name: organisations
// description: Organisations by country, or within any place, from where they are located or what they govern (up through PART_OF), with the sources of that link; with no place, those of no known country come last.
// params:
//   place: {type: entity, kind: Place, description: "A country, region or city (omit to group every organisation by country)."}
//   type: {type: string, values: [studio, production_company, media_holding, government_body, agency, association, non_profit, media_outlet], description: Only organisations of this type.}
// example: {place: Казахстан}
CALL () {
  // a place asked for: from it, down PART_OF and back to what is located in it or governs it
  MATCH path = (o:Organization)-[:LOCATED_IN|JURISDICTION]->(:Entity)-[:LOCATED_IN|PART_OF*0..5]->(x:Place {id: $place})
  WHERE $type IS NULL OR o.type = $type
  WITH o, x, head(collect(path)) AS path
  RETURN o, [{place: x.name, via: [n IN nodes(path)[1..-1] | n.name],
              sources: reduce(acc = [], r IN relationships(path) | acc + [s IN r.sources WHERE NOT s IN acc])}] AS found
  UNION ALL
  // none: every organisation, with its countries
  UNWIND CASE WHEN $place IS NULL THEN [true] ELSE [] END AS every
  MATCH (o:Organization)
  WHERE $type IS NULL OR o.type = $type
  OPTIONAL MATCH path = (o)-[:LOCATED_IN|JURISDICTION]->(:Entity)-[:LOCATED_IN|PART_OF*0..5]->(x:Place)
    WHERE x.type = 'country'
  WITH o, x, head(collect(path)) AS path
  RETURN o, collect(CASE WHEN x IS NULL THEN null ELSE {
           place: x.name, via: [n IN nodes(path)[1..-1] | n.name],
           sources: reduce(acc = [], r IN relationships(path) | acc + [s IN r.sources WHERE NOT s IN acc])} END) AS found
}
UNWIND CASE WHEN size(found) = 0 THEN [{place: null, via: [], sources: []}] ELSE found END AS f
RETURN f.place AS place, o.id AS id, o.name AS organisation, o.type AS type, f.via AS via, f.sources AS sources
ORDER BY place IS NULL, place, organisation
