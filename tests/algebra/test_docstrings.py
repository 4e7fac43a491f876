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
