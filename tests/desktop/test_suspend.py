"""Time limber did not run: stopped with SIGSTOP (as Ctrl-Z, a debugger or a frozen cgroup
does) for longer than a break, it counts the gap as a break on SIGCONT and does not remind at
once."""

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
