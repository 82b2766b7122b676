"""Quiet times, end to end: a fullscreen window on the X server, do-not-disturb from the
notification server's Inhibited property and from GNOME's show-banners (through a desktop
portal stand-in), and a quiet app running. The daemon logs each Quiet it is told
(`quiet: Quiet { .. }`); a due reminder waits while the user's quiet_when says so
(`held_back` in the status) and comes when the quiet time ends."""

import os
import shutil
import time

from app import FAST, Limber
from desk import wait_for
from session_standins import FullscreenWindow, calls, quiet_reports, standin, wait_quiet

# Nothing due during the observation tests.
CALM = FAST | {"sit_limit": "1h"}


def test_fullscreen_active_window(desktop, app_env):
    app = Limber(desktop, app_env, CALM)
    first = wait_quiet(app, fullscreen=False, do_not_disturb=False, app=None)
    assert len(quiet_reports(app)) == 1, "one report at start"
    with FullscreenWindow(desktop.display) as w:
        # A fullscreen window becomes the active one: its state is read when it does.
        w.state("_NET_WM_STATE_FULLSCREEN")
        w.activate()
        wait_quiet(app, fullscreen=True)
        # It leaves fullscreen: heard from the window itself.
        w.state("_NET_WM_STATE_ABOVE")
        wait_quiet(app, fullscreen=False)
        w.state("_NET_WM_STATE_ABOVE", "_NET_WM_STATE_FULLSCREEN")
        wait_quiet(app, fullscreen=True)
        # Another window (the root, i.e. none) becomes active.
        w.activate(0)
        wait_quiet(app, fullscreen=False)
        w.activate()
        wait_quiet(app, fullscreen=True)
    # The window is gone and _NET_ACTIVE_WINDOW removed.
    wait_quiet(app, fullscreen=False)
    reports = quiet_reports(app)
    assert [r["fullscreen"] for r in reports] == [False, True, False, True, False, True, False], reports
    assert first == reports[0]


def test_do_not_disturb_from_the_notification_server(desktop, app_env):
    # dunst 1.9 has no Inhibited property; a server that has one stands in.
    desktop.stop_dunst()
    server = standin(desktop, "notifications", desktop.bus, "--inhibited")
    app = Limber(desktop, app_env, CALM)
    wait_quiet(app, do_not_disturb=True, fullscreen=False)
    server.SetInhibited(False)
    wait_quiet(app, do_not_disturb=False)
    server.SetInhibited(True)
    wait_quiet(app, do_not_disturb=True)
    # The server goes away: nothing is inhibited any more.
    server.proc.stop()
    wait_quiet(app, do_not_disturb=False)
    # A new one, inhibited from its start: read again.
    server = standin(desktop, "notifications", desktop.bus, "--inhibited")
    wait_quiet(app, do_not_disturb=True)
    assert ["Get", "org.freedesktop.Notifications", "Inhibited"] in calls(server)


def test_do_not_disturb_from_gnome_show_banners(desktop, app_env):
    portal = standin(desktop, "portal", desktop.bus, "--hidden")
    app = Limber(desktop, app_env, CALM)
    wait_quiet(app, do_not_disturb=True)
    assert ["ReadOne", "org.gnome.desktop.notifications", "show-banners"] in calls(portal)
    portal.SetBanners(True)
    wait_quiet(app, do_not_disturb=False)
    portal.SetBanners(False)
    wait_quiet(app, do_not_disturb=True)
    # The portal restarts as an older one, with Read only (a variant in a variant).
    portal.proc.stop()
    wait_quiet(app, do_not_disturb=False)
    portal = standin(desktop, "portal", desktop.bus, "--hidden", "--v1")
    wait_quiet(app, do_not_disturb=True)
    assert ["Read", "org.gnome.desktop.notifications", "show-banners"] in calls(portal)


def fake_app(desktop, tmp_path, name):
    """A process whose name is `name`: /bin/sleep under that name."""
    path = tmp_path / name
    shutil.copy("/bin/sleep", path)
    return desktop.spawn([str(path), "600"], name=f"app-{name[:12]}")


def test_quiet_apps_by_process_name(desktop, app_env, tmp_path):
    # A name longer than the kernel's 15-byte comm: found through the executable's name.
    long_name = "zoom-meeting-client"
    call = fake_app(desktop, tmp_path, long_name)
    wait_for(lambda: open(f"/proc/{call.pid}/comm").read().strip() == long_name[:15], what="the process named")
    app = Limber(desktop, app_env, CALM | {"quiet_when": {"apps": ["zoom", "Zoom-Meeting-Client"]}})
    # Found by the scan at start, in the spelling of the settings.
    wait_quiet(app, app="Zoom-Meeting-Client", timeout=10)
    # The call ends: noticed at the next scan, within the 30 s poll interval.
    call.stop()
    wait_quiet(app, app=None, timeout=40)
    # New settings are looked for at once, not at the next poll.
    other = fake_app(desktop, tmp_path, "quietcall")
    wait_for(lambda: open(f"/proc/{other.pid}/comm").read().strip() == "quietcall", what="the process named")
    config = os.path.join(app.config_dir, "config.json")
    with open(config + ".tmp", "w") as f:
        f.write('{"sit_limit": "1h", "break_length": "20s", "idle_reset": "1h", "quiet_when": {"apps": ["quietcall"]}}')
    os.rename(config + ".tmp", config)
    wait_quiet(app, app="quietcall", timeout=10)


# --------------------------------------------------------------------------
# Reminders held back by a quiet time (the core decides; these check the whole path)
# --------------------------------------------------------------------------

def wait_held(app, reason, timeout=15):
    return wait_for(lambda: (s := app.status())["held_back"] == reason and s, timeout=timeout,
                    what=f"held_back={reason!r}; status {app.status()}")


def reminders(desktop):
    return [c for c in desktop.notify_calls() if c["app_name"] == "limber"]


def test_a_fullscreen_window_holds_the_reminder_until_it_leaves_fullscreen(desktop, app_env):
    with FullscreenWindow(desktop.display) as w:
        w.state("_NET_WM_STATE_FULLSCREEN")
        w.activate()
        app = Limber(desktop, app_env, FAST)  # sit_limit 3 s
        wait_quiet(app, fullscreen=True)
        held = wait_held(app, "fullscreen")
        assert reminders(desktop) == [], "no reminder over a fullscreen window"
        assert held["state"] == "due", held
        left = time.time()
        w.state()
        n = wait_for(lambda: reminders(desktop), timeout=10, what="the held reminder")[0]
        assert n["t"] >= left, "the reminder came only once the window left fullscreen"
        assert n["hints"].get("urgency") == 1 and not n["hints"].get("suppress-sound"), n["hints"]
        assert app.status()["held_back"] is None


def test_a_reminder_held_for_quiet_max_comes_anyway_gently(desktop, app_env):
    with FullscreenWindow(desktop.display) as w:
        w.state("_NET_WM_STATE_FULLSCREEN")
        w.activate()
        app = Limber(desktop, app_env, FAST | {"quiet_max": "3s"})
        wait_held(app, "fullscreen")
        held_seen = time.time()
        n = wait_for(lambda: reminders(desktop), timeout=15, what="the reminder after quiet_max")[0]
        assert n["t"] - held_seen >= 2.0, "not before quiet_max (3 s from the moment it was due)"
        assert n["hints"].get("urgency") == 0 and n["hints"].get("suppress-sound") is True, n["hints"]
        assert quiet_reports(app)[-1]["fullscreen"], "still fullscreen when it came"


def test_do_not_disturb_holds_the_reminder(desktop, app_env):
    portal = standin(desktop, "portal", desktop.bus, "--hidden")
    app = Limber(desktop, app_env, FAST)
    wait_held(app, "do_not_disturb")
    assert reminders(desktop) == []
    switched = time.time()
    portal.SetBanners(True)
    n = wait_for(lambda: reminders(desktop), timeout=10, what="the held reminder")[0]
    assert n["t"] >= switched
