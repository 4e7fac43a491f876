"""The constraints on shape variables, owned by one object: what the code made equal, and what
it keeps apart.

The evaluator finds the constraints (``unify``: the inner sizes of a matrix product, an
assert between shapes, the axes of one array); this object records them and answers whether a
new equality contradicts one already there.  It never sees a syntax tree or a scope: putting
a bound size into the values of a scope, and reporting a contradiction, are the evaluator's.

- ``bound``: variable -> the size it was made equal to, in the order the code bound them.
- ``apart``: a pair of variables -> why the code keeps them apart (two axes of one array,
  or a layer's size and the number of examples in the course's column layout).  Binding one
  of a pair to the other is the contradiction SL208 reports.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Tuple

from shapelint.algebra.dims import Dim, Sym

MAX_LAYOUT_SIZES = 64  # layer sizes and numbers of examples remembered per analysis


class Apart(NamedTuple):
    """Why two sizes are kept apart: two axes of one array, or (``data`` set) an axis of a
    weight and the number of examples of a data array in the column layout."""

    array: str
    axes: Tuple[int, int]
    data: str = ""


def variable_name(d: Dim) -> Optional[str]:
    """The name of a pure invented size (``?A.shape[0]#12``), else None."""
    if isinstance(d, Sym) and d.invented and len(d.terms) == 1:
        mono, coef = d.terms[0]
        if coef == 1 and len(mono) == 1:
            return mono[0]
    return None


class ShapeSolver:
    __slots__ = ("apart", "_apart_of", "bound", "_order", "_layer_sizes", "_example_sizes")

    def __init__(self) -> None:
        self.apart: Dict[frozenset, Apart] = {}
        self._apart_of: Dict[str, List[frozenset]] = {}  # variable -> the pairs it is in (no scans)
        self.bound: Dict[str, Dim] = {}
        self._order: List[str] = []  # the variables of `bound`, in the order they were first bound
        # the column layout's sizes the code showed: variable -> (weight, axis) for a layer's size,
        # variable -> data array for a number of examples
        self._layer_sizes: Dict[str, Tuple[str, int]] = {}
        self._example_sizes: Dict[str, str] = {}

    def keep_apart(self, pair: frozenset, why: Apart) -> None:
        if pair not in self.apart:
            self.apart[pair] = why
            for name in pair:
                self._apart_of.setdefault(name, []).append(pair)

    def bind(self, name: str, value: Dim, stated: bool = False) -> Optional[Apart]:
        """Record that variable ``name`` is the size ``value``; return why the code kept the two
        apart when it did (the contradiction), else None.

        ``stated``: the code says the two are equal itself (a test, an assert, a product of an
        array with itself): the pair was never meant apart, and is forgotten.
        """
        other = variable_name(value)
        pair = frozenset((name, other)) if other is not None else None
        why = self.apart.get(pair) if pair is not None else None
        if why is not None and stated:
            del self.apart[pair]
            why = None
        if name not in self.bound:
            self._order.append(name)
        self.bound[name] = value
        if other is not None:
            # what was kept apart from `name` is now kept apart from what it became
            for kept in list(self._apart_of.get(name, ())):
                reason = self.apart.get(kept)
                rest = [n for n in kept if n != name]
                if reason is not None and rest and rest[0] != other:
                    self.keep_apart(frozenset((rest[0], other)), reason)
        return why

    def mark(self) -> int:
        """A point to ask ``bound_since`` from."""
        return len(self._order)

    def bound_since(self, mark: int) -> Dict[str, Dim]:
        """The variables bound since ``mark``, with their sizes."""
        return {name: self.bound[name] for name in self._order[mark:]}

    def adopt(self, apart: List[Tuple[frozenset, Apart]], bound: List[Tuple[str, Dim]]) -> None:
        """Take what an imported module's execution recorded (see shared_modules); a variable
        bound here already keeps its size."""
        for pair, why in apart:
            self.keep_apart(pair, why)
        for name, value in bound:
            if name not in self.bound:
                self._order.append(name)
                self.bound[name] = value

    def open_module(self) -> Tuple[Dict[frozenset, Apart], Dict[str, List[frozenset]]]:
        """Start recording an imported module's pairs on their own (they go into its summary);
        give the result to ``close_module``."""
        saved = (self.apart, self._apart_of)
        self.apart, self._apart_of = {}, {}
        return saved

    def close_module(self, saved: Tuple[Dict[frozenset, Apart], Dict[str, List[frozenset]]]
                     ) -> List[Tuple[frozenset, Apart]]:
        """The pairs the module recorded, now merged into the ones before it."""
        noted = list(self.apart.items())
        self.apart, self._apart_of = saved
        for pair, why in noted:
            self.keep_apart(pair, why)
        return noted

    def note_product(self, weight: Optional[Tuple[str, bool]], data: Optional[Tuple[str, bool]],
                     a: Tuple[Dim, ...], b: Tuple[Dim, ...]) -> None:
        """A matrix product of a weight of the course's column layout (``weight``: its name, and
        whether it is transposed) with a data array (``data``, likewise; None when the operands
        are named otherwise): its sizes are layers' sizes, the data's axis 1 is the number of
        examples, and each layer size is kept apart from each number of examples."""
        if weight is None or len(a) != 2:
            return
        fresh_pairs = []
        for i, d in enumerate(a):
            name = variable_name(d)
            if name is not None and name not in self._layer_sizes and len(self._layer_sizes) < MAX_LAYOUT_SIZES:
                axis = 1 - i if weight[1] else i
                self._layer_sizes[name] = (weight[0], axis)
                fresh_pairs += [(name, m) for m in self._example_sizes]
        if data is not None and not data[1] and len(b) == 2:
            m = variable_name(b[1])
            if m is not None and m not in self._example_sizes and len(self._example_sizes) < MAX_LAYOUT_SIZES:
                self._example_sizes[m] = data[0]
                fresh_pairs += [(layer, m) for layer in self._layer_sizes]
        for first_layer, first_m in fresh_pairs:
            layer, m = self.current_variable(first_layer), self.current_variable(first_m)
            if layer is not None and m is not None and layer != m:
                array, axis = self._layer_sizes[first_layer]
                self.keep_apart(frozenset((layer, m)), Apart(array, (axis, 1), data=self._example_sizes[first_m]))

    def current_variable(self, name: str) -> Optional[str]:
        """The variable a size has become since, or None once it is no variable."""
        for _ in range(64):
            value = self.bound.get(name)
            if value is None:
                return name
            name = variable_name(value)
            if name is None:
                return None
        return None
