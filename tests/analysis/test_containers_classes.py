"""Containers and classes as real code uses them (snippets written for these tests in the style of
course assignments and from-scratch networks)."""

import textwrap

from shapelint.analysis import analyze_source


def run(src: str):
    result = analyze_source(textwrap.dedent(src), "example.py", collect_shapes=True)
    assert result.error is None, result.error
    return result


def shapes(src: str):
    return {r.name: r.shape for r in run(src).shapes if r.signature is None}


def codes(src: str):
    return sorted((d.line, d.code) for d in run(src).diagnostics)


def test_caches_appended_in_a_loop_then_indexed():
    got = shapes('''
        import numpy as np
        def forward(X, parameters):
            caches = []
            A = X
            L = len(parameters) // 2
            for l in range(1, L):
                A_prev = A
                A = np.dot(parameters["W" + str(l)], A_prev) + parameters["b" + str(l)]
                caches.append((A_prev, parameters["W" + str(l)]))
            AL = np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)]
            caches.append((A, parameters["W" + str(L)]))
            return AL, caches
        params = {"W1": np.ones((4, 5)), "b1": np.zeros((4, 1)), "W2": np.ones((3, 4)), "b2": np.zeros((3, 1)),
                  "W3": np.ones((1, 3)), "b3": np.zeros((1, 1))}
        AL, caches = forward(np.ones((5, 7)), params)
        last_A, last_W = caches[-1]
        first_A, first_W = caches[0]
        n = len(caches)
    ''')
    assert got["AL"] == [1, 7]
    assert got["last_A"] == [3, 7] and got["last_W"] == [1, 3]
    assert got["first_A"] == [5, 7] and got["first_W"] == [4, 5]
    assert got["n"] == []


def test_append_in_a_loop_of_unknown_length_keeps_what_items_share():
    got = shapes('''
        import numpy as np
        def collect(X, k):
            out = []
            for i in range(k):
                out.append(np.dot(np.ones((4, 3)), X))
            first = out[0]
            return first
        f = collect(np.ones((3, 2)), 10)
    ''')
    assert got["f"] == [4, 2]
    assert got["first"][0] == 4  # on its own: (4, X.shape[1]); at the call: (4, 2)


def test_comprehensions_and_zip_over_known_sizes():
    result = run('''
        import numpy as np
        sizes = [784, 30, 10]
        biases = [np.random.randn(y, 1) for y in sizes[1:]]
        weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]
        a = np.random.randn(784, 1)
        for b, w in zip(biases, weights):
            a = np.dot(w, a) + b
        out = a
        bad = np.dot(weights[0], weights[-1])
    ''')
    got = {r.name: r.shape for r in result.shapes}
    assert got["out"] == [10, 1]
    assert [(d.line, d.code) for d in result.diagnostics] == [(10, "SL102")]


def test_dict_methods_and_copies():
    got = shapes('''
        import numpy as np
        p = {"W1": np.ones((4, 3))}
        p.update({"b1": np.zeros((4, 1))})
        b = p.get("b1")
        q = p.copy()
        W = q["W1"]
        missing = p.get("W9", None)
    ''')
    assert got["b"] == [4, 1] and got["W"] == [4, 3]


def test_object_attributes_flow_between_methods():
    src = '''
        import numpy as np
        class Dense:
            def __init__(self, n_inputs, n_neurons):
                self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
                self.biases = np.zeros((1, n_neurons))
            def forward(self, inputs):
                self.inputs = inputs
                self.output = np.dot(inputs, self.weights) + self.biases
            def backward(self, dvalues):
                self.dweights = np.dot(self.inputs.T, dvalues)
                self.dinputs = np.dot(dvalues, self.weights.T)
        X = np.random.randn(300, 2)
        d1 = Dense(2, 64)
        d2 = Dense(64, 3)
        d1.forward(X)
        d2.forward(d1.output)
        d2.backward(d2.output)
        d1.backward(d2.dinputs)
        out = d2.output
        grad = d1.dweights
        wrong = Dense(3, 5)
        wrong.forward(X)
    '''
    got = shapes(src)
    assert got["out"] == [300, 3] and got["grad"] == [2, 64]
    assert codes(src) == [(9, "SL102")]  # in forward(), with the shapes line 23 passes


def test_inheritance_super_and_call():
    got = shapes('''
        import numpy as np
        class Layer:
            def __init__(self, n):
                self.n = n
                self.W = np.ones((n, n + 1))
            def __call__(self, x):
                return self.forward(x)
        class Scaled(Layer):
            def __init__(self, n):
                super().__init__(n)
                self.scale = np.ones((n, 1))
            def forward(self, x):
                return np.dot(self.W, x) * self.scale
        layer = Scaled(3)
        y = layer(np.ones((4, 7)))
    ''')
    assert got["y"] == [3, 7]


def test_a_method_that_fills_an_attribute_replaces_its_placeholder():
    # `self.output = []` in __init__ is a placeholder: a method that is not analyzed
    # (here: too deep a chain of calls) must not leave it behind as an empty array
    assert codes('''
        import numpy as np
        class Base:
            def __init__(self):
                self.output = []
            def set_output(self, v):
                self.output = v
        class Layer(Base):
            def forward(self, x):
                self.set_output(x)
        def a(l, x): b(l, x)
        def b(l, x): c(l, x)
        def c(l, x): d(l, x)
        def d(l, x): e(l, x)
        def e(l, x): f(l, x)
        def f(l, x): g(l, x)
        def g(l, x): h(l, x)
        def h(l, x): l.forward(x)
        layer = Layer()
        a(layer, np.ones((3, 4)))
        y = np.dot(layer.output, np.ones((4, 2)))
    ''') == []


def test_a_class_analyzed_on_its_own_sees_attributes_any_method_sets():
    # placeholders in __init__ (empty arrays, None) say nothing about the data a subclass loads
    assert codes('''
        import numpy as np
        class DataSet:
            def __init__(self):
                self.x_data = np.array([])
            def first(self):
                return np.full(self.x_data[0].shape, 1.0)
    ''') == []


def test_loops_that_may_not_run_report_no_errors():
    assert codes('''
        import numpy as np
        def f(x):
            for _ in range(1, x.ndim - 1):
                x = np.sum(x, axis=-2)
            return x
        y = f(np.ones(3))
    ''') == []


_DEFAULTED_WEIGHTS = '''
    import numpy as np

    class Net:{getattr}
        def __init__(self, **kwargs):
            self.params = kwargs
            self.finish()

        def finish(self):
            if not self.params.get("w"):
                self.w = [np.random.randn(4, 5), np.random.randn(1, 4)]

        def forward(self, x):
            a = x
            for w in self.w:
                a = np.dot(w, a)
            return a

    net = Net(w=[np.random.randn(2, 3), np.random.randn(1, 2)])
    out = net.forward(np.random.randn(3, 5))
'''


def test_an_attribute_set_on_one_path_of_a_class_with_getattr_is_not_taken_for_certain():
    """``__getattr__`` answers for an attribute the object lacks (fishmacs' ``NeuralNetwork``:
    ``return self.params[key]``): where ``if not self.w: self.w = [...]`` did not run, ``self.w``
    is the weights the caller passed, not the defaults the branch makes."""
    getattr_method = "\n        def __getattr__(self, key):\n            return self.params.get(key)\n"
    assert codes(_DEFAULTED_WEIGHTS.format(getattr=getattr_method)) == []
    # without __getattr__, `self.w` is the defaults or nothing (AttributeError): their (4, 5) meets x's 3 rows
    assert codes(_DEFAULTED_WEIGHTS.format(getattr="")) == [(16, "SL102")]
