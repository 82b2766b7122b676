"""Fault injection: limber on a desktop whose pieces go missing, die and come back, on
disks that are read-only or full, and under signals. Each test ends with limber still
running and on schedule (`limber status --json`, the next reminder), or gone with a clear
message where it cannot go on (the X server died). docs/robustness.md lists every fault
with what the user sees and the test that covers it."""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import datetime

import pytest

import desk
from app import BIN, FAST, Limber
from desk import wait_for

# FAST, with an idle_reset far longer than any test: nothing types on the test's X server,
# and an idle detector must not take the quiet session for a break taken.
BASE = FAST | {"idle_reset": "1h"}

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

class Responsiveness:
    """Asks `limber status --json` every 0.2 s on a thread for as long as it runs and keeps
    the slowest answer: the event loop must never block on a dead or missing service."""

    def __init__(self, app, limit=1.0):
        self.app, self.limit = app, limit
        self.times, self.failures = [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="status-probe", daemon=True)

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                r = subprocess.run([BIN, "status", "--json"], env=self.app.env, capture_output=True,
                                   text=True, timeout=5)
                took = time.monotonic() - started
                if r.returncode != 0:
                    self.failures.append((round(took, 3), r.returncode, r.stderr.strip()))
            except subprocess.TimeoutExpired:
                took = time.monotonic() - started
                self.failures.append((round(took, 3), "timeout", ""))
            self.times.append(took)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)
        if exc[0] is None:
            self.check()

    def check(self):
        assert self.times, "the status probe never ran"
        assert not self.failures, f"status failed: {self.failures}"
        slowest = max(self.times)
        assert slowest < self.limit, f"status took {slowest:.2f} s (of {len(self.times)} asks)"


def started(app, timeout=15):
    """Waits until limber answers on its socket (for starts without a tray item to wait for)."""
    wait_for(lambda: app.cli("status", "--json", check=False).returncode == 0 or not app.proc.alive(),
             timeout=timeout, what="limber to answer")
    assert app.proc.alive(), app.log()
    return app


def timed_status(app, limit=1.0):
    t0 = time.monotonic()
    s = app.status()
    took = time.monotonic() - t0
    assert took < limit, f"status took {took:.2f} s"
    return s


def count(app, pattern):
    return len(re.findall(pattern, app.log()))


def log_times(app, pattern):
    """Wall-clock times (epoch seconds) of every log line matching pattern."""
    return [datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
            for line in app.log().splitlines() if re.search(pattern, line) and line[:4].isdigit()]


def not_spinning(pid, window=1.0, limit=0.2):
    """CPU seconds used over `window` seconds of wall time stay below `limit`."""
    before = desk.cpu_seconds(pid)
    deadline = time.monotonic() + window
    wait_for(lambda: time.monotonic() >= deadline, timeout=window + 1, interval=0.05, what="the window")
    used = desk.cpu_seconds(pid) - before
    assert used < limit, f"{used:.2f} s of CPU in {window:g} s"


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


@contextmanager
def tmpfs(path, size="64k"):
    """A small file system of its own at `path`, to fill up."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "limber-test", path], check=True)
    try:
        yield path
    finally:
        umount(path)


@contextmanager
def read_only_bind(source, target):
    """`target` shows `source` read-only (root ignores file modes, not a read-only mount).
    Files changed in `source` show through, inotify events included."""
    os.makedirs(target, exist_ok=True)
    subprocess.run(["mount", "--bind", source, target], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", target], check=True)
        yield target
    finally:
        umount(target)


def fill(path):
    """Fills the file system under `path` until it has no space left; returns the filler."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == 28, e  # ENOSPC
    finally:
        os.close(fd)
    # A byte more must not fit anywhere, not even in a new file.
    try:
        with open(os.path.join(path, "probe"), "wb") as f:
            f.write(b"x")
        raise AssertionError("the file system still has room")
    except OSError as e:
        assert e.errno == 28, e
    return filler


def first_call_time(desktop):
    """When this test's first Notify call was made (the monitor's clock)."""
    return desktop.notify_calls()[0]["t"]


def fake_xdg_open(tmp_path):
    """A PATH entry with an xdg-open that only records what it was asked to open."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    record = tmp_path / "xdg-open.txt"
    script = bindir / "xdg-open"
    script.write_text(f"#!/bin/sh\necho \"$@\" >> '{record}'\n")
    script.chmod(0o755)
    return str(bindir), record


def private_xvfb(desktop):
    """An Xvfb of this test's own (the session's is shared): returns (proc, ":N")."""
    r, w = os.pipe()
    proc = desktop.spawn(["Xvfb", "-displayfd", str(w), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
                         name="xvfb-private", pass_fds=(w,))
    os.close(w)
    display = desk.read_displayfd(r)
    assert display is not None, f"Xvfb gave no display:\n{proc.log_text()}"
    return proc, display


# --------------------------------------------------------------------------
# The notification server
# --------------------------------------------------------------------------

def test_notification_server_missing_at_start_then_started(desktop, app_env):
    desktop.stop_dunst()
    app = Limber(desktop, app_env, BASE)
    with Responsiveness(app):
        # No server: the reminder cannot be shown, so the card opens instead.
        app.wait_log(r"cannot show the reminder", timeout=15)
        app.card()
        app.wait_state("on_break")
        desktop.start_dunst()
        app.cli("skip")
        assert timed_status(app)["state"] == "sitting"
        n = desktop.wait_notification("Time to move", timeout=10)
        assert "Stand up and move" in n["body"]
        app.wait_state("due")
    assert app.proc.alive()


def test_notification_server_killed_mid_reminder_then_restarted(desktop, app_env):
    app = Limber(desktop, app_env, BASE | {"remind_again": "4s"})
    with Responsiveness(app):
        first = desktop.wait_notification("Time to move", timeout=10)
        desktop.stop_dunst()  # the reminder was on screen
        assert timed_status(app)["state"] == "due"
        desktop.start_dunst()
        back = time.time() - first_call_time(desktop)
        assert back < 4, f"dunst took {back:.1f} s to come back: the reminder came while it was away"
        # The reminder comes again after remind_again and shows in the new server.
        again = desktop.wait_notification("Still sitting", timeout=10)
        assert again["appname"] == "limber"
        call = [c for c in desktop.notify_calls() if c["summary"].startswith("Still sitting")][-1]
        assert call["error"] is None and call["id"], call
        assert timed_status(app)["state"] == "due"
        # And its actions work.
        desktop.invoke_action("skip")
        app.wait_state("sitting")
    assert first["id"]
    assert app.proc.alive()
    # limber's reminder kept the dead server's id as replaces_id, and this dunst took it
    # over: its own ids now repeat ones this session already saw, which would hide the
    # next test's notifications from desk's per-test id floor. A fresh dunst for the next.
    desktop.stop_dunst()


# --------------------------------------------------------------------------
# The tray host
# --------------------------------------------------------------------------

def test_tray_host_missing_at_start_then_appearing_then_restarting(desktop, app_env):
    desktop.stop_watcher()
    app = started(Limber(desktop, app_env, BASE | {"sit_limit": "1h"}, tray=False))
    with Responsiveness(app):
        assert timed_status(app)["state"] == "sitting"
        desktop.start_watcher()
        item = desktop.tray_item(timeout=15)
        assert item.owner_pid() == app.pid
        desktop.stop_watcher()
        assert timed_status(app)["state"] == "sitting"
        desktop.start_watcher()
        item = desktop.tray_item(timeout=15)
        assert item.owner_pid() == app.pid
        assert len(desktop.watcher_items()) == 1
        # The re-registered item is the live one: its menu still drives limber.
        item.click("Skip next break")
        app.wait_log(r"menu: Skip")
        item.click("30 minutes")
        app.wait_state("paused")
        wait_for(lambda: item.menu_item("Resume")["enabled"], what="Resume enabled")
    assert app.proc.alive()


# --------------------------------------------------------------------------
# The audio server
# --------------------------------------------------------------------------

def test_audio_server_dying_during_a_cue_then_coming_back(desktop, app_env, tmp_path):
    # A long cue (a sound file of 2.5 s), so the server can be killed while it plays even
    # on a busy machine, where opening the stream takes a while.
    wav = str(tmp_path / "long.wav")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", wav, "synth", "2.5", "sine", "880"], check=True)
    app = Limber(desktop, app_env, BASE | {"sit_limit": "1h", "break_length": "1m",
                                           "sound": {"enabled": True, "volume": 0.8, "file": wav}})
    app.cli("break")
    win = app.card()
    with Responsiveness(app):
        desktop.focus(win)
        desktop.key("space")                      # start the first hold...
        app.wait_log(r"card: StartHold")
        desktop.key("space")                      # ...and end it: the cue plays now
        app.wait_log(r"cue: HoldEnd")
        # The server dies under the cue: once limber's stream is connected, it goes.
        wait_for(desktop.sink_inputs, timeout=5, interval=0.01, what="limber's playback stream")
        cpu_before = desk.cpu_seconds(app.pid)
        desktop.stop_pulse()
        wait_for(lambda: time.time() > app.log_time(r"cue: HoldEnd") + 3.5, timeout=8, what="the cue's linger")
        dying_cpu = desk.cpu_seconds(app.pid) - cpu_before
        assert app.proc.alive()
        assert timed_status(app)["state"] == "on_break"
        not_spinning(app.pid)
        desktop.start_pulse()
        rec = desktop.recorder()
        desktop.focus(win)
        desktop.key("space")                      # the second stage's hold
        wait_for(lambda: count(app, r"card: StartHold") == 2, what="the second hold")
        desktop.key("space")
        wait_for(lambda: count(app, r"cue: HoldEnd") == 2, what="the second cue")
        cued = log_times(app, r"cue: HoldEnd")[-1]
        wait_for(lambda: time.time() > cued + 3.2, timeout=8, what="the cue to finish playing")
        rec.stop()
        assert timed_status(app)["state"] == "on_break"
    events = [e for e in rec.events() if e["freq_hz"] and abs(e["freq_hz"] - 880) / 880 < 0.03]
    assert len(events) == 1, rec.events()
    assert app.proc.alive()
    # Once a bug (docs/robustness.md): cpal's ALSA worker gets EIO from the dead server and
    # retries without pause; limber's error callback now logs once and drops the device.
    spam = count(app, r"audio stream error")
    warned = count(app, r"WARN limber::daemon::sound")
    assert spam < 20 and dying_cpu < 0.25 and warned >= 1, (
        f"the audio server's death cost {spam} 'audio stream error' lines on stderr and "
        f"{dying_cpu:.2f} s of CPU; limber's own warnings about it: {warned}")


# --------------------------------------------------------------------------
# Files: read-only configuration, full disk, deleted state
# --------------------------------------------------------------------------

def test_read_only_config_dir(desktop, app_env, tmp_path):
    fakebin, opened = fake_xdg_open(tmp_path)
    env = dict(app_env, PATH=fakebin + ":" + app_env["PATH"])
    source = tmp_path / "config-source"
    source.mkdir()
    (source / "config.json").write_text('{"sit_limit": "1h", "break_length": "20s", "idle_reset": "1h"}')
    config_dir = os.path.join(env["XDG_CONFIG_HOME"], "limber")
    with read_only_bind(str(source), config_dir):
        with pytest.raises(OSError) as e:
            open(os.path.join(config_dir, "probe"), "w")
        assert e.value.errno == 30  # EROFS: the mount holds even for root
        app = Limber(desktop, env)
        with Responsiveness(app):
            assert 3500 < timed_status(app)["next_break_in_seconds"] <= 3600
            app.item.click("Open settings")
            wait_for(lambda: opened.exists(), what="xdg-open called")
            assert opened.read_text().split() == [os.path.join(config_dir, "config.json")]
            # An edit made elsewhere (the read-only view shows it) is picked up live.
            tmp = source / "config.json.tmp"
            tmp.write_text('{"sit_limit": "2h", "idle_reset": "1h"}')
            os.rename(tmp, source / "config.json")
            wait_for(lambda: timed_status(app)["next_break_in_seconds"] > 3600, what="the new limit in force")
            # With no settings file, "Open settings" cannot write the defaults: it says so.
            os.remove(source / "config.json")
            wait_for(lambda: timed_status(app)["next_break_in_seconds"] <= 3600, what="back to the defaults")
            app.item.click("Open settings")
            app.wait_log(r"WARN .*cannot create .*/limber/config\.json: Read-only file system")
            assert opened.read_text().count("\n") == 1, "xdg-open is not run for a file that is not there"
            assert timed_status(app)["state"] == "sitting"
        assert app.proc.alive()
        app.cli("quit")
        assert app.proc.wait(10) == 0


def test_disk_full_while_writing_state_and_history(desktop, app_env, tmp_path):
    local = os.path.join(app_env["HOME"], ".local")
    with tmpfs(local, size="64k"):
        for k in ("XDG_STATE_HOME", "XDG_DATA_HOME"):
            os.makedirs(app_env[k], exist_ok=True)
        filler = fill(local)
        app = Limber(desktop, app_env, BASE | {"snooze": "2s"})
        state = os.path.join(app.state_dir, "state.json")
        with Responsiveness(app):
            # Schedule kept: the reminder comes on time though nothing can be written.
            desktop.wait_notification("Time to move", timeout=10)
            app.wait_log(r"WARN .*cannot save the schedule to .*state\.json: No space left on device")
            app.cli("snooze", "2s")
            app.wait_state("snoozed")
            wait_for(lambda: len([c for c in desktop.notify_calls() if c["summary"] == "Time to move"]) >= 2,
                     timeout=6, what="the reminder again after the snooze")
            again = [c for c in desktop.notify_calls() if c["summary"] == "Time to move"][1]["t"]
            late = again - log_times(app, r"control: Snooze")[0]
            assert 2.0 <= late < 3.0, f"the snoozed reminder came {late:.2f} s after a 2 s snooze"
            app.cli("skip")
            s = app.wait_state("sitting")
            assert s["next_break_in_seconds"] <= 3, s
            assert not os.path.exists(state)
            assert app.history() == []
            # Space again: the next change is written, state and history alike.
            os.remove(filler)
            app.cli("pause", "1h")
            app.wait_state("paused")
            wait_for(lambda: os.path.exists(state), what="state.json written")
            with open(state) as f:
                assert json.load(f)["phase"]["state"] == "paused"
            # Nothing lost: the events of the full-disk spell were kept and are written first.
            assert [e["kind"] for e in app.history()] == ["due", "snoozed", "skipped", "paused"]
            app.cli("resume")
            wait_for(lambda: [e["kind"] for e in app.history()][-2:] == ["paused", "resumed"], what="history appended")
        assert app.proc.alive()
        saves = count(app, r"cannot save the schedule")
        appends = count(app, r"cannot add to the history")
        assert saves == 1, f"'cannot save the schedule' logged {saves} times"
        assert appends == 1, f"'cannot add to the history' logged {appends} times for one full disk"
        app.proc.stop()


def test_state_and_history_deleted_while_running(desktop, app_env):
    app = Limber(desktop, app_env, BASE | {"sit_limit": "1h"})
    app.cli("pause", "1h")
    app.wait_state("paused")
    state = os.path.join(app.state_dir, "state.json")
    wait_for(lambda: os.path.exists(state) and app.history(), what="state and history written")
    shutil.rmtree(app.state_dir)
    shutil.rmtree(app.data_dir)
    with Responsiveness(app):
        app.cli("resume")
        assert timed_status(app)["state"] == "sitting"
        wait_for(lambda: os.path.exists(state), what="state.json rewritten")
        with open(state) as f:
            assert json.load(f)["phase"]["state"] == "sitting"
        assert [e["kind"] for e in app.history()] == ["resumed"]
    assert app.proc.alive()


# --------------------------------------------------------------------------
# The X server
# --------------------------------------------------------------------------

def test_x_server_missing_at_start(desktop, app_env):
    xvfb, display = private_xvfb(desktop)
    xvfb.stop()  # a display number that was just free, and now is again
    proc = desktop.spawn([BIN, "run"], name="limber", env=dict(app_env, DISPLAY=display))
    assert proc.wait(10) == 1
    assert "limber: cannot reach the display: limber needs an X11 or Wayland desktop session" in proc.log_text()
    assert not desktop.watcher_items()


@pytest.mark.parametrize("card", [False, True], ids=["idle", "card_open"])
def test_x_server_gone(desktop, app_env, card):
    """Xvfb killed under a running limber (on an X server of its own: the session's is
    shared). limber cannot go on without a display: it must stop at once, not spin, and
    say why."""
    xvfb, display = private_xvfb(desktop)
    app = Limber(desktop, dict(app_env, DISPLAY=display), BASE | {"sit_limit": "1h"})
    if card:
        app.cli("break")
        app.wait_log(r"card: ")
    os.killpg(xvfb.pid, signal.SIGKILL)
    xvfb.wait(5)
    for stale in (f"/tmp/.X11-unix/X{display[1:]}", f"/tmp/.X{display[1:]}-lock"):  # SIGKILL left them
        if os.path.exists(stale):
            os.remove(stale)
    try:
        code = app.proc.wait(5)
    except AssertionError:
        not_spinning(app.pid)
        raise AssertionError(f"limber still runs 5 s after its X server died:\n{app.log()[-1500:]}") from None
    assert code != 0
    wait_for(lambda: not desktop.watcher_items(), what="the tray item gone")
    stderr = "\n".join(l for l in app.log().splitlines() if "control: Status" not in l)
    # Known bugs (see docs/robustness.md). limber does not notice the loss itself: Xlib's
    # default I/O error handler calls exit(1) from inside the event loop ("XIO: fatal IO
    # error 17 (File exists) on X server ":N"" or "X connection to :N broken"), so nothing
    # is saved or closed on the way out and limber.log does not say why limber stopped;
    # with the card open, a redraw can come first and panic in winit instead (exit 101).
    assert "panicked" not in stderr, f"limber panicked (exit {code}):\n{stderr[-2500:]}"
    assert display in stderr, f"no word of the display {display} (exit {code}):\n{stderr[-1500:]}"
    with open(os.path.join(app.state_dir, "limber.log")) as f:
        own = f.read()
    assert re.search(r"(WARN|ERROR) limber[\w:]*: .*(display|X server|X connection)", own), (
        f"limber exited {code} with Xlib's message on stderr only; limber.log ends:\n{own[-600:]}")


# --------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_saves_closes_and_leaves(desktop, app_env, sig):
    app = Limber(desktop, app_env, BASE)
    n = desktop.wait_notification("Time to move", timeout=10)
    state = os.path.join(app.state_dir, "state.json")
    wait_for(lambda: os.path.exists(state), what="state.json written")
    os.remove(state)  # so that the file found afterwards is the one written on the way out
    os.kill(app.pid, sig)
    assert app.proc.wait(10) == 0
    assert f"quitting ({sig.name})" in app.log()
    with open(state) as f:
        assert json.load(f)["phase"]["state"] == "due"
    assert n["id"] in [c["id"] for c in desktop.close_calls()]
    wait_for(lambda: any(s["id"] == n["id"] and s["reason"] == 3 for s in desktop.closed_signals()),
             what="dunst closed the reminder")
    assert not desktop.displayed()
    wait_for(lambda: not desktop.watcher_items(), what="the tray item gone")


# --------------------------------------------------------------------------
# A file size limit (RLIMIT_FSIZE)
# --------------------------------------------------------------------------

def test_file_size_limit(desktop, app_env):
    """`ulimit -f` (or systemd's LimitFSIZE=) as a stand-in for a quota: a write past the
    limit raises SIGXFSZ, whose default action kills the process. Every control request
    adds a line to limber.log, so a few dozen `limber status` calls reach a 4 KiB limit."""
    proc = desktop.spawn(["prlimit", "--fsize=4096", BIN, "run"], name="limber",
                         env=dict(app_env, RUST_LOG="info,zbus=warn"))
    desktop.tray_item(timeout=15)
    log = os.path.join(app_env["XDG_STATE_HOME"], "limber", "limber.log")
    past_limit = 0
    for _ in range(200):
        subprocess.run([BIN, "status", "--json"], env=app_env, capture_output=True, text=True, timeout=5)
        if not proc.alive():
            break
        if os.path.getsize(log) > 4096 - 200:  # the next line or two no longer fit
            past_limit += 1
            if past_limit == 10:
                break
    # Known bug (see docs/robustness.md): limber leaves SIGXFSZ at its default action, so
    # the first write past the limit kills it without a word, where EFBIG would have been
    # one more write error to warn about and carry on.
    assert proc.alive(), (f"limber was killed (exit {proc.returncode}; SIGXFSZ is 25) when limber.log "
                          f"reached {os.path.getsize(log)} of the 4096 bytes allowed")
    assert json.loads(subprocess.run([BIN, "status", "--json"], env=app_env, capture_output=True,
                                     text=True, timeout=5).stdout)["state"] == "sitting"
