"""What the analyzer reports: one finding at one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class Diagnostic:
    """A finding. Lines and columns are 1-based; ``end_*`` point just past the node."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    severity: str  # "error" | "warning"
    message: str
    cell: Optional[int] = None  # 1-based notebook cell, None for .py files
    # The shape-free identity of a finding, stable under edits that move lines
    # (used by --baseline): the code plus the text of the reported line.
    source_line: str = field(default="", compare=False)

    def to_json(self) -> Dict[str, Any]:
        d = asdict(self)
        d.pop("source_line")
        return d

    def with_(self, **changes: Any) -> "Diagnostic":
        return replace(self, **changes)


@dataclass(frozen=True)
class ShapeRecord:
    """What ``shapelint shapes`` prints: the inferred shape of one assigned name."""

    path: str
    line: int
    column: int
    name: str
    shape: Optional[List[Any]]  # None: unknown or not an array; [] for scalars
    cell: Optional[int] = None
    # set for a function's summary (`shapes --signatures`): name is the function's
    signature: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        d = asdict(self)
        for optional in ("cell", "signature"):
            if d[optional] is None:
                d.pop(optional)
        return d


@dataclass(frozen=True)
class FunctionCoverage:
    """What ``shapelint coverage`` prints for one function of the checked file."""

    path: str
    line: int
    column: int
    name: str
    values: int  # its assigned names that are (or may be) arrays
    known: int  # ... whose shape `shapelint shapes` shows in full (no `?`)
    partly: int  # ... whose rank is known but not every size
    unknown_names: List[str] = field(default_factory=list)  # the names whose shape is not known in full
    # parameters whose declaration would help most: (parameter, how many of those names it flows into)
    helpful: List[List[Any]] = field(default_factory=list)
    unchecked: bool = False  # see `FunctionFacts.unchecked`
    cell: Optional[int] = None

    @property
    def share(self) -> float:
        return self.known / self.values if self.values else 1.0

    def to_json(self) -> Dict[str, Any]:
        d = asdict(self)
        if d["cell"] is None:
            d.pop("cell")
        return d


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    shapes: List[ShapeRecord] = field(default_factory=list)
    # A message for the user when the file could not be analyzed at all
    # (unreadable, not UTF-8, internal error).  Syntax errors are diagnostics.
    error: Optional[str] = None
    internal_error: bool = False
    # Project modules the analysis read (absolute path -> sha256 of their bytes):
    # a cached result is stale once any of them changes.
    dependencies: Dict[str, str] = field(default_factory=dict)
    # The functions that could not be checked (no call with sizes, no declared or known size: see
    # `analysis.summaries.FunctionFacts.unchecked`), by qualified name: the summary line counts them.
    unchecked: List[str] = field(default_factory=list)
    coverage: List[FunctionCoverage] = field(default_factory=list)  # when shapes are collected
