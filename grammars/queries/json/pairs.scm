; Key/value pairs of a JSON document (DeepSpeed configs read through these).
(pair
  key: (string (string_content) @key)
  value: (_) @value) @pair
