; The facts of a Python file, in one query so that the tree is walked once (server/src/python/facts.ts
; tells the patterns apart by their captures).

; Every call with a plain or dotted callee: `TrainingArguments(...)`,
; `AutoModelForCausalLM.from_pretrained(...)`, `model.gradient_checkpointing_enable()`.
; @callee is the last name of the callee, @receiver what it is called on.
(call
  function: [
    (identifier) @callee
    (attribute
      object: (_) @receiver
      attribute: (identifier) @callee)
  ]
  arguments: (argument_list) @args) @call

; Simple assignments, at any depth: to a name (`BATCH = 8`, `config = dict(...)`) or to an
; attribute (`config._attn_implementation = "eager"`, keyed by its full text).
; Tuple assignments are not values TrainLens can trust, so they are left out.
(assignment
  left: [(identifier) (attribute)] @name
  right: (_) @value) @assignment

; Augmented assignments to a plain name, written as statements (`GRAD_ACCUM //= WORLD_SIZE`): the
; evaluator applies them along the control flow (server/src/python/flow.ts).
(expression_statement
  (augmented_assignment
    left: (identifier) @name
    right: (_) @value) @augmented)

; In-file settings: `# trainlens: gpu=V100-32GB gpus=8`.
((comment) @directive
  (#match? @directive "^#[ \t]*trainlens:"))
