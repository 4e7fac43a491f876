"""What the analyzer reports: one finding at one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Dict, List, Optional, Set, Tuple

from shapelint.fixes import Fix


@dataclass(frozen=True)
class Related:
    """Another place that belongs to a finding.

    ``role`` says which: ``"call"``, a call whose arguments make the function fail (in the
    finding's file, or in the driver that passes them); ``"fails"``, the line of another module
    where the operation fails, for a finding reported in the checked file (at the call that
    leads there, or at the line that made the failing operand).  One failure seen from two
    files of a run is one finding (see ``runner.one_finding_per_failure``): these say which.

    ``line`` and ``column`` are 1-based, inside the cell when ``cell`` is set;
    ``file_line`` is then the line of the ``.ipynb`` file that holds that line.
    """

    path: str
    line: int
    column: int
    message: str
    cell: Optional[int] = None
    file_line: Optional[int] = None
    role: str = "call"

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Related":
        return cls(**data)


# At most this many related locations are kept on a finding; the rest are counted in its message.
MAX_RELATED = 5


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
    # In a notebook: the 1-based line of the .ipynb file that holds the reported line
    # (what GitHub annotations and SARIF point at); None for .py files.
    file_line: Optional[int] = None
    # Other places that belong to the finding: the calls that pass the shapes it fails with.
    related: Tuple[Related, ...] = ()
    # The checked fix whose title ends the message (None: no hint), and, until the
    # runner has checked them, the fixes the rule proposed (never shown, never cached).
    fix: Optional[Fix] = field(default=None, compare=False)
    candidates: Tuple[Fix, ...] = field(default=(), compare=False, repr=False)
    # The same finding at the line of the checked file that made the failing operand (a failure
    # inside an imported module): it replaces this one when its candidate fix passes the check,
    # which shows that this line is the one to change (``fix_check``).  Never shown, never cached.
    at_cause: Optional["Diagnostic"] = field(default=None, compare=False, repr=False)

    def to_json(self) -> Dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d.pop("source_line")
        d["related"] = [r.to_json() for r in self.related]
        d.pop("candidates")
        d.pop("at_cause")
        d["fix"] = self.fix.to_json() if self.fix is not None else None
        return d

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Diagnostic":
        """The inverse of ``to_json`` (plus ``source_line`` when given): what the cache reads back."""
        data = dict(data)
        data["related"] = tuple(Related.from_json(r) for r in data.get("related") or ())
        fix = data.pop("fix", None)
        return cls(fix=Fix.from_json(fix) if fix is not None else None, **data)

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
    # where the shape comes from (the editor's hover): the shapes its function declares, the
    # code, or the call whose arguments gave it
    origin: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        d = asdict(self)
        for optional in ("cell", "signature", "origin"):
            if d[optional] is None:
                d.pop(optional)
        return d


def format_shape(shape: Optional[List[Any]]) -> str:
    """A shape as ``shapelint shapes`` prints it: ``(n_h, m)``, ``(3,)``, ``?`` for an unknown size."""
    if shape is None:
        return "unknown"
    dims = ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


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
    # Lines whose failure is reported at its cause, the line that made an operand (see
    # ``ReportingMixin.report_at_cause``): the warnings there describe the same failure.
    failing_elsewhere: Set[int] = field(default_factory=set)
