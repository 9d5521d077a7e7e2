"""The server's protocol class: pygls's, answering every request.

It works on a ChunkedWorkspace (workspace.py), whose documents apply an incremental
change in time proportional to the edit, not to the file.

It answers every request. pygls structures each message inside
`json.loads` (as its object hook); a request whose params do not fit the LSP
types (line -1, a string as line, params as an array, no textDocument) raised
out of `json.loads`, was logged as "Unable to deserialize message" and never
answered, so the client waited forever. Here the message is structured once,
as a whole, in `handle_message`, and a request that does not fit is answered
with -32602 (InvalidParams) naming the offending field; an invalid
notification is logged and dropped. A handler's failure is answered with one
line the user can act on (`server.common.errors.failure_message`); the traceback goes
to the log, not into the response.

The pygls internals this needs (the request bookkeeping, the response senders,
the message classes) come from `pygls_internals.py`, under public names.
"""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest

from server.common.errors import ScionError, failure_message, one_line
from server.lsp.pygls_internals import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    PyglsProtocol,
)
from server.lsp.workspace import ChunkedWorkspace

log = logging.getLogger("scion.protocol")

# LSP's "RequestFailed": the request was well formed but could not be carried out.
REQUEST_FAILED = -32803


class ScionProtocol(PyglsProtocol):
    workspace_class = ChunkedWorkspace

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The method of each running request, for its failure message.
        self._methods: dict[Any, str] = {}

    # -- every request answered ---------------------------------------------

    def structure_message(self, data: Any) -> Any:
        # json.loads calls this for every JSON object, innermost first: leaving
        # them as they are lets handle_message structure the message once, as a
        # whole, where a failure can still be answered (and a nested object that
        # happens to hold "jsonrpc" is not mistaken for a message).
        return data

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            # A batch (array) or a bare value: JSON-RPC answers with a null id.
            log.warning("dropped a message that is not a JSON object: %s", one_line(repr(message), 120))
            self._answer_error(None, JsonRpcInvalidRequest("Invalid Request: a message must be a JSON object"))
            return
        structured = self._structure(message)
        if structured is not None:
            super().handle_message(structured)

    def _structure(self, data: dict) -> Any | None:
        """The message as lsprotocol/pygls types, or None when it was answered or dropped here."""
        method = data.get("method")
        has_id = "id" in data
        msg_id = data.get("id")
        is_request = has_id and "method" in data
        if (
            not _valid_id(msg_id)
            or data.get("jsonrpc") != self.VERSION
            or ("method" in data and not isinstance(method, str))
        ):
            if is_request:
                reason = (
                    "the id must be a number or a string"
                    if not _valid_id(msg_id)
                    else ('jsonrpc must be "2.0"' if data.get("jsonrpc") != self.VERSION else "method must be a string")
                )
                self._answer_error(
                    msg_id if _valid_id(msg_id) else None, JsonRpcInvalidRequest(f"Invalid Request: {reason}")
                )
            else:
                log.warning("dropped an invalid message: %s", one_line(repr(data), 200))
            return None
        try:
            if is_request:
                return self.structure(data, self.get_message_type(method) or JsonRPCRequestMessage)
            if has_id and "error" in data:
                return self.structure(data, types.ResponseErrorMessage)
            if has_id:
                result_type = _pop_for(self.result_types, msg_id) or JsonRPCResponseMessage
                return self.structure(data, result_type)
            return self.structure(data, self.get_message_type(method or "") or JsonRPCNotification)
        except Exception as error:
            reason = describe_structure_error(error)
            if is_request:
                log.warning("invalid params for %s (request %r): %s", method, msg_id, reason)
                self._answer_error(
                    msg_id, JsonRpcInvalidParams(one_line(f"Invalid params for {method}: {reason}", 500))
                )
            elif has_id:
                # The client's answer to one of our requests: fail that request
                # rather than leave it waiting.
                log.warning("malformed response to request %r: %s", msg_id, reason)
                future = _pop_for(self.pending_requests, msg_id)
                if future is not None and not future.done():
                    future.set_exception(JsonRpcInvalidParams(one_line(f"malformed response: {reason}", 500)))
            else:
                log.warning("dropped notification %s with invalid params: %s", method or "(no method)", reason)
            return None

    def answer_unparsable(self, body: bytes, error: ValueError) -> bool:
        """Answer a message json.loads could not read with -32700, when its id can be found.

        Returns False when no id was found (a notification, or too broken to tell):
        then there is nobody waiting for an answer.
        """
        match = _ID.search(body)
        if match is None:
            log.warning("dropped a message that is not valid JSON: %s", error)
            return False
        raw_id = match.group(1)
        msg_id: Any = int(raw_id) if raw_id[:1] != b'"' else raw_id[1:-1].decode("utf-8", "replace")
        if "integer string conversion" in str(error):
            reason = "a number in it has more than 4300 digits"
        elif isinstance(error, UnicodeDecodeError):
            reason = "it is not UTF-8"
        else:
            reason = f"it is not valid JSON ({one_line(str(error), 120)})"
        message = f"Parse error: Scion could not read this message: {reason}."
        if b'"method"' not in body and msg_id in self.pending_requests:
            # The editor's answer to one of our requests (scion/ask): fail that request.
            future = self.pending_requests.pop(msg_id)
            if not future.done():
                future.set_exception(JsonRpcException(message, code=_PARSE_ERROR))
            return True
        log.warning("request %r could not be parsed: %s", msg_id, error)
        self.answer(msg_id, None, types.ResponseError(code=_PARSE_ERROR, message=message))
        return True

    def _answer_error(self, msg_id: Any, error: JsonRpcException) -> None:
        self.answer(msg_id, None, error.to_response_error())

    def on_handler_result(self, future, msg_id) -> None:
        if not future.cancelled():
            error = future.exception()
            if error is not None and not isinstance(error, JsonRpcException):
                # pygls would answer "-32603 ValueError: ..." with the traceback
                # as data; the user gets one line, the log gets the traceback.
                self.pending_requests.pop(msg_id, None)
                method = self._methods.get(msg_id, "the request")
                if isinstance(error, ScionError):
                    log.warning("request %r (%s) failed: %s", msg_id, method, error)
                else:
                    log.error("request %r (%s) failed", msg_id, method, exc_info=error)
                message = failure_message(error, f"answer {method}")
                code = getattr(error, "rpc_code", None) or REQUEST_FAILED
                self.answer(msg_id, None, types.ResponseError(code=code, message=message))
                return
        super().on_handler_result(future, msg_id)

    def answer(self, msg_id, result=None, error=None) -> None:
        # Every answer goes through here, whichever path produced it.
        self._methods.pop(msg_id, None)
        super().answer(msg_id, result, error)

    def on_notification_result(self, future) -> None:
        # A notification handler failed: there is no response to carry the
        # error, so the user gets one line (pygls showed "Error in server: " and
        # the raw exception) and the log gets the traceback.
        if future.cancelled() or (error := future.exception()) is None:
            return
        log.error("a notification handler failed", exc_info=error)
        try:
            self._server.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error, message=failure_message(error, "handle a change from the editor")
                )
            )
        except Exception:
            log.warning("could not tell the user about the failure")

    def on_request(self, msg_id, method_name: str, params: Any) -> None:
        self._methods[msg_id] = method_name
        super().on_request(msg_id, method_name, params)


_PARSE_ERROR = -32700
# The "id" of a message that is not valid JSON: the first one, which clients
# write before "params" (LSP params seldom hold an "id" key anyway).
_ID = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,200}")')


_Waiting = TypeVar("_Waiting")


def _pop_for(waiting: dict[str | int, _Waiting], msg_id: Any) -> _Waiting | None:
    """What waits for the answer to request `msg_id`; None for an id JSON-RPC does not allow."""
    return waiting.pop(msg_id, None) if isinstance(msg_id, (int, str)) else None


def _valid_id(msg_id: Any) -> bool:
    return msg_id is None or (isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool))


_SNAKE = re.compile(r"_([a-z])")


def describe_structure_error(error: Exception) -> str:
    """Where and why a message does not fit its LSP type, e.g. `params.position.line: ...`.

    cattrs reports attribute paths in Python's snake_case; the client wrote camelCase.
    """
    try:
        from cattrs.errors import ClassValidationError
        from cattrs.v import format_exception, transform_error

        if not isinstance(error, ClassValidationError):
            return one_line(f"{type(error).__name__}: {error}", 300)

        def explain(exc: BaseException, type_: Any) -> str:
            if isinstance(exc, ValueError) and type_ is None:
                return one_line(str(exc), 200)
            if isinstance(exc, KeyError):
                return "required field missing"
            return format_exception(exc, type_)

        problems = []
        for problem in transform_error(error, "$", format_exception=explain)[:5]:
            text, _, where = problem.rpartition(" @ ")
            where = _SNAKE.sub(lambda m: m.group(1).upper(), where).removeprefix("$.").removeprefix("$")
            problems.append(f"{where or 'message'}: {text}" if text else problem)
        return "; ".join(problems) or str(error)
    except Exception:  # describing must never be the reason a request goes unanswered
        return one_line(f"{type(error).__name__}: {error}", 300)
