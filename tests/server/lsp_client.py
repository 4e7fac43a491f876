"""A small LSP client over a subprocess' stdin/stdout (Content-Length framing), for the
end-to-end tests and bench/bench_server.py.  Every wait has a timeout, so a hung server
fails instead of stalling."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence


class LspError(AssertionError):
    pass


class LspClient:
    def __init__(self, command: Optional[Sequence[str]] = None, cwd: Optional[Path] = None,
                 timeout: float = 30.0):
        self.timeout = timeout
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(list(command or [sys.executable, "-m", "shapelint", "server"]),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        cwd=str(cwd) if cwd else None)
        self.messages: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.notifications: List[Dict[str, Any]] = []  # received, not yet taken by a wait
        self.responses: Dict[int, Dict[str, Any]] = {}
        self.next_id = 0
        self.write_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # --- the wire ----------------------------------------------------------------

    def _send(self, message: Dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        with self.write_lock:
            assert self.process.stdin is not None
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:  # the server asks: an empty answer will do
                self._send({"id": message["id"], "result": None})
            self.messages.put(message)

    def _pump(self, deadline: float) -> None:
        try:
            message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise LspError(f"no answer from the server in time; its stderr:\n{self.server_stderr()}") from None
        if "id" in message and "method" not in message:
            self.responses[message["id"]] = message
        elif "method" in message and "id" not in message:
            self.notifications.append(message)

    # --- what tests call ---------------------------------------------------------------

    def request(self, method: str, params: Any = None, timeout: Optional[float] = None) -> Any:
        self.next_id += 1
        ident = self.next_id
        self._send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + (timeout or self.timeout)
        while ident not in self.responses:
            self._pump(deadline)
        response = self.responses.pop(ident)
        if "error" in response:
            raise LspError(f"{method}: {response['error']}")
        return response.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"method": method, "params": params})

    def wait_for(self, method: str, where: Callable[[Dict[str, Any]], bool] = lambda p: True,
                 timeout: Optional[float] = None) -> Dict[str, Any]:
        """The params of the first notification ``method`` (received or to come) that ``where`` accepts."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for message in self.notifications:
                if message["method"] == method and where(message.get("params")):
                    self.notifications.remove(message)
                    return message["params"]
            self._pump(deadline)

    def diagnostics(self, uri: str, version: Optional[int] = None, timeout: Optional[float] = None) -> List[Dict]:
        def matches(p: Dict[str, Any]) -> bool:
            return p["uri"] == uri and (version is None or p.get("version") == version)
        return self.wait_for("textDocument/publishDiagnostics", matches, timeout)["diagnostics"]

    def initialize(self, root: Path, options: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(), "initializationOptions": options,
            "capabilities": {"textDocument": {"publishDiagnostics": {"relatedInformation": True},
                                              "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {
                                                  "valueSet": ["quickfix", "source.fixAll"]}}},
                                              "hover": {"contentFormat": ["markdown"]},
                                              "inlayHint": {}},
                             "notebookDocument": {"synchronization": {}}}})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: Optional[str] = None, version: int = 1) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": version,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def shutdown(self, timeout: float = 60.0) -> int:
        """shutdown, then exit: the server's exit status."""
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def server_stderr(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-4000:]


def apply_text_edits(text: str, edits: List[Dict[str, Any]]) -> str:
    """The text with LSP TextEdits made (ASCII test texts: characters are code units)."""
    lines = text.split("\n")

    def offset(position: Dict[str, int]) -> int:
        line = min(position["line"], len(lines))
        return sum(len(x) + 1 for x in lines[:line]) + (position["character"] if line < len(lines) else 0)

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[min(end, len(text)):]
    return text
