"""Time limber did not run: stopped with SIGSTOP (as Ctrl-Z, a debugger or a frozen cgroup
does) for longer than a break, it counts the gap as a break on SIGCONT and does not remind at
once; and the reading-mode toggle in the tray."""

import os
import signal
import time

from app import FAST, Limber
from desk import wait_for


def test_a_stop_longer_than_a_break_is_a_break_not_an_instant_reminder(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "8s", "break_length": "3s"})
    wait_for(lambda: app.status()["sitting_seconds"] >= 1, timeout=10, what="sitting to start")
    os.kill(app.pid, signal.SIGSTOP)
    try:
        # The stop itself is the input here: it must outlast sit_limit, so that the break
        # comes due while limber cannot run.
        stopped = time.monotonic()
        while time.monotonic() - stopped < 10:
            time.sleep(0.5)
    finally:
        os.kill(app.pid, signal.SIGCONT)
    app.wait_log(r"stopped or the clock jumped: \d+ s unaccounted for", timeout=10)
    wait_for(lambda: [e["kind"] for e in app.history()] == ["natural"], timeout=10,
             what=f"a natural break recorded; history {app.history()}")
    s = app.status()
    assert s["state"] == "sitting" and s["sitting_seconds"] < 8, s
    assert "reminder:" not in app.log(), "no reminder for a break that was taken while stopped"
    assert desktop.notify_calls() == []


def test_reading_mode_from_the_tray_keeps_idle_time_as_sitting(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h", "idle_reset": "2s"})
    wait_for(lambda: app.status()["present"] is False, timeout=10, what="no input: idle past idle_reset")
    assert app.status()["reading"] is False
    item = app.item.menu_item("Reading mode")
    assert item["toggle_type"] == "checkmark" and item["toggle_state"] == 0, item
    app.item.click("Reading mode")
    s = wait_for(lambda: (s := app.status())["reading"] and s, timeout=10, what="reading mode on")
    assert s["present"] is True
    wait_for(lambda: app.item.menu_item("Reading mode")["toggle_state"] == 1, timeout=10, what="the check mark")
    # Still no input, well past idle_reset: it keeps counting.
    wait_for(lambda: app.status()["sitting_seconds"] >= 5, timeout=15, what="sitting to grow without input")
    assert app.status()["present"] is True
    assert "reading mode: on" in app.cli("status").stdout
    app.item.click("Reading mode")
    wait_for(lambda: app.status()["present"] is False, timeout=10, what="idle counts as a break again")
