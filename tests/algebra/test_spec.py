"""The shape-spec mini-language: parsing, runtime matching, static shapes."""

import pytest
from hypothesis import given, settings, strategies as st

from shapelint.algebra.dims import Sym, dims_equal, fmt_shape, is_invented
from shapelint.algebra.spec import (
    ANY,
    EXPR,
    INT,
    NAME,
    VARIADIC,
    ShapeSpec,
    SpecError,
    match_shape,
    parse_spec,
    spec_to_shape,
)


def kinds(text):
    return [(d.kind, d.name if d.kind != INT else d.value) for d in parse_spec(text).dims]


# -- parsing: jaxtyping style ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected, rank",
    [
        ("n m", [(NAME, "n"), (NAME, "m")], 2),
        ("n 1", [(NAME, "n"), (INT, 1)], 2),
        ("n_l n_prev", [(NAME, "n_l"), (NAME, "n_prev")], 2),
        ("batch *rest", [(NAME, "batch"), (VARIADIC, "rest")], None),
        ("...", [(VARIADIC, None)], None),
        ("*_ n", [(VARIADIC, None), (NAME, "n")], None),
        ("_", [(ANY, None)], 1),
        ("_label m", [(ANY, None), (NAME, "m")], 2),
        ("", [], 0),
        ("  n   m  ", [(NAME, "n"), (NAME, "m")], 2),
        ("n[l] n[l - 1]", [(NAME, "n[l]"), (NAME, "n[l-1]")], 2),
    ],
)
def test_space_separated_forms(text, expected, rank):
    spec = parse_spec(text)
    assert kinds(text) == expected
    assert spec.rank == rank
    assert str(spec) == text.strip()


def test_arithmetic_dims_are_polynomials():
    spec = parse_spec("n+1 2*n (n+1)*m 3*2")
    assert [d.kind for d in spec.dims] == [EXPR, EXPR, EXPR, INT]
    assert spec.dims[0].poly == (((), 1), (("n",), 1))
    assert spec.dims[1].poly == ((("n",), 2),)
    assert spec.dims[2].poly == ((("m",), 1), (("m", "n"), 1))
    assert spec.dims[3].value == 6
    # n+0 is just n
    assert kinds("n+0") == [(NAME, "n")]


def test_broadcast_marker():
    d = parse_spec("#n m").dims[0]
    assert (d.kind, d.name, d.broadcast) == (NAME, "n", True)
    assert not parse_spec("#n m").is_simple
    assert parse_spec("n m 1 _").is_simple


# -- parsing: tuple style ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(n_h, n_x)", [(NAME, "n_h"), (NAME, "n_x")]),
        ("(n,)", [(NAME, "n")]),
        ("(n_samples, n_features)", [(NAME, "n_samples"), (NAME, "n_features")]),
        ("(1, m)", [(INT, 1), (NAME, "m")]),
        ("(n[l], n[l-1])", [(NAME, "n[l]"), (NAME, "n[l-1]")]),
        ("(layer_dims[l], layer_dims[l-1])", [(NAME, "layer_dims[l]"), (NAME, "layer_dims[l-1]")]),
        ("()", []),
        ("(n, *rest)", [(NAME, "n"), (VARIADIC, "rest")]),
        ("(n + 1, m)", [(EXPR, None), (NAME, "m")]),
        ("[n_samples]", [(NAME, "n_samples")]),
        ("[n_samples, n_features]", [(NAME, "n_samples"), (NAME, "n_features")]),
        ("n, m", [(NAME, "n"), (NAME, "m")]),
    ],
)
def test_tuple_forms(text, expected):
    assert kinds(text) == expected


def test_phrases_are_placed_in_the_notation_and_keep_their_text():
    spec = parse_spec("(size of previous layer, number of examples)")
    assert [d.name for d in spec.dims] == ["n[l-1]", "m"]
    assert [d.text for d in spec.dims] == ["size of previous layer", "number of examples"]
    assert all(d.placed for d in spec.dims)
    other = parse_spec("(Size  of the previous\tlayer, 1)")
    assert other.dims[0].name == "n[l-1]"
    assert other.dims[0].text == "Size  of the previous\tlayer"
    assert other.dims[0].label == "Size of the previous layer, i.e. n[l-1]"


@pytest.mark.parametrize(
    "phrase, name",
    [
        # one size, many spellings: case, articles, plurals, hyphens, abbreviations, word order
        ("number of examples", "m"),
        ("Number of Examples", "m"),
        ("number of samples", "m"),
        ("number of the training examples", "m"),
        ("num examples", "m"),
        ("No. of training examples", "m"),
        ("batch size", "m"),
        ("size of the current layer", "n[l]"),
        ("current layer size", "n[l]"),
        ("number of units in the current layer", "n[l]"),
        ("number of neurons in this layer", "n[l]"),
        ("size of layer l", "n[l]"),
        ("size of previous layer", "n[l-1]"),
        ("size of layer l-1", "n[l-1]"),
        ("number of units in the previous layer", "n[l-1]"),
        ("previous-layer size", "n[l-1]"),
        ("input size", "n_x"),
        ("size of the input layer", "n_x"),
        ("hidden layer size", "n_h"),
        ("number of hidden units", "n_h"),
        ("output size", "n_y"),
        ("number of classes", "n_y"),
        ("number of channels of the previous layer", "n_C_prev"),
        ("number of filters", "n_C"),
        ("filter size", "f"),
        ("number of time-steps", "T_x"),
        ("vocabulary size", "vocab_size"),
        ("number of test examples", "m_test"),
    ],
)
def test_phrases_of_the_course_notation_are_placed(phrase, name):
    (dim,) = parse_spec(f"({phrase},)").dims
    assert (dim.kind, dim.name, dim.placed) == (NAME, name, True)


def test_phrases_the_notation_keeps_apart_stay_apart():
    names = {d.name for d in parse_spec(
        "(number of examples, size of current layer, size of previous layer, input size, "
        "hidden size, output size, number of test examples)").dims}
    assert len(names) == 7


@pytest.mark.parametrize(
    "text, label",
    [
        ("number of boxes", "number of boxes"),
        ("pre-activation size", "pre-activation size"),
        ("样本数", "样本数"),
        ("上一层的节点数量", "上一层的节点数量"),
        ("【列表类型】cache", "【列表类型】cache"),  # prose in another language that is not one phrase
    ],
)
def test_unplaced_phrases_are_in_the_reserved_namespace(text, label):
    (dim,) = parse_spec(f"({text},)").dims
    assert dim.kind == NAME and dim.name.startswith("?") and not dim.placed
    assert dim.label == label
    shape = spec_to_shape(parse_spec(f"({text},)"))
    assert is_invented(shape[0]) and fmt_shape(shape) == f"({label},)"


def test_unplaced_phrases_never_disagree_statically_but_one_phrase_is_one_size():
    a, b = spec_to_shape(parse_spec("(number of boxes, number of anchors)"))
    assert dims_equal(a, b) is None
    assert dims_equal(a, Sym.name("m")) is None and dims_equal(a, 3) is None
    again = spec_to_shape(parse_spec("(Number of the boxes, 1)"))[0]
    assert dims_equal(a, again) is True
    # placed phrases are names like any other: different sizes stay different
    m, n_l = spec_to_shape(parse_spec("(number of examples, size of current layer)"))
    assert dims_equal(m, n_l) is False
    assert m == Sym.name("m")


def test_unplaced_phrases_bind_within_one_contract_at_run_time():
    b = {}
    assert match_shape(parse_spec("(样本数, 1)"), (5, 1), b) is None
    reason = match_shape(parse_spec("(1, 样本数)"), (1, 4), b)
    assert reason == "dim 1 (样本数) is 4 but 样本数 was bound to 5"


@pytest.mark.parametrize(
    "text, expected",
    [
        # a size and the value it has in one data set: the size
        ("(input size = 12288, number of training examples = 1080)", [(NAME, "n_x"), (NAME, "m")]),
        ("(None, n_y = 6)", [(NAME, "None"), (NAME, "n_y")]),
        ("(m, Tx, len(chars))", [(NAME, "m"), (NAME, "Tx"), (NAME, "?len(chars)")]),
        ("(隐藏节点数, 1)", [(NAME, "?隐藏节点数"), (INT, 1)]),
        ("(num neurons in previous layer + num neurons in this layer, 1)", [(EXPR, None), (INT, 1)]),
        ("(高+2*pad, 1)", [(EXPR, None), (INT, 1)]),
    ],
)
def test_course_prose_forms(text, expected):
    assert kinds(text) == expected


def test_phrases_in_arithmetic_are_placed_too():
    (dim, _) = parse_spec("(num neurons in previous layer + num neurons in this layer, 1)").dims
    assert dim.names == ("n[l-1]", "n[l]") and dim.placed
    (dim, _) = parse_spec("(高+2*pad, 1)").dims
    assert dim.names == ("?高", "pad") and not dim.placed
    # a hyphen inside a phrase is not a minus
    assert kinds("(size of layer l-1, 1)") == [(NAME, "n[l-1]"), (INT, 1)]


def test_hyphenated_words_are_a_phrase_not_a_subtraction():
    assert kinds("(pre-activation size, m)") == [(NAME, "?pre-activation size"), (NAME, "m")]
    assert kinds("(n-1, m)")[0][0] == EXPR


def test_identifiers_keep_their_case_and_phrases_do_not():
    assert kinds("N n") == [(NAME, "N"), (NAME, "n")]
    assert kinds("(Number of Examples,)") == [(NAME, "m")]
    assert kinds("(Number of Boxes,)") == [(NAME, "?number of boxes")]


def test_phrases_are_not_read_in_jaxtyping_style():
    with pytest.raises(SpecError):
        parse_spec("样本数 m")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("(n)", "trailing comma"),
        ("n m)", "unbalanced"),
        ("(n, m", "unbalanced"),
        ("... *rest", "at most one variadic"),
        ("*", "variadic needs a name"),
        ("(a,,b)", "empty dim"),
        ("n $", "cannot read"),
        ("(e.g. 5, 3)", "cannot read"),
        ("(3 of them, 2)", "cannot read"),
        ("n+", "ends too early"),
        ("(n+)*2", "cannot read"),
        ("1-2", "negative"),
        ("#", "# must be followed"),
    ],
)
def test_unparseable_specs_raise_spec_error(text, fragment):
    with pytest.raises(SpecError, match=fragment):
        parse_spec(text)


def test_spec_error_is_a_value_error():
    assert issubclass(SpecError, ValueError)
    with pytest.raises(SpecError):
        parse_spec(3)  # type: ignore[arg-type]


def test_parse_is_cached_and_specs_are_frozen():
    assert parse_spec("n m") is parse_spec("n m")
    spec = parse_spec("n m")
    with pytest.raises(Exception):
        spec.text = "x"  # type: ignore[misc]
    assert isinstance(spec, ShapeSpec)
    assert spec.names == ("n", "m")


# -- runtime matching ------------------------------------------------------------------


def test_match_binds_names_and_checks_ints():
    b = {}
    assert match_shape(parse_spec("n 1"), (5, 1), b) is None
    assert b == {"n": 5}
    assert match_shape(parse_spec("n 1"), (5, 2), b) == "dim 1 is 2, expected 1"


def test_names_are_bound_across_calls_sharing_a_dict():
    b, origins = {}, {}
    assert match_shape(parse_spec("n m"), (209, 64), b, origin="argument 'X'", origins=origins) is None
    reason = match_shape(parse_spec("m k"), (12, 3), b, origin="argument 'W'", origins=origins)
    assert reason == "dim 0 (m) is 12 but m was bound to 64 by argument 'X'"
    assert b == {"n": 209, "m": 64}  # untouched by the failed match
    assert origins == {"n": "argument 'X'", "m": "argument 'X'"}


def test_failed_match_does_not_bind_anything():
    b = {}
    assert match_shape(parse_spec("a b 3"), (1, 2, 4), b) is not None
    assert b == {}


def test_repeated_name_within_one_spec():
    assert match_shape(parse_spec("n n"), (3, 3), {}) is None
    assert "earlier in this shape" in match_shape(parse_spec("n n"), (3, 4), {})


def test_rank_mismatch_reasons():
    assert match_shape(parse_spec("n m"), (3,), {}) == "has 1 dim, expected 2"
    assert match_shape(parse_spec(""), (3,), {}) == "has 1 dim, expected 0"
    assert match_shape(parse_spec(""), (), {}) is None
    assert match_shape(parse_spec("a b *rest"), (3,), {}) == "has 1 dim, expected at least 2"


def test_any_dim_matches_anything_but_counts_for_rank():
    assert match_shape(parse_spec("_ 3"), (17, 3), {}) is None
    assert match_shape(parse_spec("_ 3"), (3,), {}) is not None


def test_named_variadic_binds_a_tuple():
    b = {}
    assert match_shape(parse_spec("batch *rest"), (8, 3, 4), b) is None
    assert b == {"batch": 8, "rest": (3, 4)}
    assert match_shape(parse_spec("*rest n"), (3, 4, 2), b) is None
    reason = match_shape(parse_spec("*rest"), (3, 5), b)
    assert reason == "dims 0..1 (*rest) are (3, 5) but *rest was bound to (3, 4)"


def test_variadic_can_be_empty():
    b = {}
    assert match_shape(parse_spec("*rest n"), (5,), b) is None
    assert b == {"rest": (), "n": 5}
    assert match_shape(parse_spec("... n"), (1, 2, 3, 5), {}) is None


def test_suffix_after_variadic_is_matched_from_the_end():
    b = {}
    assert match_shape(parse_spec("... n 1"), (2, 3, 7, 1), b) is None
    assert b == {"n": 7}
    assert match_shape(parse_spec("... n 1"), (2, 3, 7, 2), {}) == "dim 3 is 2, expected 1"


def test_arithmetic_is_evaluated_or_solved():
    b = {"n": 3}
    assert match_shape(parse_spec("n+1 2*n"), (4, 6), b) is None
    assert match_shape(parse_spec("2*n"), (7,), b) == "dim 0 (2*n) is 7, expected 6 (n=3)"
    # n unbound: solved from the first expression, then checked by the second
    b = {}
    assert match_shape(parse_spec("n+1 n"), (5, 4), b) is None
    assert b == {"n": 4}
    b = {}
    assert match_shape(parse_spec("2*k"), (8,), b) is None and b == {"k": 4}
    assert "no size k" in match_shape(parse_spec("2*k"), (7,), {})
    # two unknowns: nothing to check against
    assert match_shape(parse_spec("a*b"), (12,), {}) is None


def test_broadcast_dim_accepts_one():
    b = {"n": 5}
    assert match_shape(parse_spec("#n"), (1,), b) is None
    assert match_shape(parse_spec("#n"), (5,), b) is None
    assert match_shape(parse_spec("#n"), (4,), b) == "dim 0 (#n) is 4 but n was bound to 5 (or 1)"


def test_phrase_names_match_by_canonical_name():
    b = {}
    assert match_shape(parse_spec("(size of previous layer, number of examples)"), (3, 10), b) is None
    reason = match_shape(parse_spec("(size of the current layer, size of previous layer)"), (4, 2), b)
    assert reason == "dim 1 (size of previous layer, i.e. n[l-1]) is 2 but n[l-1] was bound to 3"
    # the notation's identifier and its phrases are one size
    assert match_shape(parse_spec("(1, m)"), (1, 10), b) is None
    reason = match_shape(parse_spec("(1, number of samples)"), (1, 9), b)
    assert reason == "dim 1 (number of samples, i.e. m) is 9 but m was bound to 10"


# A reference matcher written the obvious way, for fixed-rank specs of ints,
# names and "_": the real matcher must agree with it on every input.
def reference_match(dims, shape, bindings):
    if len(dims) != len(shape):
        return False
    local = dict(bindings)
    for d, v in zip(dims, shape):
        if d == "_":
            continue
        if d.isdigit():
            if int(d) != v:
                return False
        elif local.setdefault(d, v) != v:
            return False
    return True


dim_tokens = st.sampled_from(["a", "b", "c", "_", "1", "2", "3"])


@settings(max_examples=300, deadline=None)
@given(
    dims=st.lists(dim_tokens, max_size=4),
    shape=st.lists(st.integers(1, 3), max_size=4),
    pre=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(1, 3)),
)
def test_match_agrees_with_reference(dims, shape, pre):
    spec = parse_spec(" ".join(dims))
    bindings = dict(pre)
    ok = match_shape(spec, tuple(shape), bindings) is None
    assert ok == reference_match(dims, shape, pre)
    if ok:
        assert all(bindings[k] == v for k, v in pre.items())
        assert {d for d in dims if d.isalpha()} <= set(bindings)
    else:
        assert bindings == pre


# -- static side -----------------------------------------------------------------------


def test_spec_to_shape_names_become_symbols():
    shape = spec_to_shape(parse_spec("(n_h, n_x)"))
    assert shape == (Sym.name("n_h"), Sym.name("n_x"))
    assert fmt_shape(spec_to_shape(parse_spec("(n,)"))) == "(n,)"
    assert spec_to_shape(parse_spec("n 1")) == (Sym.name("n"), 1)
    assert spec_to_shape(parse_spec("")) == ()


def test_spec_to_shape_phrases_and_indexed_names():
    shape = spec_to_shape(parse_spec("(size of the previous layer, n[l - 1])"))
    assert shape == (Sym.name("n[l-1]"), Sym.name("n[l-1]"))


def test_spec_to_shape_any_dims_are_fresh_and_variadics_lose_the_rank():
    a, b = spec_to_shape(parse_spec("_ _"))
    assert is_invented(a) and is_invented(b) and a != b
    assert spec_to_shape(parse_spec("batch *rest")) is None
    assert spec_to_shape(parse_spec("...")) is None


def test_spec_to_shape_arithmetic_and_symbol_table():
    n = Sym.name("n")
    (d,) = spec_to_shape(parse_spec("n+1"))
    assert d == Sym.from_poly({("n",): 1, (): 1})
    assert spec_to_shape(parse_spec("n+1 m"), {"n": 4}) == (5, Sym.name("m"))
    assert spec_to_shape(parse_spec("2*n"), {"n": n}) == (Sym.from_poly({("n",): 2}),)


def test_spec_to_shape_broadcast_dim_is_unknown():
    assert spec_to_shape(parse_spec("#n 3")) == (None, 3)
