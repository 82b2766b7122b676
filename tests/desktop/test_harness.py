"""Self-tests of the desktop harness, with stand-in clients instead of limber:
notify-send for notifications, sni_item_fake.py for the tray, paplay/aplay for
sound, xmessage for a window. If these pass, a failing limber test is about
limber, not about the harness.
"""

import array
import json
import math
import os
import subprocess
import time

import dbus
import pytest

import desk
from desk import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# generic helpers (no desktop needed)
# --------------------------------------------------------------------------

def test_wait_for_returns_value_and_times_out_with_description():
    assert wait_for(lambda: 42, timeout=1) == 42
    with pytest.raises(AssertionError, match="the impossible"):
        wait_for(lambda: False, timeout=0.1, what="the impossible")


def _write_raw(path, pieces, rate=desk.SAMPLE_RATE):
    """pieces: [(seconds, freq or None, amplitude)] -> s16le mono file."""
    a = array.array("h")
    for seconds, freq, amp in pieces:
        n = int(seconds * rate)
        if freq is None:
            a.extend([0] * n)
        else:
            a.extend(int(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)) for i in range(n))
    with open(path, "wb") as f:
        f.write(a.tobytes())


def test_analyse_synthetic(tmp_path):
    silent = str(tmp_path / "silent.raw")
    _write_raw(silent, [(1.0, None, 0)])
    assert desk.analyse(silent, 1000.0) == []

    sound = str(tmp_path / "tones.raw")
    _write_raw(sound, [(0.25, None, 0), (0.3, 440, 0.5), (0.2, None, 0), (0.15, 880, 0.2), (0.1, None, 0)])
    ev = desk.analyse(sound, 1000.0)
    assert len(ev) == 2, ev
    assert ev[0]["onset_wallclock"] == pytest.approx(1000.25, abs=0.003)
    assert ev[0]["duration_s"] == pytest.approx(0.3, abs=0.01)
    assert ev[0]["freq_hz"] == pytest.approx(440, rel=0.01)
    assert ev[0]["peak"] == pytest.approx(0.5, abs=0.01)
    assert ev[1]["onset_s"] == pytest.approx(0.75, abs=0.003)
    assert ev[1]["freq_hz"] == pytest.approx(880, rel=0.01)


# --------------------------------------------------------------------------
# environment, bus, fault injection
# --------------------------------------------------------------------------

def test_env_points_at_the_harness(desktop):
    env = desktop.env
    for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "PULSE_SERVER", "ALSA_CONFIG_PATH", "HOME",
                "XDG_RUNTIME_DIR"):
        assert env[key], key
    assert "WAYLAND_DISPLAY" not in env
    assert subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode == 0
    info = subprocess.run(["pactl", "info"], env=env, capture_output=True, text=True, check=True).stdout
    assert "Default Sink: cap" in info


def test_dunst_missing_then_appearing(desktop):
    """With dunst stopped nothing owns the name and nothing gets activated in
    its place (private bus config); restarting it makes Notify work again."""
    desktop.stop_dunst()
    r = subprocess.run(["notify-send", "-a", "harness", "Nobody listens"], env=desktop.env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "ServiceUnknown" in r.stderr
    # notify-send gives up at GetServerInformation; a plain Notify shows up in
    # notify_calls() with the bus's error.
    with pytest.raises(dbus.exceptions.DBusException, match="ServiceUnknown"):
        desktop.bus.call_blocking(desk.NOTIFY_NAME, desk.NOTIFY_PATH, desk.NOTIFY_NAME, "Notify",
                                  "susssasa{sv}i", ("harness", 0, "", "Nobody listens", "", [], {}, -1))
    call = wait_for(lambda: [c for c in desktop.notify_calls() if c["summary"] == "Nobody listens"
                             and c["error"]], what="failed Notify recorded")[0]
    assert call["error"] == "org.freedesktop.DBus.Error.ServiceUnknown"
    assert desktop.name_owner(desk.NOTIFY_NAME) is None

    desktop.start_dunst()
    subprocess.run(["notify-send", "-a", "harness", "Somebody listens"], env=desktop.env, check=True, timeout=10)
    n = desktop.wait_notification("Somebody listens")
    assert n["state"] == "displayed" and n["appname"] == "harness"


# --------------------------------------------------------------------------
# notifications
# --------------------------------------------------------------------------

def test_notification_action_via_dunst_context_menu(desktop):
    ns = desktop.spawn(["notify-send", "-a", "harness", "-t", "500", "--action=ok=Okay",
                        "--action=later=Remind _later", "Stretch time", "Stand up for a minute"],
                       name="notify-send")
    n = desktop.wait_notification("Stretch time")
    assert n["state"] == "displayed"
    assert n["body"] == "Stand up for a minute"
    assert n["actions"] == [["ok", "Okay"], ["later", "Remind _later"]]

    call = desktop.notify_calls()[-1]
    assert call["app_name"] == "harness" and call["expire_timeout"] == 500 and call["id"] == n["id"]

    fired = desktop.invoke_action("Remind later")  # label without the mnemonic underscore
    assert fired == {"id": n["id"], "key": "later", "label": "Remind _later"}
    assert ns.wait(10) == 0
    assert ns.log_text().strip().endswith("later")  # notify-send prints the chosen key

    # dunst keeps the notification after an action; close it and find it in history,
    # still with its actions (from the monitor) and dunst's timeout forced to 0.
    desktop.close_all()
    h = desktop.wait_notification(lambda x: x["summary"] == "Stretch time" and x["state"] == "history")
    assert h["actions"] == [["ok", "Okay"], ["later", "Remind _later"]]
    assert h["timeout"] == 0
    assert desktop.displayed() == []


def test_invoke_action_by_key_with_two_notifications(desktop):
    a = desktop.spawn(["notify-send", "-a", "one", "--action=go=Go", "First"], name="notify-send-1")
    b = desktop.spawn(["notify-send", "-a", "two", "--action=go=Go", "Second"], name="notify-send-2")
    desktop.wait_notification("First")
    desktop.wait_notification("Second")
    with pytest.raises(AssertionError, match="ambiguous"):
        desktop.invoke_action("go")
    desktop.invoke_action("go", summary="Second")
    assert b.wait(10) == 0 and b.log_text().strip().endswith("go")
    assert a.alive()  # the other one is still waiting for its action
    # Both are listed, displayed or (once notify-send closed it) in history.
    assert sorted(n["summary"] for n in desktop.notifications()) == ["First", "Second"]


def test_close_notification_is_recorded(desktop):
    bus = desktop.bus
    nid = bus.call_blocking(desk.NOTIFY_NAME, desk.NOTIFY_PATH, desk.NOTIFY_NAME, "Notify", "susssasa{sv}i",
                            ("harness", 0, "", "To be closed", "", [], {"urgency": dbus.Byte(2, variant_level=1)},
                             -1))
    n = desktop.wait_notification("To be closed")
    assert n["id"] == nid and n["hints"] == {"urgency": 2}
    bus.call_blocking(desk.NOTIFY_NAME, desk.NOTIFY_PATH, desk.NOTIFY_NAME, "CloseNotification", "u", (nid,))
    wait_for(lambda: desktop.close_calls(), what="CloseNotification seen")
    assert desktop.close_calls()[0]["id"] == nid
    closed = wait_for(lambda: desktop.closed_signals(), what="NotificationClosed seen")
    assert closed[0]["id"] == nid and closed[0]["reason"] == 3
    wait_for(lambda: not desktop.displayed(), what="nothing displayed")


# --------------------------------------------------------------------------
# tray
# --------------------------------------------------------------------------

def _fake_item(desktop, tmp_path, register_with="name"):
    clicks = tmp_path / f"clicks-{register_with}.jsonl"
    proc = desktop.spawn([desk.PYTHON, os.path.join(HERE, "sni_item_fake.py"), "--clicks", str(clicks),
                          "--register-with", register_with, "--title", "Fake limber"], name="sni-item-fake")
    return proc, clicks


def _clicks(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_tray_item_properties_menu_and_clicks(desktop, tmp_path):
    proc, clicks = _fake_item(desktop, tmp_path)
    item = desktop.tray_item(timeout=10)
    assert item.bus_name == f"org.kde.StatusNotifierItem-{proc.pid}-1"
    assert item.path == "/StatusNotifierItem"
    assert item.owner_pid() == proc.pid

    props = item.properties()
    assert props["Title"] == "Fake limber"
    assert props["Status"] == "Active"
    assert props["IconName"] == "fake-icon"
    assert props["IconPixmap"] == [{"width": 16, "height": 16, "bytes": 16 * 16 * 4}]
    assert props["ToolTip"]["title"] == "Fake tooltip"
    assert props["ToolTip"]["description"] == "Next break in 42 min"
    assert props["Menu"] == "/MenuBar"
    assert item.icon_pixmaps()[0][2][:4] == bytes([255, 0, 128, 255])

    layout = item.menu_layout()
    assert [(e["id"], e["label"], e["type"], e["depth"]) for e in layout] == [
        (1, "Pause reminders", "standard", 1),
        (2, "", "separator", 1),
        (3, "More", "standard", 1),
        (4, "Disabled thing", "standard", 2),
        (5, "Sub action", "standard", 2),
        (6, "Quit fake", "standard", 1),
    ]
    more = layout[2]
    assert more["children_labels"] == ["Disabled thing", "Sub action"]
    assert layout[3]["enabled"] is False and layout[0]["raw_label"] == "_Pause reminders"

    assert item.click("Pause")["id"] == 1
    assert item.click("Sub")["id"] == 5
    with pytest.raises(AssertionError, match="disabled"):
        item.click("Disabled")
    got = wait_for(lambda: len(_clicks(clicks)) == 2 and _clicks(clicks), what="two clicks recorded")
    assert [(c["id"], c["event"]) for c in got] == [(1, "clicked"), (5, "clicked")]

    # Quitting the app removes its item (the watcher sees its name vanish).
    item.click("Quit")
    assert proc.wait(10) == 0
    wait_for(lambda: desktop.tray_items() == [], what="item dropped from the watcher")


def test_tray_item_registered_by_path_and_watcher_restart(desktop, tmp_path):
    proc, clicks = _fake_item(desktop, tmp_path, register_with="path")
    item = desktop.tray_item()
    assert item.bus_name.startswith(":") and item.path == "/StatusNotifierItem"
    assert item.owner_pid() == proc.pid

    # Tray host goes away and comes back: the item registers again by itself.
    desktop.stop_watcher()
    assert desktop.tray_items() == []
    desktop.start_watcher()
    again = desktop.tray_item(timeout=10)
    assert again.item == item.item
    again.click("Pause")
    wait_for(lambda: _clicks(clicks), what="click after watcher restart")

    # A killed app leaves the tray too.
    proc.stop()
    wait_for(lambda: desktop.tray_items() == [], what="killed item dropped")


# --------------------------------------------------------------------------
# audio
# --------------------------------------------------------------------------

def _sox(path, *effects):
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", path, *effects], check=True)


def _play_and_record(desktop, argv):
    rec = desktop.recorder()
    t_launch = time.time()
    subprocess.run(argv, env=desktop.env, check=True, timeout=20)
    t_exit = time.time()
    # Keep recording until audio later than the player's exit has arrived.
    wait_for(lambda: rec.chunks[-1][0] > t_exit + 0.1, what="recording past the end of playback")
    rec.stop()
    return rec, t_launch, t_exit


def test_silence_has_no_events(desktop):
    rec = desktop.recorder()
    wait_for(lambda: rec.elapsed() >= 0.5, what="0.5 s recorded")
    rec.stop()
    assert rec.events() == []


def test_paplay_tone_onset_length_pitch(desktop, tmp_path):
    wav = str(tmp_path / "tone.wav")
    _sox(wav, "synth", "0.3", "sine", "440", "vol", "0.5")
    rec, t_launch, t_exit = _play_and_record(desktop, ["paplay", wav])
    ev = rec.events()
    assert len(ev) == 1, ev
    e = ev[0]
    assert e["freq_hz"] == pytest.approx(440, rel=0.05)
    assert e["duration_s"] == pytest.approx(0.3, abs=0.04)
    # The tone can only be mixed after paplay started and before it returned
    # (paplay drains before exiting): that window is a few tens of ms wide.
    assert t_launch - 0.01 <= e["onset_wallclock"] <= t_exit - 0.3 + 0.03, (t_launch, e, t_exit)


def test_onset_precision_with_a_connected_stream(desktop):
    """Write a tone into an already playing stream at a known instant T: the
    analysed onset must be T + (0..30 ms). This pins the Recorder's clock."""
    rec = desktop.recorder()
    # 30 ms of buffer: enough that pacat does not underrun mid-tone on a busy
    # 2-core machine (5 ms did once: a 6 ms hole inside the tone).
    pacat = desktop.spawn(["pacat", "-v", "--raw", "--format=s16le", "--rate=48000", "--channels=1",
                           "--latency-msec=30"], name="pacat", stdin=subprocess.PIPE)
    wait_for(lambda: "Stream successfully created" in pacat.log_text(), what="pacat stream up")
    wait_for(lambda: rec.elapsed() >= 0.2, what="0.2 s of silence recorded")
    tone = array.array("h", (int(16000 * math.sin(2 * math.pi * 440 * i / 48000)) for i in range(14400)))
    t_write = time.time()
    pacat.popen.stdin.write(tone.tobytes())
    pacat.popen.stdin.close()
    assert pacat.wait(10) == 0
    t_done = time.time()
    wait_for(lambda: rec.chunks[-1][0] > t_done + 0.1, what="recording past the tone")
    ev = rec.stop().events()
    assert len(ev) == 1, ev
    assert -0.005 <= ev[0]["onset_wallclock"] - t_write <= 0.03, ev[0]["onset_wallclock"] - t_write
    assert ev[0]["duration_s"] == pytest.approx(0.3, abs=0.01)


def test_two_tones_relative_timing(desktop, tmp_path):
    wav = str(tmp_path / "two.wav")
    a, b = str(tmp_path / "a.wav"), str(tmp_path / "b.wav")
    _sox(a, "synth", "0.3", "sine", "440", "vol", "0.5", "pad", "0", "0.2")
    _sox(b, "synth", "0.15", "sine", "880", "vol", "0.3")
    subprocess.run(["sox", a, b, wav], check=True)
    rec, _, _ = _play_and_record(desktop, ["paplay", wav])
    ev = rec.events()
    assert len(ev) == 2, ev
    assert ev[1]["onset_wallclock"] - ev[0]["onset_wallclock"] == pytest.approx(0.5, abs=0.01)
    assert ev[0]["freq_hz"] == pytest.approx(440, rel=0.05)
    assert ev[1]["freq_hz"] == pytest.approx(880, rel=0.05)
    assert ev[1]["duration_s"] == pytest.approx(0.15, abs=0.04)


def test_alsa_client_plays_into_null_sink(desktop, tmp_path):
    """The app uses cpal -> ALSA 'default' -> pulse plugin: aplay takes that path."""
    wav = str(tmp_path / "alsa.wav")
    _sox(wav, "synth", "0.25", "sine", "660", "vol", "0.5")
    rec, _, _ = _play_and_record(desktop, ["aplay", "-q", "-D", "default", wav])
    ev = rec.events()
    assert len(ev) == 1, ev
    assert ev[0]["freq_hz"] == pytest.approx(660, rel=0.05)
    assert ev[0]["duration_s"] == pytest.approx(0.25, abs=0.04)


def test_pulse_missing_then_appearing(desktop, tmp_path):
    wav = str(tmp_path / "t.wav")
    _sox(wav, "synth", "0.1", "sine", "440")
    desktop.stop_pulse()
    assert subprocess.run(["paplay", wav], env=desktop.env, capture_output=True, timeout=10).returncode != 0
    desktop.start_pulse()
    subprocess.run(["paplay", wav], env=desktop.env, check=True, timeout=10)


# --------------------------------------------------------------------------
# windows
# --------------------------------------------------------------------------

def test_window_find_focus_key_and_ocr(desktop):
    desktop.spawn(["xmessage", "-title", "harness-window", "-fn", "10x20", "-default", "okay",
                   "-geometry", "+100+100", "Time to stretch your legs"], name="xmessage")
    win = desktop.wait_window("^harness-window$")
    assert desktop.window_name(win) == "harness-window"
    geo = desktop.window_geometry(win)
    assert geo["x"] == 100 and geo["y"] == 100 and geo["width"] > 100 and geo["height"] > 20

    text = desktop.ocr(desktop.screenshot())
    assert "stretch" in text.lower(), text

    desktop.focus(win)
    desktop.key("Return")  # xmessage's -default button: Return closes it
    desktop.wait_window_gone("^harness-window$")


# --------------------------------------------------------------------------
# /proc helpers and process cleanup
# --------------------------------------------------------------------------

def test_process_helpers_and_group_kill(desktop):
    p = desktop.spawn(["sh", "-c", "sleep 60 & sleep 60 & wait"], name="tree")
    tree = wait_for(lambda: len(desk.proc_tree(p.pid)) == 3 and desk.proc_tree(p.pid), what="3 processes")
    assert tree[0] == p.pid
    assert desk.pss_kb(tree) > 0
    assert desk.rss_kb(p.pid) >= desk.pss_kb(p.pid)
    assert desk.ctx_switches(tree) > 0
    assert desk.cpu_seconds(tree) >= 0
    assert desk.thread_count(tree) == 3
    p.stop()
    assert desk.group_members(p.pid) == []
    assert all(desk._proc_stat(pid) is None or desk._proc_stat(pid)[0] == "Z" for pid in tree)
