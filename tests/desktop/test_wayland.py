"""Idle detection on Wayland, end to end, under a real compositor: Debian 12's sway 1.7,
headless, which offers org_kde_kwin_idle (not yet ext-idle-notify-v1). No input for
idle_reset is a natural break; a key typed with wtype (a virtual keyboard) is a return.

sway refuses to run as root, so it runs as `nobody` with a runtime dir of its own; limber
(root) reaches it through an absolute WAYLAND_DISPLAY."""

import glob
import os
import shutil
import socket
import stat
import subprocess
import tempfile

import pytest

from app import FAST, Limber
from desk import wait_for
from test_idle_backends import quiet_wakeups

SWAY_CONFIG = "output HEADLESS-1 resolution 800x600\n"

# scripts/test installs sway and wtype, so in CI a missing one is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    not os.environ.get("CI") and not (shutil.which("sway") and shutil.which("wtype") and shutil.which("runuser")),
    reason="needs Debian's sway and wtype (apt-get install sway wtype)")


class Sway:
    def __init__(self, desktop):
        # In /tmp, not in pytest's tmp_path: `nobody` must be able to reach it.
        self.runtime = tempfile.mkdtemp(prefix="limber-sway-")
        config = os.path.join(self.runtime, "config")
        with open(config, "w") as f:
            f.write(SWAY_CONFIG)
        for path in (self.runtime, config):
            shutil.chown(path, "nobody")
        os.chmod(self.runtime, stat.S_IRWXU)
        self.env = ["env", "-i", "PATH=/usr/bin:/bin", f"XDG_RUNTIME_DIR={self.runtime}"]
        self.proc = desktop.spawn(
            ["runuser", "-u", "nobody", "--", *self.env, "WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1",
             "WLR_RENDERER=pixman", "sway", "-c", config], name="sway")
        self.socket = wait_for(self._listening, timeout=15, what="sway's Wayland socket")

    def _listening(self):
        assert self.proc.alive(), f"sway exited:\n{self.proc.log_text()}"
        for path in glob.glob(os.path.join(self.runtime, "wayland-*")):
            if not path.endswith(".lock"):
                with socket.socket(socket.AF_UNIX) as s:
                    if s.connect_ex(path) == 0:
                        return path
        return None

    def type(self, text):
        """Types as `nobody` through a virtual keyboard: input the compositor counts."""
        subprocess.run(["runuser", "-u", "nobody", "--", *self.env, f"WAYLAND_DISPLAY={self.socket}", "wtype", text],
                       check=True, timeout=10, capture_output=True)

    def close(self):
        self.proc.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture
def sway(desktop):
    s = Sway(desktop)
    yield s
    s.close()


def test_org_kde_kwin_idle_under_sway(desktop, app_env, sway):
    env = {k: v for k, v in app_env.items() if k != "DISPLAY"}
    env.update(WAYLAND_DISPLAY=sway.socket, XDG_SESSION_TYPE="wayland")
    sway.type("x")
    app = Limber(desktop, env, FAST | {"sit_limit": "1h", "idle_reset": "3s"})
    assert app.status()["idle_backend"] == "wayland org_kde_kwin_idle"
    assert "no ext_idle_notifier_v1" in app.log()
    # Typing every half second keeps the user here past idle_reset.
    wait_for(lambda: sway.type("a") is None and app.status()["sitting_seconds"] >= 5, timeout=15, interval=0.5,
             what="sitting to grow under input")
    assert app.status()["present"]
    assert app.history() == []
    # No input: the compositor says idle after idle_reset, a natural break.
    s = wait_for(lambda: (s := app.status())["present"] is False and s, timeout=10, what="the user seen away")
    assert s["sitting_seconds"] == 0
    assert [e["kind"] for e in app.history()] == ["natural"]
    assert app.history()[0]["sat"] >= 5
    assert quiet_wakeups(app) <= 3, "away and no input: nothing wakes the daemon"
    sway.type("b")
    wait_for(lambda: app.status()["present"], timeout=10, what="the user seen back")
