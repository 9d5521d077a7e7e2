"""The optional LLM: one answer for a template question, or a program written from examples.

litellm (the `llm` extra) is imported on the first call only: it takes seconds
to import. It must never write to stdout, which is the language server's LSP
stream, so it is told to be quiet and every call runs with stdout sent to
stderr. Every failure (not installed, timeout, provider error, unusable reply)
becomes an `LlmUnavailable` with a message the user can act on; callers fall
back to the next answer source.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from server import install_command
from server.common.errors import ScionError

# The context features worth showing the model; identifiers are long and rarely help.
PROMPT_FEATURES = (
    "language",
    "rel_path",
    "stem",
    "extension",
    "folder",
    "module_path",
    "enclosing_class",
    "enclosing_function",
    "place",
)
MAX_PROGRAM_EXAMPLES = 20
FENCED_BLOCK = re.compile(r"```[\w+-]*[ \t]*\n(.*?)```", re.DOTALL)
QUOTES = "\"'`"


class LlmUnavailable(ScionError):
    """The LLM could not give an answer: not installed, unreachable, too slow, or an unusable reply."""


@dataclass(frozen=True)
class LlmConfig:
    model: str
    api_base: str | None = None
    api_key: str | None = None
    timeout_s: float = 20.0


def missing_message() -> str | None:
    """Why a configured LLM cannot be used here (litellm not installed), without importing it (seconds)."""
    import importlib.util

    if importlib.util.find_spec("litellm") is not None:
        return None
    return f"litellm is not installed; install it with: {install_command('[llm]')} (from the Scion checkout)"


@functools.cache
def _litellm() -> ModuleType:
    # Without this litellm downloads a price list at import; it must not touch the network then.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            import litellm
    except ImportError as error:
        raise LlmUnavailable(missing_message() or f"litellm cannot be imported: {error}") from error
    litellm.suppress_debug_info = True
    return litellm


def complete(config: LlmConfig, messages: list[dict[str, str]], mock_response: str | None = None) -> str:
    """The model's reply text; `mock_response` answers without a network (tests, dry runs)."""
    litellm = _litellm()
    options: dict[str, Any] = {"timeout": config.timeout_s, "num_retries": 0}
    if config.api_base:
        options["api_base"] = config.api_base
    if config.api_key:
        options["api_key"] = config.api_key
    if mock_response is not None:
        options["mock_response"] = mock_response
    try:
        with contextlib.redirect_stdout(sys.stderr):
            response = litellm.completion(model=config.model, messages=messages, **options)
        text = response.choices[0].message.content
    except Exception as error:  # litellm raises many provider-specific types; all mean "no answer"
        raise LlmUnavailable(_failure_message(config, error)) from error
    if not isinstance(text, str) or not text.strip():
        raise LlmUnavailable(f"LLM {config.model} returned an empty reply")
    return text


def _failure_message(config: LlmConfig, error: Exception) -> str:
    where = f" at {config.api_base}" if config.api_base else ""
    kind = type(error).__name__
    if "timeout" in kind.lower() or "timed out" in str(error).lower():
        return f"LLM {config.model}{where} did not answer within {config.timeout_s:g} s"
    detail = str(error).strip().splitlines()[0][:300] if str(error).strip() else "no details"
    return f"LLM {config.model}{where} failed: {kind}: {detail}"


def ask_answer(
    config: LlmConfig, template_title: str, question: str, features: dict[str, Any], *, mock_response: str | None = None
) -> str | None:
    """The model's answer to one template question, cleaned of quotes and fences; None when empty."""
    context = {key: features.get(key) for key in PROMPT_FEATURES if features.get(key) not in (None, "")}
    messages = [
        {
            "role": "system",
            "content": "You fill in one answer for a code template. Reply with the answer only: "
            "no quotes, no code fences, no explanation.",
        },
        {
            "role": "user",
            "content": f"Template: {template_title}\nQuestion: {question}\n"
            f"Editing context: {json.dumps(context, sort_keys=True)}\nAnswer:",
        },
    ]
    return clean_answer(complete(config, messages, mock_response=mock_response))


def clean_answer(reply: str) -> str | None:
    """The first line of the reply's content, without code fences or surrounding quotes."""
    fenced = FENCED_BLOCK.search(reply)
    text = fenced.group(1) if fenced else reply.replace("```", "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    answer = lines[0]
    while len(answer) >= 2 and answer[0] == answer[-1] and answer[0] in QUOTES:
        answer = answer[1:-1].strip()
    return answer or None


def write_program(
    config: LlmConfig, task: str, examples: list[tuple[dict[str, Any], str]], *, mock_response: str | None = None
) -> str:
    """Python source of `def infer(ctx: dict) -> str` that the model wrote from kept examples.

    The source is not trusted: the engine checks and runs it only in the sandbox.
    """
    shown = [
        {"ctx": {key: ctx.get(key) for key in PROMPT_FEATURES}, "answer": answer}
        for ctx, answer in examples[:MAX_PROGRAM_EXAMPLES]
    ]
    messages = [
        {
            "role": "system",
            "content": "You write small, pure Python functions. Reply with one ```python code block only.",
        },
        {
            "role": "user",
            "content": f"Task: {task}\n"
            "Write `def infer(ctx: dict) -> str` that returns the answer for every example below "
            "and generalises the naming convention they follow. Use only str methods and plain Python; "
            "you may `import re`. No other imports, no I/O, no names starting with an underscore.\n"
            f"Examples (JSON):\n{json.dumps(shown, indent=1, sort_keys=True)}",
        },
    ]
    return extract_program(complete(config, messages, mock_response=mock_response))


def extract_program(reply: str) -> str:
    """The code block that defines `infer` (with its helpers), or the code part of an unfenced reply."""
    blocks: list[str] = FENCED_BLOCK.findall(reply)
    for block in blocks:
        if "def infer" in block:
            return block.strip() + "\n"
    lines = reply.splitlines()
    first_code = next((i for i, line in enumerate(lines) if line.startswith(("import ", "from ", "def "))), None)
    if "def infer" in reply and first_code is not None:
        return "\n".join(lines[first_code:]).strip() + "\n"
    raise LlmUnavailable("the LLM's reply has no `def infer(ctx)` function")
