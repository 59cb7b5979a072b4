; Simple assignments, at any depth: to a name (`BATCH = 8`, `config = dict(...)`) or to an
; attribute (`config._attn_implementation = "eager"`, keyed by its full text).
; Augmented and tuple assignments are not values TrainLens can trust, so they are left out.
(assignment
  left: [(identifier) (attribute)] @name
  right: (_) @value) @assignment
