"""pytest fixtures for limber's end-to-end desktop tests.

Run with tests/desktop/run (it provides the private session bus).

Fixtures
--------
desktop     (session) the running desk.Desktop: Xvfb + dunst + StatusNotifierWatcher
            stand-in + notification monitor + PulseAudio null sink. Before each
            test that uses it, stopped services are restarted, notifications are
            closed and a "test start" mark is set (notify_calls(), notifications()
            ... count from there); after it, processes the test spawned with
            desktop.spawn() are killed (whole process group).
app_env     (function) a copy of desktop.env with a fresh HOME / XDG dirs for
            this test only, for starting the app under test.

On a failing test the tails of all service logs and of the processes the test
spawned are attached to the report ("desktop logs" section). The session temp
dir is deleted after a fully green session and kept (path printed) otherwise.
"""

import os
import shutil

import pytest

import desk
import needs

# Before any test starts a process: every one is recorded for test_packages.py.
needs.install_recorder()

LAST = "test_every_program_and_font_the_suite_ran_comes_from_a_listed_package"


def pytest_collection_modifyitems(session, config, items):
    """The package check runs after everything else, so it has seen every process."""
    items.sort(key=lambda item: item.name == LAST)


@pytest.fixture(scope="session")
def desktop(request):
    """The headless desktop for the whole session (see desk.Desktop).

    Yields a desk.Desktop. Teardown kills every process group it started,
    even when tests failed or setup broke halfway.
    """
    d = desk.Desktop()
    request.config._limber_desktop = d
    try:
        try:
            d.start()
        except BaseException as e:
            # Setup failures are reported as an error of the first test: put
            # the logs into the message, they are the only clue.
            raise RuntimeError(f"desktop setup failed: {e}\n{d.report()}") from e
        yield d
    finally:
        d.close()
        request.config._limber_desktop = None
        if request.session.testsfailed == 0 and not os.environ.get("LIMBER_KEEP_DESKTOP"):
            shutil.rmtree(d.root, ignore_errors=True)
        else:
            print(f"\n[desktop] logs and artefacts kept in {d.root}")


@pytest.fixture(autouse=True)
def _desktop_per_test(request):
    """Per-test slate for tests that use `desktop` (others are left alone)."""
    if "desktop" not in request.fixturenames:
        yield
        return
    d = request.getfixturevalue("desktop")
    d.begin_test()
    try:
        yield
    finally:
        d.end_test()


@pytest.fixture
def app_env(desktop, tmp_path):
    """desktop.env with HOME and the XDG base dirs in this test's tmp_path, so
    every test starts the app with empty config/state."""
    home = tmp_path / "home"
    env = dict(desktop.env)
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    })
    for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.makedirs(env[k], exist_ok=True)
    return env


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the desktop's log tails to the report of a failing test phase.

    Collected here, while the test's own processes still exist (their logs
    stay on disk after they are killed anyway)."""
    outcome = yield
    rep = outcome.get_result()
    d = getattr(item.config, "_limber_desktop", None)
    if rep.failed and d is not None:
        try:
            rep.sections.append(("desktop logs", d.report()))
        except Exception as e:  # never hide the real failure behind a reporting error
            rep.sections.append(("desktop logs", f"<could not collect logs: {e!r}>"))
