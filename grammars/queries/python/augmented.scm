; Augmented assignments to a plain name, written as statements (`GRAD_ACCUM //= WORLD_SIZE`): the
; evaluator applies them along the control flow (server/src/python/flow.ts).
(expression_statement
  (augmented_assignment
    left: (identifier) @name
    right: (_) @value) @assignment)
