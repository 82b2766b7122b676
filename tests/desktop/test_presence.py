"""Idle detection on X11: real input from xdotool keeps sitting time growing, and no input
for idle_reset is a natural break; reading mode from the tray; working hours."""

import itertools

from app import FAST, Limber
from desk import wait_for


def test_input_keeps_sitting_and_idle_is_a_natural_break(desktop, app_env):
    moves = itertools.count()

    def touch():
        n = next(moves)
        desktop.mousemove(100 + n % 50, 100)
        return n

    touch()
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h", "idle_reset": "3s"})
    assert app.status()["idle_backend"] == "x11 MIT-SCREEN-SAVER"
    # Input every half second: present, and sitting grows past the idle limit.
    wait_for(lambda: touch() is not None and app.status()["sitting_seconds"] >= 5, timeout=15, interval=0.5,
             what="sitting to grow under input")
    assert app.status()["present"]
    assert "natural" not in [e["kind"] for e in app.history()]
    # No input: within idle_reset and one sample, a natural break.
    s = wait_for(lambda: (s := app.status())["present"] is False and s, timeout=10, what="the user seen away")
    assert s["sitting_seconds"] == 0 and s["state"] == "sitting"
    assert [e["kind"] for e in app.history()] == ["natural"]
    assert app.history()[0]["sat"] >= 5
    # Back at the desk: present again, sitting counted from the first input.
    touch()
    wait_for(lambda: app.status()["present"], timeout=10, what="the user seen back")


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


def _day(offset_days=0):
    import datetime
    d = datetime.datetime.now().astimezone() + datetime.timedelta(days=offset_days)
    return ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d.weekday()]


def test_outside_working_hours_no_reminder_is_scheduled(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"working_hours": {_day(1): "09:00-17:00"}})
    s = app.wait_state("outside_hours")
    assert s["text"] == "Outside working hours (until tomorrow 09:00)", s
    assert s["next_break_in_seconds"] is None and s["sitting_seconds"] == 0
    def tip():
        t = app.item.properties()["ToolTip"]
        return t["title"] + "|" + t["description"]
    wait_for(lambda: "Outside working hours" in tip(), timeout=10, what=f"the tray's tooltip; now {tip()!r}")
    assert app.item.menu_item("Outside working hours")["enabled"] is False


def test_inside_working_hours_reminders_come(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"working_hours": {_day(0): "00:00-24:00"}})
    app.wait_state("due", timeout=15)
    assert "reminder:" in app.log()
