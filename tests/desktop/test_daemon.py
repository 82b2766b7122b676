"""limber on a real headless desktop: the tray over StatusNotifierItem and dbusmenu, the
reminder in dunst, the card window read back by OCR, the cue recorded from a null sink."""

import os
import signal
import subprocess
import time

import desk
from app import BIN, FAST, Limber
from desk import wait_for

MENU = ["Take a break now", "Snooze", "Skip next break", "Pause", "Resume", "Show next stretch",
        "Statistics", "Open settings", "Start at login", "Quit"]


def labels(item):
    return [e["label"] for e in item.menu_layout()]


def enabled(item, prefix):
    return item.menu_item(prefix)["enabled"]


def test_tray_registers_with_its_menu_and_tooltip(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "10m"})
    assert app.item.owner_pid() == app.pid
    items = labels(app.item)
    for want in MENU + ["30 minutes", "1 hour", "2 hours", "Until tomorrow"]:
        assert any(label.startswith(want) for label in items), (want, items)
    assert items[0].startswith("Sitting 0 min, break in 10 min"), items
    assert not enabled(app.item, "Resume")
    assert enabled(app.item, "Snooze")
    props = app.item.properties()
    assert props["ToolTip"]["title"] == "limber"
    assert "break in 10 min" in props["ToolTip"]["description"]
    assert [(w, h) for w, h, _ in app.item.icon_pixmaps()] == [(32, 32)]


def test_due_reminder_names_the_stretch_with_its_figures(desktop, app_env):
    app = Limber(desktop, app_env, FAST)
    n = desktop.wait_notification("Time to move", timeout=10)
    assert "Stand up and move for 20 s." in n["body"]
    assert "Next stretch: Neck tilt with holds (hold 10 s each side)." in n["body"]
    call = desktop.notify_calls()[-1]
    assert call["app_name"] == "limber"
    assert [k for k, _ in call["actions"]] == ["default", "start", "snooze", "skip"]
    assert app.status()["state"] == "due"
    wait_for(lambda: labels(app.item)[0] == "Break due", what="tray says Break due")


def test_start_opens_the_card_and_keys_drive_it(desktop, app_env):
    app = Limber(desktop, app_env, FAST)
    desktop.wait_notification("Time to move", timeout=10)
    desktop.invoke_action("start")
    win = app.card()
    app.wait_state("on_break")
    wait_for(lambda: desktop.close_calls() or desktop.closed_signals(), what="the reminder closed")
    text = desktop.ocr(desktop.screenshot(window=win))
    for want in ["Neck tilt with holds", "hold 10 s each side", "0:10", "Left side: hold 10 s", "Stage 1 of 2"]:
        assert want in text, (want, text)
    desktop.focus(win)
    desktop.key("space")
    app.wait_log(r"card: StartHold")
    wait_for(lambda: any(t in desktop.ocr(desktop.screenshot(window=win)) for t in ("0:09", "0:08", "0:07")),
             timeout=8, what="the countdown running")
    desktop.key("n")
    app.wait_log(r"card: Next")
    wait_for(lambda: "Right side" in desktop.ocr(desktop.screenshot(window=win)), what="stage 2 on the card")
    desktop.key("Return")
    app.wait_state("sitting")
    desktop.wait_window_gone("^limber: ")
    assert [e["kind"] for e in app.history()][-1] == "taken"


def test_snooze_delays_the_next_reminder_by_the_snooze_length(desktop, app_env):
    app = Limber(desktop, app_env, FAST)
    desktop.wait_notification("Time to move", timeout=10)
    desktop.invoke_action("snooze")
    app.wait_log(r"notification: Snooze")
    snoozed_at = app.log_time(r"notification: Snooze")
    assert app.wait_state("snoozed")["snoozes_left"] == 2
    wait_for(lambda: len(desktop.notify_calls()) >= 2, timeout=10, what="the reminder after the snooze")
    again = desktop.notify_calls()[1]["t"]
    assert 4.0 <= again - snoozed_at < 5.0, again - snoozed_at
    assert "snoozed" in [e["kind"] for e in app.history()]


def test_skip_starts_sitting_again(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "4s"})
    desktop.wait_notification("Time to move", timeout=10)
    desktop.invoke_action("skip")
    s = app.wait_state("sitting")
    assert s["sitting_seconds"] <= 1
    assert [e["kind"] for e in app.history()] == ["due", "skipped"]


def test_tray_menu_clicks_change_what_limber_does(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "30m", "snooze": "10m"})
    app.item.click("Snooze 10 min")
    assert app.wait_state("snoozed")["next_break_in_seconds"] >= 39 * 60
    app.item.click("Skip next break")
    app.wait_state("sitting")
    app.item.click("30 minutes")
    s = app.wait_state("paused")
    assert s["until"] is not None
    wait_for(lambda: enabled(app.item, "Resume") and not enabled(app.item, "Pause"), what="Resume enabled")
    app.item.click("Resume")
    app.wait_state("sitting")
    app.item.click("Take a break now")
    app.card()
    app.wait_state("on_break")
    wait_for(lambda: not enabled(app.item, "Take a break now"), what="break now disabled on a break")
    app.item.click("Quit")
    assert app.proc.wait(10) == 0
    wait_for(lambda: not desktop.watcher_items(), what="the tray item gone")


def test_hold_end_cue_is_heard_after_the_hold_ends(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    app.cli("break")
    win = app.card()
    rec = desktop.recorder()
    desktop.focus(win)
    desktop.key("space")
    app.wait_log(r"cue: HoldEnd", timeout=15)
    cued = app.log_time(r"cue: HoldEnd")
    # The tone lasts 0.3 s and reaches the sink within ~0.1 s: record a little past that.
    wait_for(lambda: time.time() > cued + 0.8, timeout=5, what="the cue to finish playing")
    rec.stop()
    started = app.log_time(r"card: StartHold")
    events = rec.events()
    assert len(events) == 1, events
    cue = events[0]
    assert abs(cue["freq_hz"] - 880) / 880 < 0.03, cue
    assert 0.2 < cue["duration_s"] < 0.45, cue
    late = cue["onset_wallclock"] - (started + 10.0)
    assert 0 <= late < 0.25, f"cue {late * 1000:.0f} ms after the hold's end"


def test_a_second_limber_says_so_and_leaves(desktop, app_env):
    Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    second = desktop.spawn([BIN, "run"], name="second", env=app_env)
    assert second.wait(10) == 4
    assert "already running" in second.log_text()


def test_without_a_notification_server_the_card_opens_instead(desktop, app_env):
    desktop.stop_dunst()
    app = Limber(desktop, app_env, FAST)
    app.wait_log(r"cannot show the reminder", timeout=15)
    app.card()
    assert app.wait_state("on_break")
    assert app.proc.alive()


def test_without_a_tray_host_it_runs_and_registers_when_one_appears(desktop, app_env):
    desktop.stop_watcher()
    app = Limber(desktop, app_env, FAST, tray=False)
    desktop.wait_notification("Time to move", timeout=10)
    desktop.start_watcher()
    item = desktop.tray_item(timeout=15)
    assert item.owner_pid() == app.pid


def test_without_an_audio_server_the_cue_is_skipped_with_a_warning(desktop, app_env):
    desktop.stop_pulse()
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    app.cli("break")
    win = app.card()
    desktop.focus(win)
    desktop.key("space")
    app.wait_log(r"no audio output", timeout=20)
    assert app.proc.alive()
    assert app.status()["state"] == "on_break"


def test_sigterm_saves_and_leaves_cleanly(desktop, app_env):
    app = Limber(desktop, app_env, FAST)
    desktop.wait_notification("Time to move", timeout=10)
    os.kill(app.pid, signal.SIGTERM)
    assert app.proc.wait(10) == 0
    wait_for(lambda: desktop.close_calls(), what="the reminder closed on the way out")
    wait_for(lambda: not desktop.watcher_items(), what="the tray item gone")
    assert os.path.exists(os.path.join(app.state_dir, "state.json"))


def test_first_run_says_hello_once(desktop, app_env):
    app = Limber(desktop, app_env)  # no settings file: a first run
    n = desktop.wait_notification("Welcome to limber", timeout=10)
    for want in ["lives in your tray", "After 1 h of sitting it reminds you to move for 2 min",
                 os.path.join(app.config_dir, "config.json"), "limber config default", "Not medical advice"]:
        assert want in n["body"], (want, n["body"])
    assert "first run: welcome shown" in app.log()
    app.cli("quit")
    app.proc.wait(10)
    again = Limber(desktop, app_env)
    again.status()  # answered after start-up, where the welcome would have been sent
    assert "welcome" not in again.log()
    assert len([n for n in desktop.notifications() if n["summary"] == "Welcome to limber"]) == 1


def test_statistics_and_start_at_login_from_the_tray(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    app.cli("skip")
    app.item.click("Statistics")
    win = desktop.wait_window("^limber: this week$")
    text = desktop.ocr(desktop.screenshot(window=win))
    assert "This week" in text and "Streak: 0 days" in text and "skipped" in text, text
    desktop.focus(win)
    desktop.key("Escape")
    desktop.wait_window_gone("^limber: this week$")
    entry = os.path.join(app_env["XDG_CONFIG_HOME"], "autostart", "limber.desktop")
    app.item.click("Start at login")
    wait_for(lambda: os.path.exists(entry), what="the autostart entry written")
    assert app.cli("autostart", "status").stdout.startswith("on: ")
    app.item.click("Start at login")
    wait_for(lambda: not os.path.exists(entry), what="the autostart entry removed")


def test_a_sound_file_replaces_the_cue(desktop, app_env, tmp_path):
    wav = str(tmp_path / "bell.wav")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", wav, "synth", "0.4", "sine", "440"], check=True)
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h", "sound": {"enabled": True, "volume": 0.8, "file": wav}})
    app.cli("break")
    win = app.card()
    rec = desktop.recorder()
    desktop.focus(win)
    desktop.key("space")
    desktop.key("space")  # end the hold at once: the cue plays now
    app.wait_log(r"cue: HoldEnd")
    cued = app.log_time(r"cue: HoldEnd")
    wait_for(lambda: time.time() > cued + 0.9, timeout=5, what="the sound to finish playing")
    rec.stop()
    [cue] = rec.events()
    assert abs(cue["freq_hz"] - 440) / 440 < 0.03, cue
    assert 0.3 < cue["duration_s"] < 0.5, cue
