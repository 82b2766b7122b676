"""Idle detection over D-Bus, end to end: limber picks GNOME's IdleMonitor when the session
bus offers it, and falls back to org.freedesktop.ScreenSaver and then logind's IdleHint when
the X server has no MIT-SCREEN-SAVER extension. The services are stand-ins
(idle_standins.py) that the tests drive; logind's lives on a private "system" bus."""

import json
import os
import subprocess
import time

import dbus
import pytest

import desk
from app import FAST, Limber
from desk import PYTHON, read_displayfd, wait_for

import session_standins

HERE = os.path.dirname(os.path.abspath(__file__))
STANDINS = os.path.join(HERE, "idle_standins.py")
WHERE = {
    "mutter": ("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core"),
    "screensaver": ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
    "logind": ("org.freedesktop.login1", "/org/freedesktop/login1"),
}
QUICK = FAST | {"sit_limit": "1h", "idle_reset": "3s"}



def standin(desktop, kind, bus, env=None):
    """Starts a stand-in service on `bus` and returns its test interface once it owns its name."""
    name, path = WHERE[kind]
    proc = desktop.spawn([PYTHON, STANDINS, kind], name=f"standin-{kind}", env=env)

    def owned():
        assert proc.alive(), f"the {kind} stand-in exited:\n{proc.log_text()}"
        return bus.name_has_owner(name)

    wait_for(owned, timeout=10, what=f"{name} on the bus")
    return dbus.Interface(bus.get_object(name, path), session_standins.CTL)


def calls(ctl):
    return json.loads(str(ctl.Calls()))


@pytest.fixture
def bare_display(desktop):
    """An X server without the MIT-SCREEN-SAVER extension, so X11 idle time is not there."""
    r, w = os.pipe()
    desktop.spawn(["Xvfb", "-displayfd", str(w), "-screen", "0", "640x480x24", "-nolisten", "tcp",
                   "-extension", "MIT-SCREEN-SAVER"], name="xvfb-bare", pass_fds=(w,))
    os.close(w)
    display = read_displayfd(r)
    assert display, "the extra Xvfb reported no display"
    ext = subprocess.run(["xdpyinfo", "-display", display, "-queryExtensions"], capture_output=True, text=True,
                         timeout=10).stdout
    assert "MIT-SCREEN-SAVER" not in ext and "XTEST" in ext, "the extension is still there"
    return display


@pytest.fixture
def system_bus(desktop, tmp_path):
    """A private bus standing in for the system bus: (address, dbus connection)."""
    address, bus = session_standins.system_bus(desktop, tmp_path)
    yield address, bus
    bus.close()


def quiet_wakeups(app, seconds=5.0):
    """Context switches of the whole limber process over a quiet window: an idle daemon whose
    idle detector is event-driven is not woken at all."""
    before = desk.ctx_switches(app.pid)
    time.sleep(seconds)  # a measuring window, not a wait for a condition
    return desk.ctx_switches(app.pid) - before


def wait_present(app, present, timeout=10):
    return wait_for(lambda: (s := app.status())["present"] is present and s, timeout=timeout,
                    what=f"present={present}; status {app.status()}")


def test_gnome_idle_monitor_watches_give_a_natural_break(desktop, app_env):
    mutter = standin(desktop, "mutter", desktop.bus)
    app = Limber(desktop, app_env, QUICK)
    assert app.status()["idle_backend"] == "gnome Mutter IdleMonitor"
    # One idle watch at idle_reset; no active watch while the user is here.
    watch = wait_for(lambda: [c for c in calls(mutter) if c[0] == "AddIdleWatch"], what="an idle watch")
    assert watch[0][1] == 3000
    wait_for(lambda: app.status()["sitting_seconds"] >= 4, timeout=10, what="sitting to grow")
    assert app.status()["present"]
    assert not [c for c in calls(mutter) if c[0] == "AddUserActiveWatch"]
    assert quiet_wakeups(app) <= 3, "the idle watch alone must not wake the daemon"

    assert mutter.FireIdle() == 1
    s = wait_present(app, False)
    assert s["sitting_seconds"] == 0
    assert [e["kind"] for e in app.history()] == ["natural"]
    # Away: now an active watch waits for the next input.
    wait_for(lambda: [c for c in calls(mutter) if c[0] == "AddUserActiveWatch"], what="an active watch")
    assert mutter.FireActive() == 1
    wait_present(app, True)

    # A new idle_reset replaces the idle watch.
    with open(os.path.join(app.config_dir, "config.json"), "w") as f:
        json.dump(QUICK | {"idle_reset": "4s"}, f)
    wait_for(lambda: [c[1] for c in calls(mutter) if c[0] == "AddIdleWatch"] == [3000, 4000], timeout=10,
             what=f"a 4 s idle watch; calls {calls(mutter)}")
    assert ["RemoveWatch", watch[0][2]] in calls(mutter)
    assert mutter.FireIdle() == 1
    wait_present(app, False)
    assert [e["kind"] for e in app.history()] == ["natural", "natural"]


def test_gnome_idle_monitor_watches_for_a_pause_in_typing(desktop, app_env):
    mutter = standin(desktop, "mutter", desktop.bus)
    # The stand-in's idle time counts from its start: a few seconds by the due time, well
    # short of this pause, so the user counts as typing.
    app = Limber(desktop, app_env, FAST | {"wait_for_pause": "40s", "wait_for_pause_max": "2m"})
    assert app.status()["idle_backend"] == "gnome Mutter IdleMonitor"
    pause = wait_for(lambda: [c for c in calls(mutter) if c[0] == "AddIdleWatch" and c[1] == 40000],
                     timeout=15, what=f"an idle watch of the pause; calls {calls(mutter)}")[0]
    wait_for(lambda: app.status()["held_back"] == "typing", timeout=10, what=f"held for typing; {app.status()}")
    assert ["GetIdletime"] in calls(mutter)
    reminders = lambda: [c for c in desktop.notify_calls() if c["app_name"] == "limber"]
    assert reminders() == []
    # The pause: its watch fires and the reminder comes; the watch is removed, the idle_reset
    # one stays.
    assert mutter.FireWatch(pause[2])
    wait_for(reminders, timeout=10, what="the reminder at the pause")
    wait_for(lambda: ["RemoveWatch", pause[2]] in calls(mutter), timeout=10, what="the pause's watch removed")
    first = [c for c in calls(mutter) if c[0] == "AddIdleWatch"][0]
    assert ["RemoveWatch", first[2]] not in calls(mutter)
    assert app.status()["held_back"] is None and app.status()["present"]


def test_screensaver_is_sampled_when_x_has_no_idle_extension(desktop, app_env, bare_display):
    saver = standin(desktop, "screensaver", desktop.bus)
    saver.Touch()
    app = Limber(desktop, dict(app_env, DISPLAY=bare_display), QUICK)
    assert app.status()["idle_backend"] == "org.freedesktop.ScreenSaver"
    assert "not using x11 MIT-SCREEN-SAVER" in app.log()
    started = time.monotonic()
    wait_present(app, False)
    assert time.monotonic() - started >= 2, "away before idle_reset could have passed"
    assert [e["kind"] for e in app.history()] == ["natural"]
    saver.Touch()
    wait_present(app, True)
    # Sampled, not polled: a handful of questions in these seconds.
    asked = [c for c in calls(saver) if c[0] == "GetSessionIdleTime"]
    assert 2 <= len(asked) <= 8, asked


def test_logind_idle_hint_on_the_system_bus(desktop, app_env, bare_display, system_bus):
    address, bus = system_bus
    env = dict(app_env, DISPLAY=bare_display, DBUS_SYSTEM_BUS_ADDRESS=address)
    logind = standin(desktop, "logind", bus, env=env)
    app = Limber(desktop, env, QUICK)
    assert app.status()["idle_backend"] == "logind IdleHint"
    assert ["GetSessionByPID", app.pid] in calls(logind)
    wait_for(lambda: app.status()["sitting_seconds"] >= 2, timeout=10, what="sitting to grow")
    # The desktop says idle since just now: limber itself waits until idle_reset has passed.
    hinted = time.monotonic()
    logind.SetHint(True, dbus.UInt64(int(time.time() * 1e6)))
    wait_present(app, False)
    assert time.monotonic() - hinted >= 2.5, "away before idle_reset had passed since the hint"
    assert [e["kind"] for e in app.history()] == ["natural"]
    logind.SetHint(False, dbus.UInt64(0))
    wait_present(app, True)
    # A hint dated long ago is away at once.
    logind.SetHint(True, dbus.UInt64(int((time.time() - 60) * 1e6)))
    wait_present(app, False, timeout=3)


def test_without_any_idle_detector_limber_says_so(desktop, app_env, bare_display):
    # No X extension, no idle services on the session bus, no system bus.
    env = dict(app_env, DISPLAY=bare_display, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/system_bus")
    app = Limber(desktop, env, QUICK)
    s = app.status()
    assert s["idle_backend"] == "none (wall clock)", s
    assert "idle detection: none (wall clock)" in app.cli("status").stdout
    app.wait_log("no idle detection on this desktop")

    def tip():
        t = app.item.properties()["ToolTip"]
        return t["title"] + "|" + t["description"]
    wait_for(lambda: "No idle detection on this desktop" in tip(), timeout=10, what=f"the tooltip; now {tip()!r}")
