// name: entity
// description: Everything known about one entity — its properties and every relationship in and out — with the sources of each fact.
// params:
//   entity: {type: entity, required: true, description: "The entity: an id, a name or an alias."}
// example: {entity: Москино}
MATCH (n:Entity {id: $entity})
CALL (n) {
  UNWIND [k IN keys(n) WHERE NOT k IN ['id', 'name_keys', 'sources', 'quotes', '_loaded', '_hash']] AS k
  RETURN 0 AS part, k AS fact, null AS id, n[k] AS value, n.sources AS sources
  UNION ALL
  MATCH (n)-[r]->(m:Entity) WHERE type(r) <> 'SOURCED_FROM'
  RETURN 1 AS part, type(r) + ' →' AS fact, m.id AS id,
         m.name + coalesce(' (' + coalesce(r.role, r.capacity) + ')', '') AS value, r.sources AS sources
  UNION ALL
  MATCH (n)<-[r]-(m:Entity) WHERE type(r) <> 'SOURCED_FROM'
  RETURN 2 AS part, '← ' + type(r) AS fact, m.id AS id,
         m.name + coalesce(' (' + coalesce(r.role, r.capacity) + ')', '') AS value, r.sources AS sources
}
RETURN fact, id, value, sources
ORDER BY part, fact, id
