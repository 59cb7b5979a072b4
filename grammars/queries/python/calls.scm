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
