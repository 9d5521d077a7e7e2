"""The evolution engine's pure core: answer programs, their sandbox, stage rules and the optional LLM.

- `dsl` / `synthesis`: string-transformation programs over editing-context features,
  found from kept examples, with evidence-based confidence and provenance files.
- `runtime`: the helpers every learned program carries in its own source.
- `sandbox` (+ `sandbox_child`): AST allow-list, then a limited child process.
- `stages`: llm_only -> hybrid -> code_first -> code_only, and who answers.
- `llm`: lazy, quiet litellm with timeouts.

Nothing here imports pygls, lsprotocol or the store; modules are imported by name
(litellm only on the first LLM call).
"""
