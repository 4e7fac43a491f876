"""What the inference pass tells the rules (events), and what the rules may ask of it (the context).

The inference pass (``shapelint.analysis``) builds one of these events where something happens
that a rule may care about, and hands it to the rules that listen to its class (``Rule.handles``)
together with a ``RuleContext``.  The module lives with the rules because the analysis already
depends on the rules (it loads them as its handlers) and never the other way round: the types of
the analysis named below are imported for type checkers only.

Events are frozen: every rule that listens to a class receives the same object, so no rule may
change what the next one sees.  They compare by identity (``eq=False``): an event is one
happening, and its fields hold lists and syntax nodes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, AbstractSet, FrozenSet, Optional, Protocol, Sequence, Tuple, Type

if TYPE_CHECKING:
    import libcst as cst

    from shapelint.algebra.api import Fn
    from shapelint.algebra.dims import Dim, Shape
    from shapelint.algebra.ops import ShapeMismatch
    from shapelint.analysis.values import ArrayVal, Val
    from shapelint.fixes import Edit, Fix

# ``slots`` needs Python 3.10; on 3.9 the events are frozen dataclasses with a ``__dict__``.
_EVENT = dict(frozen=True, eq=False, **({"slots": True} if sys.version_info >= (3, 10) else {}))


@dataclass(**_EVENT)
class Event:
    """The base of every event: ``node`` is where it happens, where a finding about it is reported."""

    node: cst.CSTNode


# --- operations -------------------------------------------------------------------------------


@dataclass(**_EVENT)
class ElementwiseEvent(Event):
    """An element-wise operation (``a + b``, ``np.maximum(a, b)``, ``a *= b``) that broadcasts."""

    op: str  # the operator (``*``) or the function as written (``np.multiply``)
    func: str  # "" for an operator
    operands: Sequence[ArrayVal]
    operand_nodes: Sequence[Optional[cst.CSTNode]]  # None where an operand has no node of its own
    result: Shape  # the broadcast shape


@dataclass(**_EVENT)
class MatmulEvent(Event):
    """A matrix product (``np.dot``, ``@``, ``ndarray.dot``) whose operands fit."""

    func: str
    operands: Sequence[ArrayVal]
    operand_nodes: Sequence[Optional[cst.CSTNode]]
    result: Shape


@dataclass(**_EVENT)
class TransposeEvent(Event):
    """``x.T`` or ``np.transpose(x)`` without axes."""

    value: ArrayVal
    operand_node: Optional[cst.CSTNode]
    operand_is_transpose: bool  # `np.transpose(v.T)`: the operand is a transpose itself


@dataclass(**_EVENT)
class ReduceEvent(Event):
    """A reduction (``np.sum``, ``X.mean(axis=1)``, ``np.linalg.norm``)."""

    func: str
    value: Optional[ArrayVal]
    axis: object  # as written: an int, a tuple of ints, or None
    keepdims: object
    result: Shape


@dataclass(**_EVENT)
class ScalarDotUsedEvent(Event):
    """The dot product of two rank-1 arrays (a scalar) used as if it were an array."""

    value: ArrayVal
    how: str  # what is done to it: "it is indexed", "`.shape` is read"


@dataclass(**_EVENT)
class ScalarConversionEvent(Event):
    """``float(x)``, ``int(x)`` of an array with more than one element."""

    func: str
    value: ArrayVal
    size: int


# --- shape errors: one set of fields, three degrees of certainty ------------------------------


@dataclass(**_EVENT)
class ShapeErrorEvent(Event):
    """The fields of the shape errors below.  Not an event itself: rules listen to one of them."""

    error: ShapeMismatch
    operands: Sequence[Val] = ()
    operand_nodes: Sequence[Optional[cst.CSTNode]] = ()
    op: Optional[str] = None  # None where the failing operation has no operator or function name
    func: Optional[str] = None
    call: Optional[cst.Call] = None  # a NumPy call of the API table that fails, and its entry
    fn: Optional[Fn] = None


@dataclass(**_EVENT)
class MismatchEvent(ShapeErrorEvent):
    """An operation that certainly raises."""


@dataclass(**_EVENT)
class LikelyMismatchEvent(ShapeErrorEvent):
    """An operation that raises if the arrays have the ranks their use suggests."""


@dataclass(**_EVENT)
class DocumentedMismatchEvent(ShapeErrorEvent):
    """An operation that fails only with the sizes that docstrings name."""


@dataclass(**_EVENT)
class CallerDocumentedMismatchEvent(ShapeErrorEvent):
    """The same, in a function reached through a call whose arguments got their sizes from the
    caller's docstring (the caller analyzed on its declared shapes)."""


# --- asserts ----------------------------------------------------------------------------------


@dataclass(**_EVENT)
class AssertEvent(Event):
    """The fields of the failing shape asserts below.  Not an event itself.

    ``assert X.shape == want``: ``have`` is ``X``'s shape.  ``assert X.shape[index] == want_dim``:
    ``want`` is None and ``have`` is still the whole shape."""

    have: Tuple[Dim, ...]
    want: Optional[Tuple[Dim, ...]]
    name: str
    index: Optional[int] = None
    want_dim: Dim = None


@dataclass(**_EVENT)
class AssertFailsEvent(AssertEvent):
    """A shape assert that certainly fails."""


@dataclass(**_EVENT)
class LikelyAssertFailsEvent(AssertEvent):
    """A shape assert that fails if the arrays have the ranks their use suggests."""


@dataclass(**_EVENT)
class DocumentedAssertFailsEvent(AssertEvent):
    """A shape assert that fails only with the sizes that docstrings name."""


@dataclass(**_EVENT)
class CallerDocumentedAssertFailsEvent(AssertEvent):
    """The same, in a function reached through a call with the sizes of the caller's docstring."""


# --- declarations -----------------------------------------------------------------------------


@dataclass(**_EVENT)
class ContractEvent(Event):
    """The fields of a value that contradicts its declared shape.  Not an event itself."""

    what: str  # "argument `X` of `f()`", "return value of `f()`"
    declared: Shape
    declared_text: str
    actual: Shape
    reason: str


@dataclass(**_EVENT)
class ContractViolationEvent(ContractEvent):
    """A value that contradicts the shape its docstring, annotation or ``shapelint.check`` declares."""


@dataclass(**_EVENT)
class TestDataContradictsContractEvent(ContractEvent):
    """The same, where every array that contradicts the declaration is the course's own test data."""

    __test__ = False  # not a test class for pytest, whatever its name says


@dataclass(**_EVENT)
class ContractTheCodeContradictsEvent(ContractEvent):
    """The same, where the function's own code fails in the functions it calls with the shapes
    it declares: the declaration is what is wrong."""


@dataclass(**_EVENT)
class ContractUnreadableEvent(Event):
    """A docstring line that looks like a shape declaration but cannot be read."""

    text: str
    reason: str
    func: str


@dataclass(**_EVENT)
class DeclaredValueEvent(Event):
    """An annotated assignment of an array to a name whose annotation declares a shape."""

    name: str
    declared: Tuple[Dim, ...]
    value: ArrayVal


@dataclass(**_EVENT)
class DeclaredConflictEvent(Event):
    """A shape assert that contradicts the shape the docstring declares for the same name."""

    name: str
    declared: str  # the declaration's text
    have: Tuple[Dim, ...]
    want: Tuple[Dim, ...]


@dataclass(**_EVENT)
class GradientEvent(Event):
    """A gradient assigned (``dW1 = ...``, ``grads["dW1"] = ...``) whose variable has a known shape."""

    grad_name: str
    grad: ArrayVal
    var_name: str
    var: ArrayVal


@dataclass(**_EVENT)
class ForcedEqualEvent(Event):
    """Uses of an array that together require two of its axes to have one size; or, with
    ``examples_of`` set, an axis of the weight ``array`` (``axes[0]``) to be the number of
    examples of the data array ``examples_of`` (its axis ``axes[1]``) in the column layout."""

    array: str
    axes: Tuple[int, int]
    first: Dim
    second: Dim
    examples_of: str = ""


# The events a rule may listen to (the bases above that only share fields are not among them).
EVENT_TYPES: FrozenSet[Type[Event]] = frozenset({
    ElementwiseEvent, MatmulEvent, TransposeEvent, ReduceEvent, ScalarDotUsedEvent,
    ScalarConversionEvent, MismatchEvent, LikelyMismatchEvent, DocumentedMismatchEvent,
    CallerDocumentedMismatchEvent, AssertFailsEvent, LikelyAssertFailsEvent, DocumentedAssertFailsEvent,
    CallerDocumentedAssertFailsEvent, ContractViolationEvent, TestDataContradictsContractEvent,
    ContractTheCodeContradictsEvent, ContractUnreadableEvent, DeclaredValueEvent, DeclaredConflictEvent,
    GradientEvent, ForcedEqualEvent,
})

# The events that carry the arrays an operation was given (where a rank-1 operand came from may
# decide where a finding belongs: see ``ReportingMixin.report_in_focus``).
WITH_OPERANDS = (ElementwiseEvent, MatmulEvent, ShapeErrorEvent)


class RuleContext(Protocol):
    """All that a rule may use of the inference pass: where things are, their text, and reporting.

    The inference pass (``shapelint.analysis.infer.Inference``) implements it;
    ``tests/test_rule_events.py`` fails when a rule uses anything else of it.
    """

    @property
    def enabled(self) -> AbstractSet[str]:
        """The codes selected for this file (a rule stays quiet when another says it better)."""

    def report(self, node: cst.CSTNode, code: str, message: str, severity: str,
               fixes: Sequence[Fix] = ()) -> None:
        """A finding at ``node``; ``fixes`` are the edits proposed, best first."""

    def code_of(self, node: cst.CSTNode, limit: int = 40) -> str:
        """The text of a node of the current module, on one line, shortened to ``limit`` characters."""

    def text_of(self, node: cst.CSTNode) -> str:
        """The whole text of a node, of whichever module holds it: what an edit of it replaces."""

    def text_with(self, node: cst.CSTNode, edits: Sequence[Optional[Edit]]) -> str:
        """The text of ``node`` once ``edits`` inside it are made ("" if one is missing)."""

    def where(self, node: cst.CSTNode) -> str:
        """``line 8``, ``cell 4, line 2``, or ``line 8 of `utils.py` ``."""

    def edit(self, node: cst.CSTNode, content: str, standalone: bool = False) -> Optional[Edit]:
        """An edit that replaces ``node`` by ``content``; None outside the checked file."""

    def numpy_name(self) -> Optional[str]:
        """What the checked file calls NumPy (``np``), or None."""
