"""The Scion language server: state lives here, handlers live in server/features/."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from server import __version__
from server.common.config import Layer, Settings, database_path, merge_settings
from server.common.config_file import load_settings
from server.common.errors import DocumentTooLarge, NotAFileError, ScionError, failure_message, one_line, shorten_name
from server.common.logs import LEVELS, ForwardingHandler
from server.context import MAX_PARSED_CHARS, context_at, language_for_path, too_large
from server.lsp.background import BackgroundTasks
from server.lsp.protocol import ScionProtocol

if TYPE_CHECKING:  # the services import this module; the store and catalog load in a worker at start-up
    from server.context import DocumentTrees, EditingContext
    from server.features.evolution import EvolutionService
    from server.features.tracking import TrackingService
    from server.features.upgrades import UpgradeService
    from server.lsp.serve import RememberingReader
    from server.store import Store
    from server.templates.catalog import Catalog

log = logging.getLogger("scion.server")

# Listeners the features add, because pygls keeps one handler per LSP method.
OpenListener = Callable[[types.DidOpenTextDocumentParams], None]
ChangeListener = Callable[[types.DidChangeTextDocumentParams], None]
CloseListener = Callable[[types.DidCloseTextDocumentParams], None]
SaveListener = Callable[[types.DidSaveTextDocumentParams], None]
SettingsListener = Callable[[], None]
VerdictListener = Callable[[str, str], None]  # (generation id, "accepted" | "rejected")
CodeActionProvider = Callable[["ScionServer", types.CodeActionParams], list[types.CodeAction]]

_MESSAGE_TYPES = {
    logging.DEBUG: types.MessageType.Log,
    logging.INFO: types.MessageType.Info,
    logging.WARNING: types.MessageType.Warning,
    logging.ERROR: types.MessageType.Error,
}


EDITOR_SOURCE = "editor settings"
_Handler = TypeVar("_Handler", bound=Callable[..., Any])


class ScionServer(LanguageServer):
    """Holds the settings, the store, the template catalog and the background work."""

    protocol: ScionProtocol  # made from protocol_cls below

    def __init__(self, forward_log: ForwardingHandler | None = None) -> None:
        super().__init__(
            "scion",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=ScionProtocol,
        )
        self.settings = Settings()
        self.settings_origins: dict[str, str] = {}  # "tracking.keepThreshold" -> where the value came from
        self.raw_settings: dict[str, Any] = {}  # the editor's, as sent
        self._llm_warned = ""  # the model a missing litellm was reported for
        self.client_can_ask = False
        self.workspace_root: Path | None = None
        self.background = BackgroundTasks()
        self.forward_log = forward_log
        self.log_file: Path | None = None  # None: the user log folder
        self.stdin: RememberingReader | None = None  # when serving on stdio
        # Opened at initialize, in a worker thread so `initialize` answers at
        # once; features that need them await `ready()`, then `require_*()`.
        self.store: Store | None = None
        self.catalog: Catalog | None = None
        self.catalog_loading: asyncio.Task[None] | None = None
        # Set by the feature modules' register(), before the server runs.
        self.trees: DocumentTrees | None = None
        self.tracking: TrackingService | None = None
        self.upgrades: UpgradeService | None = None
        self.evolution: EvolutionService | None = None
        self.on_open: list[OpenListener] = []
        self.on_change: list[ChangeListener] = []
        self.on_close: list[CloseListener] = []
        self.on_save: list[SaveListener] = []
        self.on_settings: list[SettingsListener] = []
        self.on_verdict: list[VerdictListener] = []  # after tracking decides
        # Code actions other than "Generate:" (quick-fixes, accept/reject).
        self.code_action_providers: list[CodeActionProvider] = []
        self.template_problem_uris: set[str] = set()  # files with template diagnostics published
        # One template reload at a time: a reload that read a file before the next change must not
        # finish after the reload of that change (features/template_diagnostics.py).
        self.template_reloads = asyncio.Lock()
        # template id -> (success rate, decided count); refreshed after verdicts.
        self.success: dict[str, tuple[float, int]] = {}

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls calls this for what it could not handle outside a request (a
        # body that is not JSON, a message it could not send): its default shows
        # the raw exception. Requests are answered by ScionProtocol itself.
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        if source is FeatureRequestError:
            return
        body = getattr(self.stdin, "last_body", None)
        if isinstance(error, ValueError) and body is not None:
            # json.loads failed on this body (ValueError covers JSONDecodeError,
            # UnicodeDecodeError and the integer digit limit): answer the request
            # it was, when an id can be found in it. Otherwise it was a
            # notification nobody waits for: logged, and not worth an alert the
            # user cannot act on.
            self.protocol.answer_unparsable(body, error)
            return
        self.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error, message=failure_message(error, "read a message from the editor")
            )
        )

    # -- state that exists once initialised ----------------------------------
    # A request that arrives before `initialize` (or after `shutdown`) gets a
    # ScionError, which the protocol answers as a message, never a traceback.

    def require_store(self) -> Store:
        if self.store is None:
            raise ScionError("the server is not initialised yet (no database)")
        return self.store

    def require_catalog(self) -> Catalog:
        if self.catalog is None:
            raise ScionError("the server is not initialised yet (no templates)")
        return self.catalog

    def require_trees(self) -> DocumentTrees:
        return _registered(self.trees, "documents")

    def require_tracking(self) -> TrackingService:
        return _registered(self.tracking, "tracking")

    def require_upgrades(self) -> UpgradeService:
        return _registered(self.upgrades, "upgrades")

    def require_evolution(self) -> EvolutionService:
        return _registered(self.evolution, "evolution")

    async def ready(self) -> None:
        loading = self.catalog_loading
        if loading is not None and not loading.done():
            await asyncio.shield(loading)

    # -- settings -----------------------------------------------------------

    def apply_settings(self, raw: Any, *, replace: bool = False) -> list[str]:
        """Merge a `scion` settings object; report bad values and keep the defaults for them."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.warn_user("Scion: the `scion` settings should be an object; using the defaults.")
            raw = {}
        self.raw_settings = raw if replace else merge_settings(self.raw_settings, raw)
        # The workspace's `.scion/config.toml` first, the editor's settings over it (read again each time).
        resolved = load_settings(self.workspace_root, Layer(EDITOR_SOURCE, self.raw_settings))
        self.settings, self.settings_origins, problems = resolved.settings, resolved.origins, resolved.problems
        if self.forward_log is not None:
            self.forward_log.setLevel(LEVELS.get(self.settings.log.level, logging.INFO))
        if problems:
            # One short line even when a client sends hundreds of odd keys.
            shown = "; ".join(one_line(problem, 160) for problem in problems[:3])
            more = f" (and {len(problems) - 3} more problems)" if len(problems) > 3 else ""
            self.warn_user("Scion settings: " + shown + more)
        self._warn_unusable_llm()
        return problems

    # -- paths --------------------------------------------------------------

    def path_of(self, uri: str) -> Path:
        """The file a `file:` URI names; NotAFileError (a ScionError and a ValueError) for any other URI."""
        path = self.file_path(uri)
        if path is None:
            raise NotAFileError(f"{one_line(uri, 120)} is not a file on disk; save it first")
        return path

    def file_path(self, uri: str) -> Path | None:
        """The file a URI names, or None for documents that are not files (`untitled:` and the like).

        A name with a NUL character names no file either: the OS would refuse it.
        """
        if not isinstance(uri, str) or not uri.startswith("file:"):
            return None
        path = to_fs_path(uri)
        if not path or "\x00" in path:
            return None
        return Path(path)

    def document_name(self, uri: str) -> str:
        """A short name for messages: the file name, or the last part of any other URI (`Untitled-1`)."""
        path = self.file_path(uri)
        if path is not None:
            return path.name
        return one_line(uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or uri, 80)

    def database_path(self) -> str:
        return database_path(self.settings, self.workspace_root)

    # -- documents ----------------------------------------------------------

    def open_document(self, uri: str) -> TextDocument | None:
        """The document the client has open at `uri`, else None.

        pygls keys open documents by the percent-decoded URI, while clients send
        them encoded (`my%20order.py`): looked up raw, a file with a space in its
        name would be read from the disk instead of the editor's buffer.
        """
        return self.workspace.text_documents.get(unquote(uri))

    def document_text(self, uri: str) -> str:
        """The open document's text, else the file on disk, else "" (a new file)."""
        document = self.open_document(uri)
        if document is not None:
            return document.source
        path = self.file_path(uri)
        if path is None:
            return ""  # an untitled document that is not open: nothing typed yet
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except OSError as error:
            raise ScionError(f"cannot read {shorten_name(path.name)}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise ScionError(f"cannot read {shorten_name(path.name)}: it is not UTF-8 ({error.reason})") from error

    def document_version(self, uri: str) -> int | None:
        """The open document's version, None when it is not open (edits to it then carry no version)."""
        document = self.open_document(uri)
        return document.version if document is not None else None

    def language_of(self, uri: str) -> str | None:
        document = self.open_document(uri)
        if document is not None and document.language_id:
            return document.language_id
        path = self.file_path(uri)
        return language_for_path(path) if path is not None else None

    def document_size(self, uri: str) -> int:
        """The document's length in characters (open), else its file's size in bytes; 0 when unknown."""
        document = self.open_document(uri)
        if document is not None:
            length = getattr(document, "length", None)
            return length if length is not None else len(document.source)
        path = self.file_path(uri)
        try:
            return path.stat().st_size if path is not None else 0
        except (OSError, ValueError):
            return 0

    def check_size(self, uri: str) -> None:
        """DocumentTooLarge when the document is over the size Scion analyses (checked before any copy)."""
        size = self.document_size(uri)
        if too_large(size):
            raise DocumentTooLarge(
                f"{self.document_name(uri)} is {size / 1e6:.1f} MB; Scion does not analyse documents over "
                f"{MAX_PARSED_CHARS / 1e6:.0f} MB (no templates or tracking there)"
            )

    def context_for(self, uri: str, line: int, character: int) -> EditingContext:
        """The editing context at a position, re-using the document's syntax tree.

        DocumentTooLarge for a document over the size limit: parsing it would
        cost about 30 times its size in memory.
        """
        self.check_size(uri)
        document = self.open_document(uri)
        text = self.document_text(uri)
        language = self.language_of(uri)
        tree = None
        if document is not None and language is not None and self.trees is not None:
            parsed = self.trees.get(uri)
            # The text must be the very one parsed: a client may send the same
            # version number twice (the fuzzer did), and a tree of other text
            # gives rows past its end. `source` is cached until the next change,
            # so identity is exact and costs nothing.
            if (
                parsed is None
                or parsed.version != document.version
                or parsed.language != language
                or parsed.text is not text
            ):
                parsed = self.trees.update(uri, document.version or 0, text, language)  # open documents have one
            tree = parsed.tree
        # An untitled document has no path: its context has empty path features.
        return context_at(
            text, self.file_path(uri), line, character, workspace=self.workspace_root, language=language, tree=tree
        )

    async def create_progress(self, kind: str) -> str | None:
        """A `$/progress` token when the client supports work-done progress, else None.

        A client that refuses or never answers the create request still gets the work done.
        """
        capabilities = self.client_capabilities
        window = capabilities.window if capabilities is not None else None
        if window is None or not window.work_done_progress:
            return None
        token = f"scion-{kind}-{uuid.uuid4().hex[:8]}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), timeout=2.0)
        except Exception as error:
            log.debug("no $/progress for %s: %s", kind, error)
            return None
        return token

    # -- talking to the user ------------------------------------------------

    def inform_user(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        message = one_line(message)  # a message box, not a log: one short line whatever went in
        log.log(logging.WARNING if kind <= types.MessageType.Warning else logging.INFO, "%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def command(self, command_name: str) -> Callable[[_Handler], _Handler]:
        """pygls's command decorator, with the one way a command fails (docs/internals.md, "Failures").

        The server tells the user, once, with a showMessage (every LSP client shows
        those; not every client shows a failed executeCommand), and the request
        fails with the same line for the caller. Our clients log that error and
        show nothing more.
        """
        register = super().command(command_name)

        def decorate(handler: _Handler) -> _Handler:
            doing = f"run {command_name}"

            if inspect.iscoroutinefunction(handler):

                @functools.wraps(handler)
                async def reported_async(*args: Any) -> Any:
                    try:
                        return await handler(*args)
                    except Exception as error:
                        self.alert_user(failure_message(error, doing))
                        raise

                register(reported_async)
                return handler

            @functools.wraps(handler)
            def reported(*args: Any) -> Any:
                try:
                    return handler(*args)
                except Exception as error:
                    self.alert_user(failure_message(error, doing))
                    raise

            register(reported)
            return handler

        return decorate

    def _warn_unusable_llm(self) -> None:
        """A configured model without litellm would be skipped silently: say so, once per model."""
        model = self.settings.llm.model
        if not model or model == self._llm_warned:
            return
        from server.evolution.llm import missing_message

        problem = missing_message()
        if problem is not None:
            self._llm_warned = model
            self.warn_user(
                f"Scion: scion.llm.model is {model!r} but {problem}. Until then answers come from learned programs, context and defaults."
            )

    def warn_user(self, message: str) -> None:
        self.inform_user(message, types.MessageType.Warning)

    def alert_user(self, message: str) -> None:
        self.inform_user(message, types.MessageType.Error)

    def send_log(self, level: int, message: str) -> None:
        kind = _MESSAGE_TYPES.get(level, types.MessageType.Log)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def send_status(self, state: str, message: str = "") -> None:
        upgrades = self.upgrades.available_count() if self.upgrades is not None else 0
        self.protocol.notify("scion/status", {"state": state, "message": message, "upgradesAvailable": upgrades})


_Service = TypeVar("_Service")


def _registered(service: _Service | None, feature: str) -> _Service:
    if service is None:
        raise ScionError(f"the {feature} feature is not registered")
    return service
