"""Starting limber on the test desktop and asking it how it is doing."""

import json
import os
import re
import subprocess
from datetime import datetime

from desk import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("LIMBER_BIN", os.path.join(ROOT, "target", "debug", "limber"))

# Seconds instead of minutes, so a break comes due within a test. Nobody types on the
# test display: idle detection is told to wait an hour unless a test is about it.
FAST = {"sit_limit": "3s", "break_length": "20s", "remind_again": "60s", "snooze": "4s", "idle_reset": "1h"}


class Limber:
    def __init__(self, desktop, env, config=None, tray=True, args=("run",)):
        self.desktop, self.env = desktop, env
        self.config_dir = os.path.join(env["XDG_CONFIG_HOME"], "limber")
        self.state_dir = os.path.join(env["XDG_STATE_HOME"], "limber")
        self.data_dir = os.path.join(env["XDG_DATA_HOME"], "limber")
        os.makedirs(self.config_dir, exist_ok=True)
        if config is not None:
            with open(os.path.join(self.config_dir, "config.json"), "w") as f:
                json.dump(config, f)
        env = dict(env, RUST_LOG=env.get("RUST_LOG", "info,zbus=warn"))
        self.proc = desktop.spawn([BIN, *args], name="limber", env=env)
        self.item = desktop.tray_item(timeout=15, match=None) if tray else None

    @property
    def pid(self):
        return self.proc.pid

    def cli(self, *args, check=True):
        r = subprocess.run([BIN, *args], env=self.env, capture_output=True, text=True, timeout=15)
        if check and r.returncode != 0:
            raise AssertionError(f"limber {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return r

    def status(self):
        return json.loads(self.cli("status", "--json").stdout)

    def wait_state(self, state, timeout=15):
        return wait_for(lambda: (s := self.status())["state"] == state and s, timeout=timeout,
                        what=f"state {state!r}; now {self.status()}")

    def log(self):
        return self.proc.log_text()

    def log_time(self, pattern):
        """Wall-clock time (epoch seconds) of the first log line matching pattern."""
        for line in self.log().splitlines():
            if re.search(pattern, line):
                stamp = line.split()[0]
                return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        return None

    def wait_log(self, pattern, timeout=15):
        return wait_for(lambda: re.search(pattern, self.log()), timeout=timeout,
                        what=f"log line /{pattern}/; log:\n{self.log()[-2000:]}")

    def history(self):
        path = os.path.join(self.data_dir, "history.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def card(self, timeout=15):
        return self.desktop.wait_window("^limber: ", timeout=timeout)
