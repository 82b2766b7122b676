"""Calls and typing, end to end: a recording on PulseAudio's null source "mic" (what a call in
any app or browser tab does) and an open video device (a file standing in for it, in a
directory of the test's own) hold a due reminder with held_back "call" until a short grace
after both close; a recording of a monitor does not; the sound server can die and come back
during a call. A reminder that falls due while keys are pressed (XTEST, every 150 ms) waits
for a pause in typing, or comes at wait_for_pause_max for a typist who never stops."""

import os
import threading
import time

import desk
from app import FAST, Limber
from desk import wait_for
from session_standins import FullscreenWindow, quiet_reports, wait_quiet

# Nothing due during the observation tests.
CALM = FAST | {"sit_limit": "1h"}
# What the daemon waits after a call before the reminder comes (core::interrupt::CALL_GRACE).
GRACE = 5.0
FOLLOWED = "sound server (PulseAudio or PipeWire)"
MISSING = "none (no sound server)"


def record(desktop, source="mic"):
    """An app recording from `source` for as long as it runs, as a call would."""
    return desktop.spawn(["parecord", "-d", source, "--file-format=wav", os.devnull], name=f"parecord-{source}")


def wait_recording(desktop, source_name):
    """Waits until PulseAudio has a capture stream on the named source."""
    def streams():
        sources = {line.split("\t")[0]: line.split("\t")[1]
                   for line in desktop.pactl("list", "short", "sources").splitlines() if "\t" in line}
        outputs = [line.split("\t") for line in desktop.pactl("list", "short", "source-outputs").splitlines() if line]
        return any(sources.get(o[1]) == source_name for o in outputs)
    wait_for(streams, timeout=10, what=f"a capture stream on {source_name}")


def reminders(desktop):
    return [c for c in desktop.notify_calls() if c["app_name"] == "limber"]


def wait_held(app, reason, timeout=15):
    return wait_for(lambda: (s := app.status())["held_back"] == reason and s, timeout=timeout,
                    what=f"held_back={reason!r}; status {app.status()}")


def tooltip(app):
    t = app.item.properties()["ToolTip"]
    return t["title"] + "|" + t["description"]


# --------------------------------------------------------------------------
# The microphone
# --------------------------------------------------------------------------

def test_a_recording_on_the_microphone_holds_the_reminder_until_the_call_ends(desktop, app_env):
    call = record(desktop)
    wait_recording(desktop, "mic")
    app = Limber(desktop, app_env, FAST)  # sit_limit 3 s
    wait_quiet(app, microphone=True)
    s = wait_held(app, "call")
    assert s["state"] == "due" and s["text"] == "Break due, waiting for the call to end", s
    wait_for(lambda: "Break due, waiting for the call to end" in tooltip(app), timeout=10,
             what=f"the tray line; now {tooltip(app)!r}")
    assert app.status()["microphone"] == FOLLOWED
    assert "microphone: " + FOLLOWED in app.cli("status").stdout
    # The call goes on for a while: still held, nothing shown.
    time.sleep(2)
    assert reminders(desktop) == [] and app.status()["held_back"] == "call"
    ended = time.time()
    call.stop()
    wait_quiet(app, microphone=False)
    n = wait_for(lambda: reminders(desktop), timeout=GRACE + 10, what="the reminder after the call")[0]
    late = n["t"] - ended
    assert GRACE - 0.5 <= late <= GRACE + 2, f"the reminder came {late:.1f} s after the call ended"
    assert n["hints"].get("urgency") == 1, "a normal reminder, not a gentle one"
    assert app.status()["held_back"] is None


def test_recording_the_speakers_monitor_is_no_call(desktop, app_env):
    rec = desktop.recorder()  # parec on the null sink's monitor, like a screen recorder
    screen_recorder = record(desktop, "cap.monitor")
    wait_recording(desktop, "cap.monitor")
    app = Limber(desktop, app_env, FAST)
    n = wait_for(lambda: reminders(desktop), timeout=15, what="the reminder at its time")[0]
    assert n["summary"] == "Time to move"
    assert all(not r["microphone"] for r in quiet_reports(app)), quiet_reports(app)
    assert app.status()["held_back"] is None
    screen_recorder.stop()
    rec.stop()


def test_the_sound_server_dying_and_coming_back_during_a_call(desktop, app_env):
    call = record(desktop)
    wait_recording(desktop, "mic")
    app = Limber(desktop, app_env, CALM)
    wait_quiet(app, microphone=True)
    # The server dies (and takes the recording with it): no call, said once, shown in status.
    desktop.stop_pulse()
    wait_quiet(app, microphone=False)
    wait_for(lambda: app.status()["microphone"] == MISSING, timeout=10, what="status: no sound server")
    assert "microphone: " + MISSING in app.cli("status").stdout
    gone = desk.cpu_seconds(app.pid)
    t0 = time.time()
    # Tries at 1, 2 and 4 s: a few wakeups, no busy loop.
    time.sleep(4)
    spent = desk.cpu_seconds(app.pid) - gone
    assert spent < 0.3, f"{spent:.2f} s of CPU in {time.time() - t0:.1f} s without a sound server"
    assert app.log().count("the sound server went away") == 1, app.log()[-3000:]
    # Back: followed again, and a new call is seen.
    desktop.start_pulse()
    wait_for(lambda: app.status()["microphone"] == FOLLOWED, timeout=40, what="the sound server followed again")
    app.wait_log("a microphone in use is noticed again")
    call.stop()
    call = record(desktop)
    wait_recording(desktop, "mic")
    wait_quiet(app, microphone=True)
    call.stop()
    wait_quiet(app, microphone=False)
    assert app.proc.alive()


def test_no_sound_server_at_start_is_said_once_and_found_later(desktop, app_env):
    desktop.stop_pulse()
    app = Limber(desktop, app_env, CALM)
    wait_for(lambda: app.status()["microphone"] == MISSING, timeout=10, what="status: no sound server")
    app.wait_log("no sound server")
    time.sleep(3.5)  # tries at 1 and 2 s more
    assert app.log().count("no sound server (") == 1, app.log()[-3000:]
    desktop.start_pulse()
    wait_for(lambda: app.status()["microphone"] == FOLLOWED, timeout=40, what="the sound server found")
    call = record(desktop)
    wait_recording(desktop, "mic")
    wait_quiet(app, microphone=True)
    call.stop()


# --------------------------------------------------------------------------
# The camera (a directory of the test's own stands in for /dev)
# --------------------------------------------------------------------------

def test_an_open_camera_holds_the_reminder_and_new_cameras_are_seen(desktop, app_env, tmp_path):
    (tmp_path / "video0").write_bytes(b"")
    (tmp_path / "null").write_bytes(b"")
    env = dict(app_env, LIMBER_CAMERA_DIR=str(tmp_path))
    camera = open(tmp_path / "video0", "rb")  # open before limber starts: found by its look
    try:
        app = Limber(desktop, env, FAST)
        wait_quiet(app, camera=True)
        assert app.status()["camera"] == "inotify on the video devices"
        wait_held(app, "call")
        ended = time.time()
        camera.close()
        wait_quiet(app, camera=False)
        n = wait_for(lambda: reminders(desktop), timeout=GRACE + 10, what="the reminder after the camera closed")[0]
        assert GRACE - 0.5 <= n["t"] - ended <= GRACE + 2, n["t"] - ended
        # Other files in the directory are no camera.
        with open(tmp_path / "null", "rb"):
            time.sleep(0.5)
        assert not quiet_reports(app)[-1]["camera"]
        # A camera plugged in now, then opened and closed.
        (tmp_path / "video1").write_bytes(b"")
        reports = len(quiet_reports(app))
        with open(tmp_path / "video1", "rb"):
            wait_quiet(app, camera=True)
        wait_quiet(app, camera=False)
        assert [r["camera"] for r in quiet_reports(app)[reports:]] == [True, False]
    finally:
        camera.close()


# --------------------------------------------------------------------------
# Typing
# --------------------------------------------------------------------------

class Typist:
    """Presses a key (XTEST, through xdotool) every 150 ms on a thread until stopped."""

    def __init__(self, desktop):
        self.desktop, self.stopped, self.last = desktop, threading.Event(), 0.0
        self.thread = threading.Thread(target=self._type, daemon=True)

    def _type(self):
        while not self.stopped.is_set():
            self.desktop.key("shift")
            self.last = time.time()
            self.stopped.wait(0.15)

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: self.last > 0, timeout=5, what="the first key")
        return self

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        return self.last

    def __exit__(self, *exc):
        self.stop()


def test_a_reminder_waits_for_a_pause_in_typing(desktop, app_env):
    with Typist(desktop) as typist:
        app = Limber(desktop, app_env, FAST | {"wait_for_pause": "500ms", "wait_for_pause_max": "1m"})
        s = wait_held(app, "typing")
        assert s["state"] == "due" and s["text"] == "Break due, waiting for a pause in typing", s
        wait_for(lambda: "waiting for a pause in typing" in tooltip(app), timeout=10, what=f"the tray line; {tooltip(app)!r}")
        time.sleep(2)  # typing on: still waiting
        assert reminders(desktop) == [] and app.status()["held_back"] == "typing"
        last_key = typist.stop()
    n = wait_for(lambda: reminders(desktop), timeout=10, what="the reminder at the pause")[0]
    after = n["t"] - last_key
    assert 0.4 <= after <= 1.0, f"the reminder came {after:.2f} s after the last key"
    app.wait_log("typing watch: off")
    assert app.status()["held_back"] is None


def test_a_typist_who_never_stops_gets_it_at_wait_for_pause_max(desktop, app_env):
    with Typist(desktop) as typist:
        app = Limber(desktop, app_env, FAST | {"wait_for_pause": "1s", "wait_for_pause_max": "4s"})
        wait_held(app, "typing")
        n = wait_for(lambda: reminders(desktop), timeout=20, what="the reminder at wait_for_pause_max")[0]
        assert time.time() - typist.last < 0.5, "still typing when it came"
    due = app.log_time(r"history.*kind=Due")
    assert due is not None, app.log()[-2000:]
    assert 3.5 <= n["t"] - due <= 5.5, f"it came {n['t'] - due:.1f} s after it was due"
    assert len(reminders(desktop)) == 1


def test_a_card_opened_without_a_notification_server_leaves_the_keyboard_alone(desktop, app_env):
    desktop.stop_dunst()
    with FullscreenWindow(desktop.display) as editor, Typist(desktop):
        # The user types in another window; the pause is not waited for, so the card comes
        # mid-typing: the worst case.
        editor.activate()
        desktop.focus(editor.win)
        app = Limber(desktop, app_env, FAST | {"wait_for_pause": "0s"})
        app.wait_log("cannot show the reminder")
        win = app.card()
        props = desktop._run(["xprop", "-id", str(win), "_NET_WM_USER_TIME"]).stdout
        assert "_NET_WM_USER_TIME(CARDINAL) = 0" in props, f"a window manager would focus the card: {props}"
        assert int(desktop.xdotool("getwindowfocus").strip()) == editor.win, "the keyboard left the editor"
        # Shown all the same, and drawn.
        wait_for(lambda: (p := desktop.screenshot(window=win)) and "tilt" in desktop.ocr(p).lower() and p,
                        timeout=15, what="the card's text")
        # A card the user asks for (from the tray) does take the keyboard.
        app.cli("skip")
        app.wait_state("sitting")
        app.item.activate()
        asked = app.card()
        props = desktop._run(["xprop", "-id", str(asked), "_NET_WM_USER_TIME"]).stdout
        assert "= 0" not in props, props
