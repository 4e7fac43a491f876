"""Small helpers over libcst nodes, shared by the inference modules."""

from __future__ import annotations

import inspect
from typing import Optional, Tuple

import libcst as cst

BINOPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
    cst.Modulo: "%", cst.Power: "**", cst.MatrixMultiply: "@", cst.BitAnd: "&", cst.BitOr: "|",
    cst.BitXor: "^", cst.LeftShift: "<<", cst.RightShift: ">>",
}


AUGOPS = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo,
    cst.PowerAssign: cst.Power, cst.MatrixMultiplyAssign: cst.MatrixMultiply, cst.BitAndAssign: cst.BitAnd,
    cst.BitOrAssign: cst.BitOr, cst.BitXorAssign: cst.BitXor, cst.LeftShiftAssign: cst.LeftShift,
    cst.RightShiftAssign: cst.RightShift,
}


BOOL_COMPARE = (cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual, cst.Equal, cst.NotEqual)


EXPECTS_ERROR = frozenset(("raises", "assertRaises", "assertRaisesRegex", "assert_raises",
                            "assert_raises_regex", "raises_regex", "assertRaisesRegexp"))


MUTATORS = frozenset(("append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
                       "popitem", "sort", "reverse"))


# Parameter names that usually hold a whole shape, not one size.
SHAPE_LIKE = ("shape", "size", "dims", "tuple")


def is_shape_attr(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "shape"


def callee_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return ""


def is_transpose(node: Optional[cst.CSTNode]) -> bool:
    """``x.T``, ``x.transpose()`` or ``np.transpose(x)`` (parentheses around it or not)."""
    if isinstance(node, cst.Attribute):
        return node.attr.value == "T"
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "transpose":
            return not node.args or dotted(node.func.value) in ("np", "numpy")
        return isinstance(node.func, cst.Name) and node.func.value == "transpose"
    return False


def dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


def name_of(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else dotted(node)


_FIELDS: dict = {}


def _child_fields(cls: type) -> tuple:
    """The dataclass fields of a node class that can hold nodes (whitespace and tokens aside)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in getattr(cls, "__dataclass_fields__", ())
                                      if not f.startswith(("whitespace", "lpar", "rpar", "comma", "semicolon",
                                                           "leading_lines", "lines_after", "header", "footer",
                                                           "newline", "equal", "colon", "dot", "star_tok")))
    return fields


_IS_NODE: dict = {}  # class -> is it a node class? (``isinstance`` against libcst's abstract bases is slow)


def _is_node(cls: type) -> bool:
    known = _IS_NODE.get(cls)
    if known is None:
        known = _IS_NODE[cls] = issubclass(cls, cst.CSTNode)
    return known


def walk(node: cst.CSTNode):
    """Every node under ``node`` (itself first), without libcst's ``children`` (which rebuilds
    each node through a visitor: ten times slower)."""
    stack = [node]
    known = _IS_NODE
    while stack:
        n = stack.pop()
        yield n
        for name in _child_fields(type(n)):
            value = getattr(n, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for v in value:
                    flag = known.get(type(v))
                    if flag or (flag is None and _is_node(type(v))):
                        stack.append(v)
            else:
                flag = known.get(kind)
                if flag or (flag is None and _is_node(kind)):
                    stack.append(value)


def shape_access(node: cst.BaseExpression) -> Tuple[Optional[str], Optional[int]]:
    """``X.shape`` -> ("X", None); ``X.shape[0]`` -> ("X", 0); else (None, None)."""
    if isinstance(node, cst.Attribute) and node.attr.value == "shape" and isinstance(node.value, cst.Name):
        return node.value.value, None
    if (isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape"
            and isinstance(node.value.value, cst.Name)):
        idx = node.slice[0].slice.value
        neg = False
        if isinstance(idx, cst.UnaryOperation) and isinstance(idx.operator, cst.Minus):
            idx, neg = idx.expression, True
        if isinstance(idx, cst.Integer):
            try:
                i = int(idx.value)
            except ValueError:
                return None, None
            return node.value.value.value, -i if neg else i
    return None, None


def rank_access(node: cst.BaseExpression) -> Optional[str]:
    """``X.ndim``, ``np.ndim(X)``, ``len(X.shape)`` -> "X"."""
    kind = type(node)  # (called on every node of a test: `type(...) is` spares ABCMeta's isinstance)
    if kind is cst.Attribute:
        return node.value.value if node.attr.value == "ndim" and type(node.value) is cst.Name else None
    if kind is not cst.Call:
        return None
    if len(node.args) == 1 and isinstance(node.args[0].value, cst.Name):
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "ndim") or (
                isinstance(func, cst.Name) and func.value == "ndim"):
            return node.args[0].value.value
        if isinstance(func, cst.Name) and func.value == "len":
            return None
    if (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len"
            and len(node.args) == 1):
        inner = node.args[0].value
        if isinstance(inner, cst.Attribute) and inner.attr.value == "shape" and isinstance(inner.value, cst.Name):
            return inner.value.value
    return None


def has_special_decorator(node: cst.FunctionDef) -> bool:
    """staticmethod, classmethod, property...: not a plain method taking the instance first."""
    for dec in node.decorators:
        d = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = d.attr.value if isinstance(d, cst.Attribute) else d.value if isinstance(d, cst.Name) else ""
        if name in ("staticmethod", "classmethod", "property", "setter", "getter", "deleter",
                    "cached_property", "abstractmethod", "overload"):
            return True
    return False


def has_object_elements(node: cst.CSTNode) -> bool:
    """A dtype whose elements are not NumPy number scalars: ``object`` (any Python object) or a
    structured dtype (each element a record, ``np.void``).  Such elements can be indexed and
    have a ``len()``, so the analysis marks these arrays with the one dtype ``"object"``."""
    return is_object_dtype(node) or is_structured_dtype(node)


def is_structured_dtype(node: cst.CSTNode) -> bool:
    """A structured dtype written out: ``[("x", "f8"), ...]``, ``{"names": ...}``, ``"i,i,i"``,
    ``np.dtype([...])``, ``np.dtype("i,f")``."""
    if isinstance(node, (cst.List, cst.Dict)):
        return True
    if isinstance(node, cst.SimpleString):
        return "," in node.value
    if isinstance(node, cst.Call) and callee_name(node.func) == "dtype" and node.args:
        return is_structured_dtype(node.args[0].value)
    return False


def is_object_dtype(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "object"
    if isinstance(node, cst.Attribute):
        return node.attr.value in ("object_", "object")
    if isinstance(node, cst.SimpleString):
        return node.value.strip("'\"") in ("O", "object")
    return False


def plain_string(node: cst.SimpleString) -> Optional[str]:
    """The value of a string literal with no prefix and no escapes: the text between its quotes.
    None for any other (the caller asks libcst's ``evaluated_value``, which compiles the literal
    with ``ast.literal_eval``: a tenth of the analysis when every literal went that way, and its
    nested functions are left in reference cycles for the collector)."""
    raw = node.value
    if raw[0] not in "'\"" or "\\" in raw or "\r" in raw:
        return None
    quotes = 3 if len(raw) >= 6 and raw[:3] in ('"""', "'''") else 1
    return raw[quotes:-quotes]


def string_value(node: cst.SimpleString) -> Optional[str]:
    """The value of a string literal; None for bytes, or a literal libcst cannot evaluate."""
    plain = plain_string(node)
    if plain is not None:
        return plain
    try:
        value = node.evaluated_value
    except Exception:
        return None
    return value if isinstance(value, str) else None


def is_zero(node: cst.Integer) -> bool:
    """Is this integer literal 0 (``0``, ``00``, ``0_0``, ``0x0``)?  Decimal digits are read
    here; anything else by libcst (a compile, see plain_string)."""
    digits = node.value.replace("_", "")
    if digits.isascii() and digits.isdigit():  # (str.isdigit alone also accepts '²')
        return digits.strip("0") == ""
    return node.evaluated_value == 0


def docstring(node: cst.FunctionDef) -> Optional[str]:
    """``node.get_docstring(clean=True)``, without compiling a plain literal (see plain_string)."""
    body = node.body
    if isinstance(body, cst.IndentedBlock) and body.body:
        first = body.body[0]
        if isinstance(first, cst.SimpleStatementLine) and first.body and isinstance(first.body[0], cst.Expr):
            value = first.body[0].value
            text = plain_string(value) if isinstance(value, cst.SimpleString) else None
            if text is not None:
                return inspect.cleandoc(text)
    return node.get_docstring(clean=True)
