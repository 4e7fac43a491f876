"""Test-wide settings."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _user_cache_home(tmp_path_factory):
    """The key that signs cached trees (shapelint.cache.TreeStore) lives in the user's cache folder:
    the tests keep theirs in a temporary one, never in the home of whoever runs them."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    yield
    mp.undo()
