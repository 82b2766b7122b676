"""The package tests use only what scripts/test installs: the recorder of the desktop tests
(tests/desktop/needs.py) watches these too, and the last test here checks what it saw."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "desktop"))

import needs  # noqa: E402

needs.install_recorder()

LAST = "test_every_program_the_package_tests_ran_comes_from_a_listed_package"


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.name == LAST)
