"""Two sizes that were lost: an undocumented int parameter with a course name next to a
docstring that documents the others, and the length of a comprehension over an array or a range."""

import textwrap

from shapelint.analysis import analyze_source

TWO_LAYER = textwrap.dedent('''\
    import numpy as np

    def two_layer(X, Y, n_x, n_h, n_y):
        """
        Arguments:
        X -- input data, of shape (n_x, number of examples)
        Y -- true labels, of shape (n_y, number of examples)
        """
        W1 = np.random.randn(n_h, n_x) * 0.01
        b1 = np.zeros((n_h, 1))
        W2 = np.random.randn(n_y, n_h) * 0.01
        b2 = np.zeros((n_y, 1))
        A1 = np.tanh(np.dot(W1, X) + b1)
        A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
        dZ2 = A2 - Y
        dW2 = np.dot(dZ2, A1)
        return dW2
''')


def analyze(src, codes=None):
    result = analyze_source(src, "example.py", codes=codes, collect_shapes=True)
    shapes = {r.name: r.shape for r in result.shapes if r.signature is None}
    return [(d.line, d.code) for d in result.diagnostics], shapes


def test_an_undocumented_size_with_the_courses_name_keeps_its_symbol():
    found, shapes = analyze(TWO_LAYER)
    assert shapes["W1"] == ["n_h", "n_x"] and shapes["A1"] == ["n_h", "m"]
    assert found == [(16, "SL102")]  # (n_y, m) . (n_h, m)


def test_the_correct_product_is_quiet():
    found, shapes = analyze(TWO_LAYER.replace("np.dot(dZ2, A1)", "np.dot(dZ2, A1.T)"))
    assert found == [] and shapes["dW2"] == ["n_y", "n_h"]


def test_an_undocumented_size_with_another_name_is_still_a_label():
    # `dim` may be the docstring's `n`: it is not claimed to differ from it
    src = textwrap.dedent('''\
        import numpy as np

        def centre(mu, dim):
            """
            Parameters
            ----------
            mu : ndarray of shape (n,)
            """
            return np.zeros(dim) + mu
    ''')
    assert analyze(src)[0] == []


COMPREHENSIONS = textwrap.dedent('''\
    import numpy as np

    def predict(X):
        """
        X -- data of shape (n_x, number of examples)
        """
        p = np.array([int(v > 0) for v in X[0]])
        q = np.array([k for k in range(X.shape[1])])
        rows = np.array([row for row in X])
        kept = np.array([v for v in X[0] if v > 0])
        pairs = np.array([[a, b] for a in X[0] for b in X[1]])
        lazy = np.array(v for v in X[0])
        return p
''')


def test_a_comprehension_over_an_arrays_first_axis_or_a_range_has_that_length():
    _, shapes = analyze(COMPREHENSIONS)
    assert shapes["p"] == ["m"] and shapes["q"] == ["m"]
    assert shapes["rows"] == ["n_x", "m"]


def test_filtered_nested_and_lazy_comprehensions_stay_unknown():
    _, shapes = analyze(COMPREHENSIONS)
    assert shapes["kept"] is None and shapes["pairs"] is None and shapes["lazy"] is None


def test_the_length_catches_a_mismatch_and_stays_quiet_where_it_fits():
    src = COMPREHENSIONS.replace("return p", "return np.dot(p, X)")
    found, _ = analyze(src)
    assert found == [(13, "SL102")]  # (m,) . (n_x, m)
    src = COMPREHENSIONS.replace("return p", "return np.dot(X, p)")
    assert analyze(src)[0] == []


def test_a_list_built_of_ragged_items_stays_unknown():
    src = textwrap.dedent('''\
        import numpy as np

        def ragged(n):
            out = []
            for i in range(n):
                out.append(np.zeros(i))
            return np.array(out)

        r = ragged(4)
    ''')
    assert analyze(src)[1]["r"] is None
