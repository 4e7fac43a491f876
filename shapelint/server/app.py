"""The pygls server: document sync, debounced checks, and the requests editors send.

Analyses run one at a time in a worker thread (the analyzer's per-process
module cache is not meant to be shared between threads), so the event loop
keeps reading the editor's messages while a file is checked: a change that
arrives meanwhile is recorded, and only the newest text's findings are
published.  A change's findings are published from the analysis alone; the
fixes that need the file analyzed again (the hint a message ends with, the quick
fixes) are checked afterwards, once per version, and that version is published
again when its messages change (``settled``).  Every handler logs its own
failures and answers with nothing, so a bug in one request never takes the
server down.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from shapelint import __version__
from shapelint.server import convert
from shapelint.diagnostics import ShapeRecord
from shapelint.runner import after_a_check, tune_collector
from shapelint.server.buffers import (PIECES, Analysis, Buffer, Cell, analyze, collect_shapes, notebook_json,
                                      settle, uri_to_path, use_overlay)

# Seconds a change waits for the next one before it is checked: typing checks once per pause.
DEBOUNCE_SECONDS = 0.3
PYTHON_LANGUAGES = ("python",)
log = logging.getLogger("shapelint.server")


class ShapelintServer(LanguageServer):
    def __init__(self) -> None:
        notebooks = types.NotebookDocumentSyncOptions(
            notebook_selector=[types.NotebookDocumentFilterWithCells(
                notebook="*", cells=[types.NotebookCellLanguage(language="python")])],
            save=True)
        super().__init__("shapelint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=notebooks)
        self.cwd = Path.cwd()
        self.inlay_hints = True
        # "inlayHints": "changes": a hint only where a name's shape changes (from unknown to known,
        # or to another shape), not at every assignment that gives it the shape it had
        self.hints_on_changes_only = False
        self.debounce = DEBOUNCE_SECONDS
        self.fix_all_resolvable = False
        self.config_errors: Dict[str, str] = {}  # buffer URI -> the configuration error last shown for it
        self.fix_hints = True  # check the fixes of the published version in the background (see settled)
        self.analyses: Dict[str, Analysis] = {}  # buffer URI -> the latest analysis
        self.running: Dict[Tuple[str, int, int], "asyncio.Future[Analysis]"] = {}
        self.settling: Dict[int, "asyncio.Future[Any]"] = {}  # id of the Analysis -> its fixes being checked
        self.published: Dict[str, Tuple[Optional[int], List[types.Diagnostic]]] = {}  # document URI -> its last publish
        self.pending: Dict[str, "asyncio.Task[None]"] = {}  # buffer URI -> its scheduled check
        self.changes: Dict[str, int] = {}  # buffer URI -> changes seen: a shapes job for an older text is dropped
        self.fix_all: Dict[Tuple[str, int], Optional[types.WorkspaceEdit]] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapelint-analysis")
        self.frozen_modules = 0  # imported modules shared when the objects alive were last frozen

    # --- the buffers ----------------------------------------------------------------

    def buffer(self, uri: str) -> Optional[Buffer]:
        """The open file, or the notebook that ``uri`` (the notebook's or one of its cells') belongs to."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri) or \
            self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            return self._notebook_buffer(notebook)
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        return Buffer(uri=uri, version=document.version or 0, text=document.source)

    def _notebook_buffer(self, notebook: types.NotebookDocument) -> Buffer:
        cells = []
        for cell in notebook.cells:
            document = self.workspace.text_documents.get(cell.document)
            text = document.source if document is not None else ""
            cells.append(Cell(uri=cell.document, text=text, is_code=cell.kind == types.NotebookCellKind.Code))
        metadata = dict(notebook.metadata or {})
        return Buffer(uri=notebook.uri, version=notebook.version, text=notebook_json(cells, metadata),
                      cells=tuple(cells), metadata=metadata)

    def overlay(self) -> Dict[str, str]:
        """The open Python files' texts by path: an analysis reads an imported module (or a driver)
        that is open from its buffer, saved or not."""
        texts = {}
        for uri, document in list(self.workspace.text_documents.items()):
            if uri.startswith("file:") and uri.endswith(".py"):
                texts[str(uri_to_path(uri))] = document.source
        return texts

    def dependents(self, uri: str) -> List[str]:
        """The other open buffers whose latest analysis read the file of ``uri`` (they import it)."""
        if not uri.startswith("file:"):
            return []
        path = str(uri_to_path(uri))
        return [other for other, analysis in list(self.analyses.items())
                if other != uri and analysis.outcome is not None and path in analysis.outcome.dependencies]

    async def analysis(self, buffer: Buffer) -> Analysis:
        """The analysis of this buffer version (and of the open files it imports): cached, shared with
        a check already under way, or run now."""
        overlay = self.overlay()
        cached = self.analyses.get(buffer.uri)
        if cached is not None and cached.buffer == buffer and cached.reads_the_same(overlay):
            return cached
        key = (buffer.uri, buffer.version, hash(buffer.text), hash(frozenset(overlay.items())))
        future = self.running.get(key)
        if future is None:
            future = asyncio.get_running_loop().run_in_executor(self.worker, analyze, buffer, self.cwd, overlay)
            self.running[key] = future
            future.add_done_callback(lambda _: self.running.pop(key, None))
        result = await asyncio.shield(future)
        latest = self.analyses.get(buffer.uri)
        if latest is None or latest.buffer.version <= buffer.version:
            self.analyses[buffer.uri] = result
        return result

    async def shapes(self, analysis: Analysis) -> List[ShapeRecord]:
        """The analyzed version's shapes, collected once; [] when the text changed before the worker
        got to it (a newer request collects the newer text's)."""
        if analysis.shapes is None:
            uri, seen = analysis.buffer.uri, self.changes.get(analysis.buffer.uri, 0)

            def job() -> Optional[List[ShapeRecord]]:
                return collect_shapes(analysis) if self.changes.get(uri, 0) == seen else None

            records = await asyncio.get_running_loop().run_in_executor(self.worker, job)
            if records is None:
                return []
            analysis.shapes = records
        return analysis.shapes

    async def settled(self, analysis: Analysis) -> Optional[Analysis]:
        """The analysis with every fix checked, as `shapelint check` gives it (the fixes code actions
        offer, the hints messages end with); None when the text changed before that was done (the
        newer text's analysis is settled instead).  The fixes are checked once per version, in the
        worker, which gives up between two re-analyses as soon as the text changes; when the
        messages change, the version's diagnostics are published again."""
        outcome = analysis.outcome
        if outcome is None or not outcome.unchecked_fixes:
            return analysis
        buffer = analysis.buffer
        # (one analysis, not one version: a file is analyzed again when a module it imports changes)
        key = id(analysis)
        future = self.settling.get(key)
        if future is None:
            uri, seen = buffer.uri, self.changes.get(buffer.uri, 0)

            def stale() -> bool:
                return self.changes.get(uri, 0) != seen

            def job() -> Any:
                return None if stale() else settle(analysis, stale)

            future = asyncio.get_running_loop().run_in_executor(self.worker, job)
            self.settling[key] = future
            future.add_done_callback(lambda _: self.settling.pop(key, None))
        checked = await asyncio.shield(future)
        if checked is None:
            return None
        if analysis.outcome is outcome:  # the first to get here
            analysis.outcome = checked
            if self.buffer(buffer.uri) == buffer:
                self.publish(analysis, messages=False)
        return analysis

    async def _settle_later(self, analysis: Analysis) -> None:
        try:
            await self.settled(analysis)
        except Exception:
            self.log_error(f"checking the fixes of {analysis.buffer.uri} failed")

    def analysis_for(self, uri: str) -> "asyncio.Future[Optional[Analysis]]":
        async def current() -> Optional[Analysis]:
            buffer = self.buffer(uri)
            return await self.analysis(buffer) if buffer is not None else None
        return asyncio.ensure_future(current())

    # --- checking and publishing --------------------------------------------------------

    def schedule_check(self, uri: str, delay: float, dependents: bool = True) -> None:
        """Check the buffer after ``delay`` seconds unless another change comes first (it reschedules);
        and the open files that import it (they read its text, saved or not)."""
        if dependents:
            for other in self.dependents(uri):
                self.schedule_check(other, delay, dependents=False)
        self.changes[uri] = self.changes.get(uri, 0) + 1
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            buffer = self.buffer(uri)
            if buffer is None:
                return
            result = await self.analysis(buffer)
            newest = self.buffer(uri)
            if newest is None or newest != buffer:
                return  # a newer text came in: its own check publishes
            self.publish(result)
            self.freeze_imports()
            after_a_check()
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not stop the server: the next change checks again
            self.log_error(f"checking {uri} failed")
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    def freeze_imports(self) -> None:
        """Once a check has run a project's imported modules (their trees and summaries stay for the
        server's life: hundreds of thousands of objects for scikit-learn), move every object alive
        to the permanent generation (``gc.freeze``), so that the collections that the checks' own
        garbage sets off do not walk them all again: on scikit-learn's _ridge.py such a full
        collection took 1-2.5 s, every few edits.  Done again only when a quarter more modules have
        been imported; an object frozen that later becomes cyclic garbage is not reclaimed, so what
        can be kept that way is bounded by what was alive at those few moments."""
        from shapelint.analysis import shared_modules

        shared = len(shared_modules.STORE)
        if shared < self.frozen_modules:  # the store was emptied (see MAX_SUMMARIES)
            self.frozen_modules = shared
        if shared <= max(1.25 * self.frozen_modules, 10):
            return
        self.frozen_modules = shared

        def freeze() -> None:
            gc.collect()
            gc.freeze()

        asyncio.get_running_loop().run_in_executor(self.worker, freeze)

    def publish(self, result: Analysis, messages: bool = True) -> None:
        """The analysis's findings, to each of its documents whose findings or version changed since
        the last publish (a notebook's other cells are not sent again); its fixes are then checked
        in the background (``settled``), unless the client turned that off."""
        buffer = result.buffer
        if messages:
            self._report_messages(result)
        findings = result.outcome.diagnostics if result.outcome is not None else []
        codec = self.workspace.position_codec
        for uri, diagnostics in convert.diagnostics_by_document(buffer, findings, codec).items():
            version = buffer.version if buffer.cells is None else self._cell_version(uri)
            if self.published.get(uri) == (version, diagnostics):
                continue
            self.published[uri] = (version, diagnostics)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))
        if self.fix_hints and result.outcome is not None and result.outcome.unchecked_fixes:
            asyncio.ensure_future(self._settle_later(result))

    def clear(self, uri: str) -> None:
        """No findings shown for the document any more (closed, or a deleted cell)."""
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _cell_version(self, uri: str) -> Optional[int]:
        document = self.workspace.text_documents.get(uri)
        return document.version if document is not None else None

    def _report_messages(self, result: Analysis) -> None:
        """What `shapelint check` says on stderr about a file, said in the editor's log (or shown)."""
        uri = result.buffer.uri
        if result.config_error is not None:  # logged at each check, shown once (until it changes)
            shown = self.config_errors.get(uri) != result.config_error
            self.config_errors[uri] = result.config_error
            self.say(types.MessageType.Error, f"shapelint: error: {result.config_error}", show=shown)
            return
        self.config_errors.pop(uri, None)
        outcome = result.outcome
        if outcome is None or not outcome.message:
            return
        if outcome.message_kind == "internal":
            self.say(types.MessageType.Error, f"{outcome.path}: {outcome.message}", show=True)
            if outcome.trace:
                log.error("%s", outcome.trace.rstrip())
        else:
            self.say(types.MessageType.Warning, f"{outcome.path}: warning: {outcome.message}")

    def say(self, kind: types.MessageType, message: str, show: bool = False) -> None:
        log.log(logging.ERROR if kind == types.MessageType.Error else logging.WARNING, "%s", message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))
        if show:
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def log_error(self, what: str) -> None:
        trace = traceback.format_exc()
        log.error("%s\n%s", what, trace)
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"shapelint: {what}:\n{trace}"))
        except Exception:  # the client connection itself is gone: stderr has it
            pass

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.analyses.pop(uri, None)
        self.config_errors.pop(uri, None)
        self.fix_all = {k: v for k, v in self.fix_all.items() if k[0] != uri}
        PIECES.forget(uri)


server = ShapelintServer()


def guarded(handler: Callable) -> Callable:
    """Log a handler's failure and answer with nothing, instead of failing the request."""
    @functools.wraps(handler)
    async def run(params: Any) -> Any:
        try:
            return await handler(params)
        except Exception:
            server.log_error(f"{handler.__name__} failed")
            return None
    return run


# --- lifecycle and document sync -----------------------------------------------------------


@server.feature(types.INITIALIZE)
@guarded
async def initialize(params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict):
        if options.get("inlayHints") is False:
            server.inlay_hints = False
        elif options.get("inlayHints") == "changes":
            server.hints_on_changes_only = True
        if options.get("fixHints") is False:  # fixes are then checked only when code actions are asked for
            server.fix_hints = False
        debounce = options.get("debounce")  # seconds; 0 checks every change (bench/bench_server.py)
        if isinstance(debounce, (int, float)) and not isinstance(debounce, bool) and 0 <= debounce <= 10:
            server.debounce = float(debounce)
    capabilities = params.capabilities.text_document
    resolve = capabilities.code_action.resolve_support if capabilities and capabilities.code_action else None
    server.fix_all_resolvable = bool(resolve and "edit" in resolve.properties)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded
async def did_open(params: types.DidOpenTextDocumentParams) -> None:
    # (the files that import it read the same text from the disk until it changes)
    server.schedule_check(params.text_document.uri, 0, dependents=False)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded
async def did_change(params: types.DidChangeTextDocumentParams) -> None:
    server.schedule_check(params.text_document.uri, server.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded
async def did_save(params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    server.analyses.pop(uri, None)  # the configuration (or a module it imports) may have changed on disk
    server.schedule_check(uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded
async def did_close(params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    for other in server.dependents(uri):  # they read the file from the disk again
        server.schedule_check(other, 0, dependents=False)
    server.forget(uri)
    server.clear(uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
@guarded
async def notebook_did_open(params: types.DidOpenNotebookDocumentParams) -> None:
    server.schedule_check(params.notebook_document.uri, 0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
@guarded
async def notebook_did_change(params: types.DidChangeNotebookDocumentParams) -> None:
    uri = params.notebook_document.uri
    removed = params.change.cells.structure.array.cells if params.change.cells and \
        params.change.cells.structure and params.change.cells.structure.array else None
    for cell in removed or ():  # a deleted cell's findings must go with it
        server.clear(cell.document)
    server.schedule_check(uri, server.debounce)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
@guarded
async def notebook_did_save(params: types.DidSaveNotebookDocumentParams) -> None:
    server.analyses.pop(params.notebook_document.uri, None)
    server.schedule_check(params.notebook_document.uri, 0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
@guarded
async def notebook_did_close(params: types.DidCloseNotebookDocumentParams) -> None:
    server.forget(params.notebook_document.uri)
    for cell in params.cell_text_documents:
        server.clear(cell.uri)


# --- requests ------------------------------------------------------------------------------


def _place(result: Analysis, uri: str) -> Tuple[Optional[int], convert.Positions]:
    """(cell number or None, positions) of the document ``uri`` inside the analyzed buffer."""
    cell = result.buffer.cell_number(uri)
    return cell, convert.Positions(result.buffer.place(cell)[1], server.workspace.position_codec)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded
async def hover(params: types.HoverParams) -> Optional[types.Hover]:
    result = await server.analysis_for(params.text_document.uri)
    if result is None or result.outcome is None:
        return None
    cell, positions = _place(result, params.text_document.uri)
    line, column = positions.from_lsp(params.position)
    if not 1 <= line <= len(positions.lines):
        return None
    word = convert.word_at(positions.lines[line - 1], column)
    if word is None:
        return None
    name, start, end = word
    records = [r for r in await server.shapes(result) if r.cell == cell]
    record = convert.record_for(records, name, line, start)
    if record is None:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value=convert.hover_text(record)),
                       range=positions.range(line, start, line, end))


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@guarded
async def inlay_hints(params: types.InlayHintParams) -> List[types.InlayHint]:
    if not server.inlay_hints:
        return []
    result = await server.analysis_for(params.text_document.uri)
    if result is None or result.outcome is None:
        return []
    cell, positions = _place(result, params.text_document.uri)
    first, last = params.range.start.line + 1, params.range.end.line + 1
    seen = set()
    hints = []
    shown: Dict[str, Any] = {}  # name -> its shape at its last assignment so far (see hints_on_changes_only)
    for record in sorted(await server.shapes(result), key=lambda r: (r.cell or 0, r.line, r.column)):
        where = (record.line, record.column, record.name)
        if record.cell != cell or where in seen or record.signature is not None:
            continue
        seen.add(where)
        before, shown[record.name] = shown.get(record.name), record.shape
        if not first <= record.line <= last or not convert.shows_a_shape(record):
            continue
        if server.hints_on_changes_only and before == record.shape:
            continue
        hint = convert.inlay_hint(record, positions)
        if hint is not None:
            hints.append(hint)
    return hints


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL_KIND], resolve_provider=True))
@guarded
async def code_actions(params: types.CodeActionParams) -> List[types.CodeAction]:
    uri = params.text_document.uri
    result = await server.analysis_for(uri)
    if result is not None and result.outcome is not None:
        result = await server.settled(result)
    if result is None or result.outcome is None:
        return []
    only = params.context.only
    actions: List[types.CodeAction] = []
    if not only or any(types.CodeActionKind.QuickFix.startswith(k) for k in only):
        actions += _quick_fixes(result, uri, params.range)
    if not only or any(convert.FIX_ALL_KIND.startswith(k) for k in only):
        fix_all = await _fix_all_action(result, resolved=not server.fix_all_resolvable)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


def _quick_fixes(result: Analysis, uri: str, requested: types.Range) -> List[types.CodeAction]:
    cell, positions = _place(result, uri)
    start, end = positions.from_lsp(requested.start), positions.from_lsp(requested.end)
    codec = server.workspace.position_codec
    actions = []
    for d in result.outcome.diagnostics:
        if not convert.overlaps(d, cell, start, end):
            continue
        lsp = convert.lsp_diagnostic(d, uri, positions)
        for action in (convert.quick_fix(result.buffer, d, lsp, codec),
                       convert.noqa_action(result.buffer, d, lsp, codec)):
            if action is not None:
                actions.append(action)
    return actions


async def _fix_all_action(result: Analysis, resolved: bool) -> Optional[types.CodeAction]:
    """"Fix all shapelint safe fixes", when the buffer has one: what `check --fix` would write.
    Computing it checks the file again after each pass, so a client that can resolve code actions
    gets the edit only when the action is chosen."""
    if not any(d.fix is not None and d.fix.applies(unsafe=False) for d in result.outcome.diagnostics):
        return None
    action = types.CodeAction(title=convert.FIX_ALL_TITLE, kind=convert.FIX_ALL_KIND,
                              data={"uri": result.buffer.uri, "version": result.buffer.version})
    if resolved:
        action.edit = await _fix_all_edit(result)
    return action


@server.feature(types.CODE_ACTION_RESOLVE)
@guarded
async def resolve_code_action(action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    buffer = server.buffer(data.get("uri", ""))
    if buffer is not None and action.kind == convert.FIX_ALL_KIND and buffer.version == data.get("version"):
        result = await server.settled(await server.analysis(buffer))
        if result is not None and result.outcome is not None:
            action.edit = await _fix_all_edit(result)
    return action


async def _fix_all_edit(result: Analysis) -> Optional[types.WorkspaceEdit]:
    key = (result.buffer.uri, result.buffer.version)
    if key not in server.fix_all:
        loop = asyncio.get_running_loop()
        edit = await loop.run_in_executor(server.worker, _compute_fix_all, result)
        # only the newest version's is kept (they were kept for every version until the file closed)
        server.fix_all = {k: v for k, v in server.fix_all.items() if k[0] != key[0] or k[1] > key[1]}
        server.fix_all.setdefault(key, edit)
    return server.fix_all[key]


def _compute_fix_all(result: Analysis) -> Optional[types.WorkspaceEdit]:
    from shapelint.fixing import fix_file

    assert result.settings is not None
    use_overlay(result)
    fixed = fix_file(result.data, result.display, result.codes, dict(result.settings.severity), False,
                     result.outcome)
    if not fixed.changed:
        return None
    buffer = result.buffer
    if buffer.cells is None:
        new_text = fixed.fixed.decode(_encoding_of(result.data))
        return types.WorkspaceEdit(changes={buffer.uri: [convert.whole_text_edit(buffer.text, new_text)]})
    new_cells = json.loads(fixed.fixed.decode("utf-8"))["cells"]
    changes = {}
    for old, new in zip(buffer.cells, new_cells):
        new_text = "".join(new["source"]) if isinstance(new["source"], list) else new["source"]
        if new_text != old.text:
            changes[old.uri] = [convert.whole_text_edit(old.text, new_text)]
    return types.WorkspaceEdit(changes=changes)


def _encoding_of(data: bytes) -> str:
    import io
    import tokenize

    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def serve() -> int:
    """Talk LSP over stdin/stdout until the client says exit; the exit status."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="shapelint server: %(levelname)s: %(message)s")
    tune_collector()
    server.start_io()
    return 0
