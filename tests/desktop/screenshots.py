"""Real screenshots of limber for the README: the tray menu as a real StatusNotifierItem host
draws it (gtk-sni-tray), the reminder in dunst, and the card mid-hold.

Run with scripts/screenshots (it provides the private bus); writes docs/screenshots/*.png."""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import desk  # noqa: E402
from desk import wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "docs", "screenshots")
BIN = os.path.join(ROOT, "target", "debug", "limber")


def crop(src, dst, geometry):
    subprocess.run(["convert", src, "-crop", geometry, "+repage", dst], check=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    d = desk.Desktop()
    try:
        d.start()
        # A real tray host instead of the test stand-in, so the menu is drawn as users see it.
        d.stop_watcher()
        # NO_AT_BRIDGE: the private bus activates no services, and GTK would wait for the
        # accessibility bus.
        d.spawn(["gtk-sni-tray-standalone", "--top", "--end", "-w", "-s", "32"], name="sni-tray",
                env=dict(d.env, NO_AT_BRIDGE="1"), scope="session")
        home = os.path.join(d.root, "shots-home")
        env = dict(d.env, HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_STATE_HOME=f"{home}/.local/state",
                   XDG_DATA_HOME=f"{home}/.local/share", XDG_RUNTIME_DIR=f"{home}/run")
        os.makedirs(f"{home}/.config/limber")
        os.makedirs(f"{home}/run", mode=0o700)
        config = f"{home}/.config/limber/config.json"
        with open(config, "w") as f:
            json.dump({"sit_limit": "1h", "break_length": "2m"}, f)
        app = d.spawn([BIN, "run"], name="limber", env=env, scope="session")
        wait_for(lambda: d.name_owner("org.kde.StatusNotifierWatcher"), what="the tray host's watcher")
        wait_for(lambda: "limber" in app.log_text() and d.watcher_items(), timeout=15, what="limber in the tray")
        bar = wait_for(lambda: (subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "gtk-sni-tray"], capture_output=True,
                                               text=True).stdout.split() or [None])[0], what="the tray bar")
        geo = d.window_geometry(int(bar))
        # The icon sits at the bar's end; a right click opens limber's menu.
        x, y = geo["x"] + geo["width"] - 18, geo["y"] + 16
        d.click_at(x, y, button=3)
        menu = os.path.join(d.root, "tray-menu.png")

        def menu_drawn():
            crop(d.screenshot(), menu, f"270x275+{max(0, x - 252)}+0")
            return "Take a break now" in d.ocr(menu)

        wait_for(menu_drawn, timeout=10, what="the menu drawn")
        shutil.copy(menu, OUT)
        d.key("Escape")
        # Bring a break due by editing the settings live.
        with open(config, "w") as f:
            json.dump({"sit_limit": "2s", "break_length": "2m"}, f)
        d.wait_notification("Time to move", timeout=15)
        note = os.path.join(d.root, "notification.png")

        def note_drawn():
            crop(d.screenshot(), note, "340x100+684+40")
            return "Time to move" in d.ocr(note)

        wait_for(note_drawn, timeout=10, what="the reminder drawn")
        shutil.copy(note, OUT)
        d.invoke_action("start")
        win = d.wait_window("^limber: ")
        d.focus(win)
        d.key("space")
        card = os.path.join(d.root, "card.png")
        wait_for(lambda: "0:0" in d.ocr(d.screenshot(path=card, window=win)), timeout=10, what="the countdown running")
        shutil.copy(card, OUT)
        print(f"wrote {', '.join(sorted(os.listdir(OUT)))} in {OUT}")
    except BaseException:
        print(d.report(d.procs), file=sys.stderr)
        raise
    finally:
        d.close()
        shutil.rmtree(d.root, ignore_errors=True)


if __name__ == "__main__":
    main()
