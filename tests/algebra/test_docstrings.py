"""Shape contracts read from docstrings (course, numpydoc, Google) and annotations."""

import pytest

from shapelint.algebra.docstrings import DocContract, annotation_spec, parse_docstring
from shapelint.algebra.spec import SpecError

COURSE_LINEAR_FORWARD = '''
    Implement the linear part of a layer's forward propagation.

    Arguments:
    A -- activations from previous layer (or input data): (size of previous layer, number of examples)
    W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
    b -- bias vector, numpy array of shape (size of the current layer, 1)
    W1 -- weight matrix of shape (n_h, n_x)

    Returns:
    Z -- the input of the activation function, also called pre-activation parameter
    A -- post-activation value, of shape (n_h, m)
    cache -- a python tuple containing "linear_cache" and "activation_cache";
             stored for computing the backward pass efficiently
    '''


def texts(contract: DocContract):
    return {name: str(spec) for name, spec in contract.params.items()}


def test_course_style_arguments_and_returns():
    c = parse_docstring(COURSE_LINEAR_FORWARD)
    assert texts(c) == {
        "A": "(size of previous layer, number of examples)",
        "W": "(size of current layer, size of previous layer)",
        "b": "(size of the current layer, 1)",
        "W1": "(n_h, n_x)",
    }
    assert [(n, str(s)) for n, s in c.returns] == [("A", "(n_h, m)")]
    assert c.return_names == ["Z", "A", "cache"]
    assert c.problems == []


def test_course_style_parenthetical_is_not_a_shape():
    c = parse_docstring(COURSE_LINEAR_FORWARD)
    # "(or input data)" precedes the real shape and is ignored
    assert [d.name for d in c.params["A"].dims] == ["n[l-1]", "m"]
    # "size of the current layer" and "size of current layer" are one dim
    assert c.params["b"].dims[0].name == c.params["W"].dims[0].name


def test_course_style_prose_groups_are_never_shapes():
    doc = '''
    Arguments:
    cache -- tuple of values (A_prev, W, b) coming from the forward propagation in the current layer
    layer_dims -- python array (list) containing the dimensions of each layer in our network
    Y -- true "label" vector (containing 0 if non-cat, 1 if cat), of shape (1, number of examples)
    dA -- post-activation gradient, of any shape
    activation -- the activation to be used in this layer, stored as a text string: "sigmoid" or "relu"
    '''
    c = parse_docstring(doc)
    assert texts(c) == {"Y": "(1, number of examples)"}
    assert c.problems == []


def test_course_style_wrapped_lines_join():
    doc = '''
    Arguments:
    X -- input data, numpy array of shape (input size,
         number of examples)
    Y -- labels

    Returns:
    AL -- probability vector corresponding to your label predictions,
          shape (1, number of examples)
    '''
    c = parse_docstring(doc)
    assert texts(c) == {"X": "(input size, number of examples)"}
    assert [(n, str(s)) for n, s in c.returns] == [("AL", "(1, number of examples)")]


def test_nested_dictionary_entries_do_not_give_the_item_a_shape():
    doc = '''
    Argument:
    n_x -- size of the input layer

    Returns:
    params -- python dictionary containing your parameters:
                    W1 -- weight matrix of shape (n_h, n_x)
                    b1 -- bias vector of shape (n_h, 1)

    Tips:
    - W -- of shape (3, 4)
    '''
    c = parse_docstring(doc)
    assert c.params == {} and c.returns == []
    assert c.return_names == ["params"]


def test_last_shape_on_the_line_wins():
    c = parse_docstring("Arguments:\nX -- input reshaped from size (64, 64, 3) to shape (12288, m)\n")
    assert texts(c) == {"X": "(12288, m)"}


def test_one_item_shape_without_trailing_comma_is_a_problem_with_its_line():
    doc = "Summary.\n\nArguments:\nx -- vector of shape (n)\ny -- vector of shape (n,)\n"
    c = parse_docstring(doc)
    assert texts(c) == {"y": "(n,)"}
    (problem,) = c.problems
    assert (problem.line, problem.param, problem.text) == (3, "x", "(n)")
    assert "trailing comma" in problem.reason


def test_unparseable_declared_shape_is_a_problem():
    c = parse_docstring("Args:\n    x (ndarray): of shape (n, m + )\n")
    assert c.params == {}
    (problem,) = c.problems
    assert problem.param == "x" and problem.text == "(n, m + )" and problem.line == 1


def test_numpydoc_parameters_and_returns():
    doc = """Fit the model.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    sample_weight : array-like of shape (n_samples,), default=None
    alpha : float
        Regularization.
    Z : ndarray
        The data, of shape (n, m).

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_components)
        Transformed values.
    """
    c = parse_docstring(doc)
    assert texts(c) == {
        "X": "(n_samples, n_features)",
        "y": "(n_samples,)",
        "sample_weight": "(n_samples,)",
        "Z": "(n, m)",
    }
    assert [(n, str(s)) for n, s in c.returns] == [("X_new", "(n_samples, n_components)")]


def test_numpydoc_alternatives_are_ambiguous_and_not_recorded():
    doc = """
    Parameters
    ----------
    coef : ndarray of shape (n_features,) or (n_classes, n_features)
    y : array-like of shape (n_samples,) or shape (n_samples, n_outputs)
    alpha : float or ndarray of shape (n_targets,)
    w : ndarray of shape (n,) or None
    """
    c = parse_docstring(doc)
    assert texts(c) == {"w": "(n,)"}
    assert c.problems == []


def test_numpydoc_unnamed_returns():
    doc = """
    Returns
    -------
    ndarray of shape (n,)
        The values.
    int
        A count.
    """
    c = parse_docstring(doc)
    assert [(n, str(s)) for n, s in c.returns] == [(None, "(n,)")]
    assert c.return_names == [None, None]


def test_numpydoc_several_names_share_a_shape():
    c = parse_docstring("Parameters\n----------\nx1, x2 : ndarray of shape (n, 3)\n")
    assert texts(c) == {"x1": "(n, 3)", "x2": "(n, 3)"}


def test_google_style():
    doc = """Google style.

    Args:
        x (np.ndarray): input of shape (n, m).
        w (np.ndarray): weights, shape (m, k)
        flag: whether to do it (default True).
        *rest: more arrays of shape (n, m)

    Returns:
        np.ndarray: output of shape (n, k).
    """
    c = parse_docstring(doc)
    assert texts(c) == {"x": "(n, m)", "w": "(m, k)", "rest": "(n, m)"}
    assert [(n, str(s)) for n, s in c.returns] == [(None, "(n, k)")]


def test_google_prose_after_the_section_is_not_an_item():
    doc = """
    Args:
        x: input of shape (n, m)

    This paragraph mentions shape (a, b) but belongs to no section.
    """
    assert texts(parse_docstring(doc)) == {"x": "(n, m)"}


def test_old_sklearn_brackets_after_shape():
    c = parse_docstring("Parameters\n----------\nX : array, shape = [n_samples, n_features]\n"
                        "y : array, shape = [n_samples]\n")
    assert texts(c) == {"X": "[n_samples, n_features]", "y": "[n_samples]"}
    assert c.params["y"].rank == 1


def test_no_sections_no_contract():
    assert not parse_docstring("Compute X of shape (n, m) from nothing.")
    assert not parse_docstring("")
    assert not parse_docstring(None)


# -- forms of the course's forks: no header, single hyphens, Chinese ---------------------


def test_course_items_without_a_section_header():
    doc = """A -- activations from previous layer (or input data): (size of previous layer, number of examples)
    W -- weights matrix: numpy array of shape (size of current layer,
         size of previous layer)
    Z -- the result, of shape (size of current layer, number of examples)
    """
    c = parse_docstring(doc, ["A", "W"])
    assert texts(c) == {"A": "(size of previous layer, number of examples)",
                        "W": "(size of current layer, size of previous layer)"}
    assert c.returns == [] and c.return_names == []
    # without the parameter names every item is read; the caller keeps its parameters
    assert set(parse_docstring(doc).params) == {"A", "W", "Z"}


def test_items_before_a_returns_header_are_parameters():
    doc = """Compute the cost.

    AL -- probability vector, of shape (1, number of examples)
    Y -- true label vector, of shape (1, number of examples)

    Returns:
    cost -- cross-entropy cost
    """
    c = parse_docstring(doc, ["AL", "Y"])
    assert texts(c) == {"AL": "(1, number of examples)", "Y": "(1, number of examples)"}
    assert c.return_names == ["cost"]


def test_a_single_hyphenated_line_alone_is_not_an_item():
    # prose arithmetic, not a parameter list
    assert not parse_docstring("x - y of shape (n, m) is returned", ["x", "y"])
    c = parse_docstring("x - input, of shape (n, m)\ny - target, of shape (n, 1)\n", ["x", "y"])
    assert texts(c) == {"x": "(n, m)", "y": "(n, 1)"}


@pytest.mark.parametrize("header", ["Argument:", "Arguments:", "Arguments :", "Inputs:", "Input:", "参数：", "输入:"])
def test_parameter_header_variants(header):
    c = parse_docstring(f"{header}\n    w -- weights, a numpy array of size (n_x, 1)\n")
    assert texts(c) == {"w": "(n_x, 1)"}


def test_chinese_course_docstring():
    doc = """
    实现前向传播的线性部分。

    参数：
        A - 来自上一层（或输入数据）的激活，维度为(上一层的节点数量，示例数)
        W - 权重矩阵，numpy数组，维度为（当前图层的节点数量，前一图层的节点数量）
        b - 偏向量，维度为（n_h，1）
        X - 输入的数据，维度为（2，示例数）
        w - 权重，大小不等的数组（num_px * num_px * 3，1）

    返回：
        Z - 激活功能的输入，维度为(n_h, m)
        dW - 相对于W（当前层l）的成本梯度，与W的维度相同
    """
    c = parse_docstring(doc)
    assert set(c.params) == {"A", "W", "b", "X"}  # "大小不等的数组 (...)" does not introduce a shape
    assert [d.name for d in c.params["A"].dims] == ["?上一层的节点数量", "?示例数"]
    assert [(d.kind, d.name or d.value) for d in c.params["b"].dims] == [("name", "n_h"), ("int", 1)]
    assert c.params["X"].dims[1].name == c.params["A"].dims[1].name  # one phrase, one size
    assert [(n, str(s)) for n, s in c.returns] == [("Z", "(n_h, m)")]
    assert [(n, r.name) for n, r in c.return_relations] == [("dW", "W")]
    assert c.return_names == ["Z", "dW"]
    assert c.problems == []


def test_shape_written_like_a_call_is_a_declaration():
    c = parse_docstring("Arguments:\nenc_output -- Tensor of shape(batch_size, input_seq_len, d_model)\n"
                        "x -- the value of np.shape(x) is not a declaration (n, m)\n")
    assert texts(c) == {"enc_output": "(batch_size, input_seq_len, d_model)"}


@pytest.mark.parametrize(
    "line, expected",
    [
        ("numpy array of size (n_x, 1)", "(n_x, 1)"),
        ("of shape (1, number of examples)", "(1, number of examples)"),
        ("true label vector, shape (1, number of examples)", "(1, number of examples)"),
        ("training set, of shape (input size = 12288, number of training examples = 1080)",
         "(input size = 12288, number of training examples = 1080)"),
    ],
)
def test_shape_phrases(line, expected):
    assert texts(parse_docstring(f"Arguments:\nX -- {line}\n")) == {"X": expected}


def test_one_size_written_with_two_values_is_two_sizes():
    # the course's TensorFlow model(): X_test's "number of training examples = 120" is mislabelled
    c = parse_docstring("""Arguments:
    X_train -- training set, of shape (input size = 12288, number of training examples = 1080)
    Y_train -- test set, of shape (output size = 6, number of training examples = 1080)
    X_test -- training set, of shape (input size = 12288, number of training examples = 120)
    Y_test -- test set, of shape (output size = 6, number of test examples = 120)
    """)
    names = {p: [d.name for d in spec.dims] for p, spec in c.params.items()}
    assert names["X_train"][0] == names["X_test"][0] == "n_x"  # one value: the notation's n_x
    assert names["X_train"][1] == names["Y_train"][1] != names["X_test"][1]
    assert not c.params["X_test"].dims[1].placed
    assert names["Y_test"] == ["n_y", "m_test"]


def test_a_group_not_introduced_as_a_shape_stays_prose():
    c = parse_docstring("Arguments:\nX -- 特征矩阵 (特征数, 样本数)\ncache -- tuple of values (A_prev, W, b)\n")
    assert not c


# -- relations ---------------------------------------------------------------------------

LINEAR_BACKWARD = """
    Arguments:
    dZ -- Gradient of the cost with respect to the linear output (of current layer l)
    cache -- tuple of values (A_prev, W, b) coming from the forward propagation in the current layer

    Returns:
    dA_prev -- Gradient of the cost with respect to the activation (of the previous layer l-1), same shape as A_prev
    dW -- Gradient of the cost with respect to W (current layer l), same shape as W
    db -- Gradient of the cost with respect to b (current layer l), same shape as b
    """


def test_relations_of_return_values():
    c = parse_docstring(LINEAR_BACKWARD, ["dZ", "cache"])
    assert c.params == {} and c.returns == []
    assert [(n, r.name, r.text) for n, r in c.return_relations] == [
        ("dA_prev", "A_prev", "same shape as A_prev"),
        ("dW", "W", "same shape as W"),
        ("db", "b", "same shape as b"),
    ]
    assert c.return_names == ["dA_prev", "dW", "db"]
    assert c  # a relation is a contract
    assert c.return_relations[1][1].line == 7


@pytest.mark.parametrize(
    "description, other",
    [
        ("output of sigmoid(z), same shape as Z", "Z"),
        ("Post-activation parameter, of the same shape as Z", "Z"),
        ("gradient of the loss with respect to w, thus same shape as w", "w"),
        ('"true" labels vector, same shape as a3', "a3"),
        ("has the same dimensions as `A_prev`", "A_prev"),
        ("has the same shape as that of dZ_prev", "dZ_prev"),
        ("相对于W的成本梯度，与W的维度相同", "W"),
        ("与A_prev维度相同", "A_prev"),
        ("array of the same shape as window", "window"),  # a documented name
    ],
)
def test_relation_forms(description, other):
    doc = f"Arguments:\nZ -- input\nwindow -- a window\nA -- {description}\n"
    c = parse_docstring(doc)
    assert c.relations["A"].name == other


@pytest.mark.parametrize(
    "description",
    [
        "same shape as the input",  # an English word, not a name
        "same shape as parameters['W1']",  # an entry, not a value's name
        "same shape as np.zeros(3)",
        "same shape as A",  # itself
        "array of the same shape as window",  # not documented, not a parameter, an English word
    ],
)
def test_not_relations(description):
    c = parse_docstring(f"Arguments:\nA -- {description}\n", ["A"])
    assert c.relations == {} and not c


def test_a_stated_shape_wins_over_a_relation():
    c = parse_docstring("Arguments:\nW -- weights of shape (n_h, n_x)\n"
                        "dW -- gradient, same shape as W: (n_h, n_x)\n")
    assert texts(c) == {"W": "(n_h, n_x)", "dW": "(n_h, n_x)"}
    assert c.relations == {}


def test_relation_to_a_parameter_of_an_unnamed_return():
    c = parse_docstring("Args:\n    x (np.ndarray): input\n\nReturns:\n    ndarray of the same shape as x\n")
    assert [(n, r.name) for n, r in c.return_relations] == [(None, "x")]


# -- annotations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, spec",
    [
        ('Float[np.ndarray, "n m"]', "n m"),
        ('Float64[ndarray, "batch *rest"]', "batch *rest"),
        ('Int[np.ndarray, "n"]', "n"),
        ("Shaped[np.ndarray, 'n 1']", "n 1"),
        ('jaxtyping.Float[jax.Array, "b c"]', "b c"),
        ('Optional[Float[np.ndarray, "n"]]', "n"),
        ('Float[np.ndarray, "n"] | None', "n"),
        ('Float[np.ndarray, ""]', ""),
    ],
)
def test_jaxtyping_annotations(text, spec):
    parsed = annotation_spec(text)
    assert parsed is not None and str(parsed) == spec


def test_ndarray_generic_gives_rank_only():
    spec = annotation_spec("np.ndarray[tuple[int, int], np.dtype[np.float64]]")
    assert str(spec) == "_ _" and spec.rank == 2
    spec = annotation_spec("numpy.ndarray[tuple[typing.Literal[3], int], numpy.dtype[numpy.float64]]")
    assert str(spec) == "3 _"


@pytest.mark.parametrize(
    "text",
    ["np.ndarray", "npt.NDArray[np.float64]", "int", "list[int]",
     "np.ndarray[tuple[int, ...], np.dtype[np.float64]]", "np.ndarray[Any, np.dtype[np.float64]]"],
)
def test_not_shape_annotations(text):
    assert annotation_spec(text) is None


def test_malformed_jaxtyping_spec():
    assert annotation_spec('Float[np.ndarray, "n $"]') is None
    with pytest.raises(SpecError):
        annotation_spec('Float[np.ndarray, "n $"]', strict=True)
