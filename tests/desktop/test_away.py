"""Lock, unlock and sleep, end to end: limber follows logind on a private "system" bus and
the screensavers on the session bus (stand-ins from session_standins.py that the tests
drive). While any of them says locked or asleep the user is away (`present` false); an
away period of at least break_length is a natural break, a shorter one is not."""

import time

from app import FAST, Limber
from desk import wait_for
from session_standins import SESSION_ID, calls, standin, system_bus

# No reminder in the way (sit_limit), no idle detection (idle_reset), and a break_length
# short enough to sit out.
AWAY = FAST | {"sit_limit": "1h", "break_length": "3s", "idle_reset": "1h"}
BREAK_S = 3


def wait_present(app, present, timeout=10):
    return wait_for(lambda: (s := app.status())["present"] is present and s, timeout=timeout,
                    what=f"present={present}; status {app.status()}")


def naturals(app):
    return [e for e in app.history() if e["kind"] == "natural"]


def away_for_a_break(app, begin, end):
    """Away through `begin()`, for longer than break_length, back through `end()`: one more
    natural break. The wait is on the clock: the length of the away period is the point."""
    before = len(naturals(app))
    begin()
    wait_present(app, False)
    seen_away = time.monotonic()
    wait_for(lambda: time.monotonic() - seen_away > BREAK_S + 0.5, timeout=BREAK_S + 5, what="a break's length")
    assert len(naturals(app)) == before, "no break is recorded before the user is back"
    end()
    wait_present(app, True)
    wait_for(lambda: len(naturals(app)) == before + 1, timeout=5, what=f"a natural break; history {app.history()}")


def away_briefly(app, begin, end):
    """Away and straight back: not a break."""
    before = len(naturals(app))
    begin()
    wait_present(app, False)
    end()
    wait_present(app, True)
    assert len(naturals(app)) == before, f"a short lock is no break: {app.history()}"


def test_screensaver_active_is_away(desktop, app_env):
    saver = standin(desktop, "screensaver", desktop.bus)
    app = Limber(desktop, app_env, AWAY)
    app.wait_log(r"lock and sleep signals: .*org\.freedesktop\.ScreenSaver")
    assert ["GetActive"] in calls(saver), "the state at start is asked for"
    assert app.status()["present"]
    away_briefly(app, lambda: saver.SetActive(True), lambda: saver.SetActive(False))
    away_for_a_break(app, lambda: saver.SetActive(True), lambda: saver.SetActive(False))
    assert app.proc.alive()


def test_logind_lock_unlock_locked_hint_and_sleep(desktop, app_env, tmp_path):
    address, sysbus = system_bus(desktop, tmp_path)
    env = dict(app_env, DBUS_SYSTEM_BUS_ADDRESS=address)
    logind = standin(desktop, "logind", sysbus, env=env)
    app = Limber(desktop, env, AWAY)
    app.wait_log(r"lock and sleep signals: logind")
    assert ["GetSessionByPID", app.pid] in calls(logind), calls(logind)
    away_briefly(app, logind.Lock, logind.Unlock)
    away_for_a_break(app, logind.Lock, logind.Unlock)
    away_for_a_break(app, lambda: logind.SetLockedHint(True), lambda: logind.SetLockedHint(False))
    away_for_a_break(app, lambda: logind.Sleep(True), lambda: logind.Sleep(False))
    assert len(naturals(app)) == 3


def test_logind_session_found_through_auto_and_votes_merge(desktop, app_env, tmp_path):
    """A daemon started by the user's service manager is in no session: GetSessionByPID
    fails, and limber asks logind's "auto" session for its real id. And any source away is
    away: the screensaver going off does not end a lock."""
    address, sysbus = system_bus(desktop, tmp_path)
    env = dict(app_env, DBUS_SYSTEM_BUS_ADDRESS=address, RUST_LOG="info,zbus=warn,limber::daemon::away=debug")
    env.pop("XDG_SESSION_ID", None)
    logind = standin(desktop, "logind", sysbus, "--no-pid", env=env)
    saver = standin(desktop, "screensaver", desktop.bus)
    app = Limber(desktop, env, AWAY)
    app.wait_log(r"lock and sleep signals: logind, org\.freedesktop\.ScreenSaver")
    assert ["GetSession", SESSION_ID] in calls(logind), calls(logind)
    logind.Lock()
    wait_present(app, False)
    saver.SetActive(True)
    app.wait_log(r"away vote: ScreenSaver true")
    logind.Unlock()
    app.wait_log(r"away vote: Locked false")
    assert app.status()["present"] is False, "the screensaver is still on"
    saver.SetActive(False)
    wait_present(app, True)


def test_screensaver_that_appears_later_and_one_that_vanishes(desktop, app_env):
    app = Limber(desktop, app_env, AWAY)
    app.wait_log(r"lock and sleep signals: none")
    assert app.status()["present"]
    # GNOME's screensaver starts already active (a lock screen that comes up with the shell).
    gnome = standin(desktop, "gnome-screensaver", desktop.bus, "--active")
    wait_present(app, False)
    assert ["GetActive"] in calls(gnome)
    app.wait_log(r"org\.gnome\.ScreenSaver is on the session bus")
    # It crashes: its vote goes with it.
    gnome.proc.stop()
    wait_present(app, True)
    app.wait_log(r"org\.gnome\.ScreenSaver left the session bus")
