"""Data sets made with other libraries have known shapes (no library is imported to know them)."""

from shapelint.analysis import analyze_source


def shapes(src):
    return {r.name: r.shape for r in analyze_source(src, "example.py", collect_shapes=True).shapes}


def test_sklearn_and_nnfs_generators():
    got = shapes("import numpy as np\nimport sklearn.datasets\nfrom sklearn.datasets import make_blobs\n"
                 "from nnfs.datasets import spiral_data, sine_data\n"
                 "X, y = sklearn.datasets.make_circles(n_samples=300, noise=.05)\n"
                 "Xb, yb = make_blobs(50, 3)\n"
                 "Xs, ys = spiral_data(samples=100, classes=3)\n"
                 "Xn, yn = sine_data()\n"
                 "Xq, yq = sklearn.datasets.make_gaussian_quantiles(n_samples=40)\n")
    assert got["X"] == [300, 2] and got["y"] == [300]
    assert got["Xb"] == [50, 3] and got["yb"] == [50]
    assert got["Xs"] == [300, 2] and got["ys"] == [300]
    assert got["Xn"] == [1000, 1] and got["yn"] == [1000, 1]
    assert got["Xq"] == [40, 2]


def test_what_cannot_be_known_stays_unknown():
    got = shapes("import sklearn.datasets\nfrom nnfs.datasets import spiral_data\n"
                 "X, y = sklearn.datasets.make_blobs(n_samples=[10, 20])\n"  # a list: one count per center
                 "Xq, yq = sklearn.datasets.make_gaussian_quantiles(None, 1.0, 40)\n"  # keyword-only there
                 "Xs, ys = spiral_data(100)\n")  # classes is required
    assert got["X"] is None and got["Xq"] is None and got["Xs"] is None


def test_make_blobs_with_an_array_of_centers_has_their_features():
    got = shapes("import numpy as np\nfrom sklearn.datasets import make_blobs\n"
                 "centers = np.array([[0.0, 5.0, 0.0], [1.0, 1.0, 4.0]])\n"
                 "X, y = make_blobs(n_samples=100, centers=centers)\n"
                 "Xc, yc = make_blobs(n_samples=50, centers=4)\n")
    assert got["X"] is None  # not (100, 2): the centers have 3 features
    assert got["Xc"] == [50, 2]
