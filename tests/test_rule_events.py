"""The typed interface between the inference pass and the rules (``shapelint.rules.events``):
dispatch by event class, registration checked when a rule is defined, and a rule context that
lists all a rule may use of the inference pass."""

import ast
import dataclasses
import inspect
from pathlib import Path

import libcst as cst
import pytest

from shapelint.analysis import analyze_source
from shapelint.analysis.infer import Inference
from shapelint.diagnostics import FileResult
from shapelint.rules import all_rules, events
from shapelint.rules.base import Rule

RULES = Path(__file__).resolve().parent.parent / "shapelint" / "rules"

# what the context offers: the members RuleContext declares
CONTEXT = {name for name in vars(events.RuleContext) if not name.startswith("_")}


def _inference(enabled, source="import numpy as np\n"):
    return Inference(cst.parse_module(source), source, "<test>", set(enabled), FileResult("<test>"), False)


def _event(event_cls):
    """An event of that class with every field None: the dispatch reads none of them."""
    return event_cls(**{f.name: None for f in dataclasses.fields(event_cls)})


def test_each_event_class_reaches_the_rules_that_listen_to_it(monkeypatch):
    received = []
    for rule_cls in all_rules().values():
        for event_cls, method in rule_cls.handles.items():
            def record(self, ev, ctx, rule_cls=rule_cls):
                received.append((rule_cls.code, type(ev), ctx))
            monkeypatch.setattr(rule_cls, method, record)
    inference = _inference(all_rules())
    for event_cls in sorted(events.EVENT_TYPES, key=lambda c: c.__name__):
        received.clear()
        inference.emit(_event(event_cls))
        expected = [(code, event_cls, inference) for code, rule_cls in all_rules().items()
                    if event_cls in rule_cls.handles]
        assert received == expected, event_cls.__name__


def test_an_event_reaches_only_the_selected_rules():
    inference = _inference({"SL201", "SL207"})
    listeners = [handler.__self__.code for handler in inference.handlers[events.ElementwiseEvent]]
    assert listeners == ["SL201", "SL207"]
    assert events.MismatchEvent not in inference.handlers  # SL101-SL105 are not selected


def test_dispatch_is_by_the_exact_class():
    # the shape errors share their fields, not their listeners: SL101 hears no likely error
    inference = _inference({"SL101"})
    assert [h.__self__.code for h in inference.handlers[events.MismatchEvent]] == ["SL101"]
    assert events.LikelyMismatchEvent not in inference.handlers


def test_an_event_nobody_listens_to_is_dropped_without_error():
    inference = _inference(all_rules())
    assert events.ReduceEvent not in inference.handlers  # no rule listens to reductions
    inference.emit(_event(events.ReduceEvent))
    quiet = _inference(set())
    assert quiet.handlers == {}
    for event_cls in events.EVENT_TYPES:
        quiet.emit(_event(event_cls))
    assert quiet.result.diagnostics == []


@pytest.mark.parametrize("event_cls, code, source", [
    (events.ElementwiseEvent, "SL201", "x = np.ones((3, 1)) + np.ones(3)\ny = np.add(x, x)\n"),
    (events.TransposeEvent, "SL205", "x = np.ones(3).T\ny = np.transpose(np.ones((2, 3)))\n"),
    (events.MatmulEvent, None, "x = np.dot(np.ones((2, 3)), np.ones((3, 4))) @ np.ones((4, 1))\n"),
    (events.ReduceEvent, None, "x = np.sum(np.ones((2, 3)), axis=1)\n"),
])
def test_a_frequent_event_is_built_only_for_a_listener(monkeypatch, event_cls, code, source):
    built = []
    original = event_cls.__init__

    def counting_init(self, *args, **kwargs):
        built.append(event_cls)
        original(self, *args, **kwargs)

    monkeypatch.setattr(event_cls, "__init__", counting_init)
    source = "import numpy as np\n" + source
    result = analyze_source(source, codes={"SL102"})  # SL102 listens to none of these
    assert not result.internal_error and built == []
    if code is not None:  # and it is built when a selected rule listens
        result = analyze_source(source, codes={code})
        assert not result.internal_error and built


class NotAnEvent:
    pass


@dataclasses.dataclass(frozen=True)
class HomeMadeEvent(events.ElementwiseEvent):
    pass


@pytest.mark.parametrize("event_cls", [NotAnEvent, events.Event, events.ShapeErrorEvent, events.AssertEvent,
                                       events.ContractEvent, HomeMadeEvent, "elementwise"])
def test_an_unknown_event_type_is_a_type_error_when_the_rule_is_defined(event_cls):
    with pytest.raises(TypeError, match="is not an event"):
        class Listener(Rule):
            handles = {event_cls: "on_it"}

            def on_it(self, ev, ctx):
                pass


def test_a_handler_that_does_not_exist_is_a_type_error():
    with pytest.raises(TypeError, match="no method 'on_elementwise'"):
        class Listener(Rule):
            handles = {events.ElementwiseEvent: "on_elementwise"}


def test_every_handler_method_is_registered():
    # a method named like a handler that no event reaches is a rule that silently does nothing
    for rule_cls in all_rules().values():
        methods = {name for name in dir(rule_cls) if name.startswith("on_")}
        assert methods <= set(rule_cls.handles.values()), rule_cls.code


def test_events_are_frozen():
    ev = _event(events.TransposeEvent)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.value = 1


def _context_parameters(func):
    args = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
    return [a for a in args if a.arg == "ctx" or
            (a.annotation is not None and ast.unparse(a.annotation).strip("'\"") == "RuleContext")]


def context_misuse(source):
    """(line, what) for each use of a rule context that RuleContext does not list, and each context
    parameter (``ctx``) not typed ``RuleContext``."""
    problems = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = _context_parameters(func)
        for p in params:
            if p.annotation is None or ast.unparse(p.annotation).strip("'\"") != "RuleContext":
                problems.append((p.lineno, f"`{p.arg}` is not typed RuleContext"))
        names = {p.arg for p in params}
        for node in ast.walk(func):  # nested functions too: a closure uses the context it sees
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names \
                    and node.attr not in CONTEXT:
                problems.append((node.lineno, f"`{node.value.id}.{node.attr}`"))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("getattr", "setattr", "hasattr", "vars") \
                    and any(isinstance(a, ast.Name) and a.id in names for a in node.args):
                problems.append((node.lineno, f"`{node.func.id}()` of the context"))
    return problems


def test_rules_use_only_what_the_rule_context_lists():
    for path in sorted(RULES.glob("*.py")):
        problems = context_misuse(path.read_text(encoding="utf-8"))
        assert not problems, f"{path.name}: " + "; ".join(f"line {line}: {what}" for line, what in problems)


def test_the_context_check_sees_a_misuse():
    source = ("def on_x(self, ev, ctx: RuleContext):\n"
              "    ctx.report(ev.node, 'SL1', ctx.code_of(ev.node), 'error')\n"
              "    def inner():\n        return ctx.mod.path\n"
              "    return getattr(ctx, 'focus')\n"
              "def helper(ctx):\n    return ctx.where(None)\n"
              "def other(context: 'RuleContext'):\n    return context.result\n")
    assert sorted(context_misuse(source)) == [(4, "`ctx.mod`"), (5, "`getattr()` of the context"),
                                      (6, "`ctx` is not typed RuleContext"), (9, "`context.result`")]


def test_the_inference_pass_is_a_rule_context():
    inference = _inference(all_rules())
    assert CONTEXT >= {"report", "code_of", "edit", "where", "enabled"}
    for name in CONTEXT:
        assert hasattr(inference, name), name
        declared = getattr(events.RuleContext, name)
        if inspect.isfunction(declared):  # the same parameters, by name and default
            assert inspect.signature(getattr(Inference, name)).parameters.keys() == \
                inspect.signature(declared).parameters.keys(), name
