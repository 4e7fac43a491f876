"""Classes of the project: objects keep their attributes across method calls.

``dense1 = Layer_Dense(2, 64)`` makes an object and runs ``__init__`` on it at
that call; ``dense1.forward(X)`` runs ``forward`` with ``self`` bound to the
same object, so that ``self.inputs = inputs`` there is what ``backward`` reads
later.  A class is also analyzed on its own, once: ``__init__`` and then every
method in the order written, on one object made for the purpose, with the
parameters unknown (int-like ones are declared sizes) — what a method assigns
to ``self`` is what the next one sees.
"""

from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from shapelint.analysis.effects import writes_of
from shapelint.analysis.env import Env, Flow
from shapelint.analysis.syntax import has_special_decorator
from shapelint.analysis.values import (
    NONE,
    UNKNOWN,
    ArrayVal,
    BoundMethodVal,
    ClassVal,
    FuncVal,
    InstanceVal,
    TupleVal,
    Val,
    join_all,
)


class SuperVal(Val):
    """``super()`` inside a method: the bases of the class, bound to the object."""

    __slots__ = ("cls", "instance")

    def __init__(self, cls: ClassVal, instance: Val):
        self.cls, self.instance = cls, instance


class ClassesMixin:
    def stmt_ClassDef(self, node: cst.ClassDef, env: Env) -> Flow:
        bases = tuple(b for b in (self.quiet_eval(arg.value, env) for arg in node.bases if arg.keyword is None)
                      if isinstance(b, ClassVal))
        class_env = Env(env)
        class_env.text_dims = env.text_dims
        self.class_depth += 1
        try:
            self.exec_suite(node.body, class_env)
        finally:
            self.class_depth -= 1
        # plain methods only: `obj.forward(x)` is checked like `forward(obj, x)`
        methods: Dict[str, FuncVal] = {}
        attrs: Dict[str, Val] = {}
        for name, v in class_env.vars.items():
            if isinstance(v, FuncVal):
                if not has_special_decorator(v.node):
                    methods[name] = v
            else:
                attrs[name] = v
        cls = ClassVal(node.name.value, methods, attrs, bases)
        for m in methods.values():
            m.owner = cls
        env.vars[node.name.value] = cls
        if self.recording and not self.frames and self.class_depth == 0:
            self.analyze_class(cls)
        return Flow(False)

    def analyze_class(self, cls: ClassVal) -> None:
        """Each method once, on an object of the class.

        A method may run after any other, so on entry an attribute holds what
        any method may have stored in it: a first, silent pass runs
        ``__init__`` and then every method in the order written on one object
        and collects what each attribute is assigned; the second pass, which
        reports, starts ``__init__`` from an empty object and every other
        method from those attributes joined.
        """
        methods = sorted(cls.methods.values(), key=lambda f: f.qualname != "__init__")
        probe = InstanceVal(cls)
        log: Dict[str, List[Val]] = {}
        self._attr_logs[probe.uid] = log
        saved = self.recording
        self.recording, self.quiet = False, self.quiet + 1
        try:
            for method in methods:
                # only what stores into the object matters here (a test class's hundred
                # test methods store nothing: they are analyzed once, in the second pass)
                if method.qualname == "__init__" or self.stores_attributes(method, cls):
                    self.analyze_function(method, None, None, bound_self=probe)
        finally:
            self.recording, self.quiet = saved, self.quiet - 1
            del self._attr_logs[probe.uid]
        summary = {name: _attribute_summary(values) for name, values in log.items()}
        for method in methods:
            obj = InstanceVal(cls) if method.qualname == "__init__" else InstanceVal(cls, summary)
            method.generic_return = self.analyze_function(method, None, None, bound_self=obj)

    def stores_attributes(self, method: FuncVal, cls: ClassVal) -> bool:
        """Does the method assign attributes of its object (itself or through its other methods)?"""
        params = method.node.params.params
        if not params:
            return False
        attrs, _ = writes_of(method, params[0].name.value, cls, self._writes_cache)
        return attrs is None or bool(attrs)

    def instantiate(self, cls: ClassVal, call: cst.Call, env: Env) -> Val:
        obj = InstanceVal(cls)
        init = cls.lookup_method("__init__")
        if init is not None:
            self.call_function(init, call, env, bound_self=obj)
        else:
            for arg in call.args:
                self.eval(arg.value, env)
        return obj

    def instance_attribute(self, obj: InstanceVal, attr: str) -> Val:
        value = obj.attrs.get(attr)
        if value is not None:
            return value
        method = obj.cls.lookup_method(attr)
        if method is not None:
            return BoundMethodVal(method, obj)
        value = obj.cls.lookup_attr(attr)
        return value if value is not None else UNKNOWN

    def class_attribute(self, cls: ClassVal, attr: str) -> Val:
        method = cls.lookup_method(attr)
        if method is not None:
            return method
        value = cls.lookup_attr(attr)
        return value if value is not None else UNKNOWN

    def super_attribute(self, sup: SuperVal, attr: str) -> Val:
        for base in sup.cls.bases:
            method = base.lookup_method(attr)
            if method is not None:
                return BoundMethodVal(method, sup.instance)
        return UNKNOWN

    def call_super(self, env: Env) -> Val:
        """``super()`` in a method of a class of the project."""
        func = self.running_function()
        if func is None:
            return UNKNOWN
        owner: Optional[ClassVal] = getattr(func, "owner", None)
        params = func.node.params.params
        if owner is None or not params:
            return UNKNOWN
        instance = env.get(params[0].name.value)
        return SuperVal(owner, instance) if instance is not None else UNKNOWN

    def set_attribute(self, target: cst.Attribute, value: Val, env: Env) -> None:
        owner = self.eval(target.value, env)
        if isinstance(owner, InstanceVal):
            name = target.attr.value
            if (name not in owner.attrs and (self.undecided or self.loop_may_skip)
                    and owner.cls.lookup_method("__getattr__") is not None):
                # `if not self.w: self.w = ...` where `__getattr__` answers for what the object lacks
                # (`self.params[key]`): on the other path the attribute holds what it answered
                value = UNKNOWN
            owner.attrs[name] = value
            log = self._attr_logs.get(owner.uid)
            if log is not None:
                log.setdefault(name, []).append(value)
        elif isinstance(owner, ClassVal):
            owner.attrs[target.attr.value] = value


def _attribute_summary(values: List[Val]) -> Val:
    """What an attribute may hold when a method starts.  ``self.x = []`` or ``np.array([])``
    in ``__init__`` is a placeholder that some other code fills: it says nothing."""
    real = [v for v in values if not _placeholder(v)]
    return join_all(real) if real else UNKNOWN


def _placeholder(v: Val) -> bool:
    if v is NONE:
        return True
    if isinstance(v, TupleVal):
        return not v.items
    if isinstance(v, ArrayVal):
        return v.shape is not None and 0 in v.shape
    return False

