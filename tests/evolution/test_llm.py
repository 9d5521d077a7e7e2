"""The LLM client: offline mock replies, a local OpenAI-compatible stub, timeouts, and a silent stdout.

Needs litellm (the `llm` extra); skipped without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from server.common.errors import ScionError
from server.evolution.llm import (
    LlmConfig,
    LlmUnavailable,
    ask_answer,
    clean_answer,
    complete,
    extract_program,
    write_program,
)

from .contexts import features_for

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Say hi"}]


def test_clean_answer_strips_quotes_and_fences():
    assert clean_answer('"OrderItem"') == "OrderItem"
    assert clean_answer("```\n`OrderItem`\n```") == "OrderItem"
    assert clean_answer("```text\n'user_card'\n```\nBecause...") == "user_card"
    assert clean_answer("  \n MyApp.User \n(the module)") == "MyApp.User"
    assert clean_answer("``") is None
    assert clean_answer('""') is None


def test_extract_program_takes_the_block_with_infer():
    reply = "Here you go:\n```python\nimport re\n\ndef helper(x):\n    return x\n\ndef infer(ctx: dict) -> str:\n    return helper(ctx['stem'])\n```\nDone."
    assert (
        extract_program(reply)
        == "import re\n\ndef helper(x):\n    return x\n\ndef infer(ctx: dict) -> str:\n    return helper(ctx['stem'])\n"
    )
    assert extract_program("def infer(ctx):\n    return 'a'") == "def infer(ctx):\n    return 'a'\n"
    with pytest.raises(LlmUnavailable):
        extract_program("I cannot help with that.")


def test_llm_unavailable_is_a_scion_error():
    assert issubclass(LlmUnavailable, ScionError)


litellm = pytest.importorskip("litellm")


def test_mock_response_works_offline():
    config = LlmConfig(model="gpt-4o-mini")
    assert complete(config, MESSAGES, mock_response="hi there") == "hi there"
    assert litellm.suppress_debug_info is True
    answer = ask_answer(
        config, "Python dataclass", "class_name", features_for("shop/order_item.py"), mock_response="`OrderItem`"
    )
    assert answer == "OrderItem"


def test_write_program_with_a_mock_reply():
    reply = "```python\ndef infer(ctx: dict) -> str:\n    return ctx['stem'].title()\n```"
    source = write_program(LlmConfig(model="gpt-4o-mini"), "t", [(features_for("a/b.py"), "B")], mock_response=reply)
    assert source.startswith("def infer(ctx: dict) -> str:")


@pytest.mark.parametrize(("model", "api_key"), [("hosted_vllm/stub", None), ("openai/stub", "sk-test")])
def test_local_openai_compatible_stub(stub_server, model, api_key):
    api_base, handler = stub_server(reply="'UserCard'")
    config = LlmConfig(model=model, api_base=api_base, api_key=api_key, timeout_s=10)
    assert ask_answer(config, "React component", "name", features_for("src/user-card.tsx")) == "UserCard"
    (request,) = handler.requests
    assert request["path"] == "/v1/chat/completions"
    assert "user-card" in request["body"]["messages"][-1]["content"]


def test_write_program_through_the_stub(stub_server):
    api_base, _ = stub_server(reply="```python\ndef infer(ctx: dict) -> str:\n    return 'use' + ctx['stem']\n```")
    config = LlmConfig(model="hosted_vllm/stub", api_base=api_base, timeout_s=10)
    source = write_program(config, "hook", [(features_for("src/card.tsx"), "usecard")])
    assert "def infer" in source


def test_timeout_becomes_llm_unavailable(stub_server):
    api_base, _ = stub_server(delay_s=5)
    config = LlmConfig(model="hosted_vllm/stub", api_base=api_base, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="did not answer within 0.5 s"):
        complete(config, MESSAGES)
    assert time.monotonic() - started < 4


def test_provider_error_becomes_llm_unavailable():
    config = LlmConfig(model="openai/stub", api_base="http://127.0.0.1:9/v1", api_key="sk-test", timeout_s=5)
    with pytest.raises(LlmUnavailable, match="openai/stub at http://127.0.0.1:9/v1 failed"):
        complete(config, MESSAGES)


def test_nothing_reaches_stdout_when_the_provider_is_unreachable():
    script = textwrap.dedent(
        """
        import sys
        from server.evolution.llm import LlmConfig, LlmUnavailable, complete
        config = LlmConfig(model="openai/stub", api_base="http://127.0.0.1:9/v1", api_key="sk-test", timeout_s=5)
        try:
            complete(config, [{"role": "user", "content": "hi"}])
        except LlmUnavailable as error:
            sys.stderr.write(f"unavailable: {error}\\n")
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    environment.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=REPO, env=environment, timeout=120)
    assert result.stdout == b""
    assert b"unavailable: LLM openai/stub" in result.stderr
