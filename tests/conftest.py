"""Fixtures shared across test folders live in tests/support and are registered here,
once; a folder's conftest holds only the fixtures of that folder."""

import pytest

# The helpers' asserts (tests/support) report their values, as a test's do.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.asterisk",
    "tests.support.server",
    "tests.support.accounts",
]
