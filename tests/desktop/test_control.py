"""The command line and the control socket against a real daemon: one instance, every
subcommand, bad and foreign requests, crash safety, live settings, watch, stats, autostart."""

import glob
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from app import BIN, FAST, Limber
from desk import wait_for

COMMANDS = [["status"], ["status", "--json"], ["break"], ["snooze"], ["snooze", "5m"], ["skip"], ["pause"],
            ["pause", "30m"], ["pause", "--until-tomorrow"], ["resume"], ["quit"], ["watch"]]


def run(env, *args, timeout=15):
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=timeout)


def raw(sock_path, payload: bytes, timeout=5.0):
    """Sends bytes on the control socket and returns the reply line."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(sock_path)
    s.sendall(payload)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)


def socket_path(env):
    return os.path.join(env["XDG_RUNTIME_DIR"], "limber", "limber.sock")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_says_when_limber_is_not_running(app_env, args):
    r = run(app_env, *args)
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert "limber is not running" in r.stderr


def test_bad_usage_exits_2(app_env):
    assert run(app_env, "snooze", "ten").returncode == 2
    assert run(app_env, "pause", "5m", "--until-tomorrow").returncode == 2
    assert run(app_env, "dance").returncode == 2


def test_every_command_against_a_running_limber(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h", "snooze": "10m"})
    s = app.status()
    assert s["state"] == "sitting" and s["pid"] == app.pid and 3590 <= s["next_break_in_seconds"] <= 3600
    assert s["next_exercise"] == {"id": "neck-tilt-hold", "name": "Neck tilt with holds"}
    assert s["idle_backend"]
    human = app.cli("status").stdout
    assert "Sitting 0 min, break in 60 min" in human and "Neck tilt with holds" in human
    app.cli("snooze", "5m")
    s = app.wait_state("snoozed")
    assert 64 * 60 <= s["next_break_in_seconds"] <= 65 * 60 and s["until"]
    app.cli("skip")
    app.wait_state("sitting")
    app.cli("pause", "30m")
    assert app.wait_state("paused")["until"]
    app.cli("resume")
    app.wait_state("sitting")
    app.cli("pause", "--until-tomorrow")
    until = app.wait_state("paused")["until"]
    assert until.endswith("Z") or "+" in until
    app.cli("pause")
    assert app.wait_state("paused")["until"] is None
    app.cli("resume")
    app.cli("break")
    app.wait_state("on_break")
    app.card()
    app.cli("skip")
    app.wait_state("sitting")
    app.cli("quit")
    assert app.proc.wait(10) == 0


def test_bad_oversized_unknown_and_foreign_requests_get_errors(desktop, app_env, tmp_path_factory):
    # A runtime directory another user can traverse to, so the test reaches the socket's
    # own protections (the per-test temp dirs are private to root).
    runtime = tempfile.mkdtemp(prefix="limber-run-", dir="/tmp")
    os.chmod(runtime, 0o711)
    app_env = dict(app_env, XDG_RUNTIME_DIR=runtime)
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    path = socket_path(app_env)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"
    for payload, needle in [(b"hello\n", "not JSON"), (b'{"v":1,"cmd":"dance"}\n', "unknown variant"),
                            (b'{"v":9,"cmd":"status"}\n', "version 9"), (b'{"cmd":"status"}\n', "missing protocol version"),
                            (b'{"v":1,"cmd":"skip","now":true}\n', "unknown field"),
                            (b'{"v":1,"cmd":"status","pad":"' + b"x" * 70_000 + b'"}\n', "too large")]:
        reply = raw(path, payload)
        assert reply["ok"] is False and needle in reply["error"], (payload[:40], reply)
    assert app.proc.alive()
    assert raw(path, b'{"v":1,"cmd":"status"}\n')["ok"] is True
    # Another user cannot even reach the private directory...
    r = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c",
                        f"import socket; s=socket.socket(socket.AF_UNIX); s.connect({path!r})"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr, r.stderr
    # ...and if the permissions were opened up, the daemon still refuses by credentials.
    os.chmod(os.path.dirname(path), 0o711)
    os.chmod(path, 0o666)
    r = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c",
                        "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
                        "print(s.recv(4096).decode())", path],
                       capture_output=True, text=True, timeout=10)
    assert "refused" in r.stdout, (r.stdout, r.stderr)
    assert app.proc.alive()


def test_limber_opens_no_network_socket(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    inodes = {os.readlink(f)[8:-1] for f in glob.glob(f"/proc/{app.pid}/fd/*") if os.readlink(f).startswith("socket:")}
    for table in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/net/{table}") as f:
            rows = [line.split() for line in f.readlines()[1:]]
        assert not inodes & {r[9] for r in rows}, f"a {table} socket is open"


def test_state_survives_restarts_and_kill_9(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    app.cli("pause", "2h")
    until = app.wait_state("paused")["until"]
    app.cli("quit")
    app.proc.wait(10)
    again = Limber(desktop, app_env)
    s = again.status()
    assert s["state"] == "paused" and s["until"] == until, s
    again.cli("resume")
    # Hard kills at random moments while state and history are being written.
    rng = random.Random(7)
    for _ in range(8):
        again.cli("skip")
        again.cli("snooze", "1m")
        time.sleep(rng.uniform(0, 0.05))  # the randomness is the point: kill mid-write
        os.kill(again.pid, signal.SIGKILL)
        again.proc.wait(5)
        with open(os.path.join(again.state_dir, "state.json")) as f:
            json.load(f)
        assert not glob.glob(os.path.join(again.state_dir, "state.json.corrupt-*"))
        again = Limber(desktop, app_env)
    with open(os.path.join(again.data_dir, "history.jsonl")) as f:
        lines = f.read().splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds.count("skipped") >= 8 and kinds.count("snoozed") >= 8, kinds


def test_a_corrupt_state_file_is_set_aside(desktop, app_env):
    state = os.path.join(app_env["XDG_STATE_HOME"], "limber")
    os.makedirs(state)
    with open(os.path.join(state, "state.json"), "w") as f:
        f.write('{"version": 1, "at": 17')
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    app.wait_log("could not be read")
    [kept] = glob.glob(os.path.join(state, "state.json.corrupt-*"))
    assert open(kept).read() == '{"version": 1, "at": 17'
    assert app.status()["state"] == "sitting"


def test_live_settings_edits_apply_and_broken_ones_are_reported(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    config = os.path.join(app.config_dir, "config.json")
    tmp = config + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"sit_limit": "2h"}, f)
    os.rename(tmp, config)  # how editors save
    wait_for(lambda: app.status()["next_break_in_seconds"] > 3600, what="the new limit in force")
    with open(config, "w") as f:
        f.write('{\n  "sit_limit": "2h",\n  "snoze": "5m"\n}\n')
    n = desktop.wait_notification("settings not applied", timeout=10)
    assert "config.json:3:3: snoze: unknown setting" in n["body"], n["body"]
    assert app.status()["next_break_in_seconds"] > 3600, "the last good settings stay"
    assert open(config).read().startswith('{\n  "sit_limit": "2h"'), "the user's file is left as it is"
    with open(config, "w") as f:
        f.write('{"sit_limit": "2h", "snoze": "5m"}')
    wait_for(lambda: len([n for n in desktop.notifications() if "not applied" in n["summary"]]) == 2,
             what="the second, different, broken save reported")
    assert "config.json:1:21: snoze" in desktop.notifications()[-1]["body"]


def test_watch_prints_a_line_on_every_change(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "1h"})
    watch = subprocess.Popen([BIN, "watch"], env=app_env, stdout=subprocess.PIPE, text=True)
    states = []
    # Read on a thread: a blocking readline could not be given a deadline.
    reader = threading.Thread(target=lambda: [states.append(json.loads(line)["state"]) for line in watch.stdout],
                              daemon=True)
    reader.start()
    try:
        wait_for(lambda: states[:1] == ["sitting"], what="the first line")
        for command, state in [(("snooze", "5m"), "snoozed"), (("pause", "10m"), "paused"), (("resume",), "sitting")]:
            app.cli(*command)
            wait_for(lambda: states[-1] == state, what=f"{state} after {command}; lines: {states}")
        app.cli("quit")
        assert watch.wait(10) == 0, "watch ends with the daemon"
    finally:
        watch.kill()


def test_stats_count_what_happened(desktop, app_env):
    app = Limber(desktop, app_env, FAST | {"sit_limit": "2s", "break_length": "1m"})
    desktop.wait_notification("Time to move", timeout=10)
    app.cli("snooze", "1s")
    wait_for(lambda: len(desktop.notify_calls()) >= 2, what="the reminder after the snooze")
    app.cli("skip")
    app.wait_state("sitting")
    today = json.loads(app.cli("stats", "--json", "--days", "3").stdout)["days"][-1]
    assert (today["due"], today["snoozed"], today["skipped"]) == (1, 1, 1), today
    table = app.cli("stats").stdout
    assert "streak: 0 days" in table and "SKIPPED" in table


def test_autostart_on_off(app_env):
    assert run(app_env, "autostart", "status").stdout.strip() == "off"
    r = run(app_env, "autostart", "on")
    path = os.path.join(app_env["XDG_CONFIG_HOME"], "autostart", "limber.desktop")
    assert r.returncode == 0 and os.path.exists(path)
    v = subprocess.run(["desktop-file-validate", path], capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr
    assert run(app_env, "autostart", "status").stdout.startswith("on: ")
    run(app_env, "autostart", "off")
    assert not os.path.exists(path)
