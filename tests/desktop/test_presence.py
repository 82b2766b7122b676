"""Idle detection on X11: real input from xdotool keeps sitting time growing, and no input
for idle_reset is a natural break."""

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
