// name: search
// description: Find entities by words in their names or aliases (full-text, forgiving small typos; a declined Russian name also by its dictionary form), to get the id other questions take.
// params:
//   text: {type: string, required: true, description: "Words to look for, e.g. Москино, kinodanz or Беларусьфильма."}
//   kind: {type: string, values: [Organization, Person, Post, Agreement, Project, Cluster, Site, Event, Incentive, Place, Source], description: Only entities of this kind.}
//   top: {type: int, default: 10, min: 1, description: "How many to list."}
// example: {text: москино}

// Lucene syntax in the words is escaped and they are lower-cased (AND, OR, NOT are no operators), so
// they are matched as plain words, each also as a prefix and fuzzily.
WITH [w IN split(toLower(trim($text)), ' ') WHERE w <> ''] AS words
WITH [w IN words | reduce(s = w, c IN ['\\', '+', '-', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?', ':', '/']
                         | replace(s, c, '\\' + c))] AS words
WHERE size(words) > 0
WITH reduce(q = '', w IN words | q + CASE WHEN q = '' THEN '' ELSE ' AND ' END
            + '(' + w + ' OR ' + w + '* OR ' + w + '~1)') AS query
// $text_forms: the dictionary forms of $text («Беларусьфильма» → беларусьфильм), filled in by the
// runner (graph.model.forms, the matcher `query` uses for entity names); a whole name found so comes first.
CALL (query) {
  CALL db.index.fulltext.queryNodes('entity_names', query) YIELD node, score
  RETURN node, score
  UNION
  UNWIND $text_forms AS form  // none (a name as written): no rows, nothing scanned
  MATCH (node:Entity) WHERE form IN node.name_keys
  RETURN DISTINCT node, 100.0 AS score
}
WITH node, max(score) AS score WHERE $kind IS NULL OR node.kind = $kind
RETURN node.id AS id, node.kind AS kind, node.name AS name, node.aliases AS aliases, round(score, 3) AS score
ORDER BY score DESC, id
LIMIT $top
