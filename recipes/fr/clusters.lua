-- Les mots qui nomment les groupes k-means (voir rules/clusters.lua) :
-- `low` et `high` pour chaque dimension, la façon dont les mots forment un
-- nom, le nom d'un groupe proche de la moyenne, et les rangs de dépense qui
-- départagent des groupes qui auraient le même nom.
return {
  recency = { low = "récents", high = "partis depuis longtemps" },
  frequency = { low = "occasionnels", high = "fréquents" },
  spend = { low = "à petit budget", high = "à gros budget" },
  name = "Clients {{words}}",
  separator = ", ",
  average = "Clients dans la moyenne",
  ranks = { "1er par la dépense", "2e par la dépense", "3e par la dépense", "4e par la dépense",
    "5e par la dépense", "6e par la dépense", "7e par la dépense", "8e par la dépense" },
}
