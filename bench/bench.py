"""Figures for limber on a real headless desktop: idle CPU and wakeups, memory with the card
closed, open and closed again, start-up time until the tray item is registered, how late a
due reminder reaches the notification server and how late the hold-end cue is heard.

Run through bench/run, which provides the private session bus."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "desktop"))

import desk  # noqa: E402
from desk import wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "limber")

# Nobody types on the benchmark display, so the timing runs tell idle detection to wait an
# hour; the idle figures use the defaults. A user catalogue with one short hold, so the cue can be timed many times quickly.
QUICK_HOLD = {
    "mode": "replace",
    "exercises": [{
        "id": "bench-hold", "name": "Bench hold", "areas": ["neck"], "position": "either",
        "equipment": "none", "steps": ["Hold still."], "hold_seconds": 2, "sides": "none",
        "caution": "None.",
    }],
}


def fresh_env(d, config, catalogue=None):
    home = tempfile.mkdtemp(prefix="bench-home-", dir=d.root)
    env = dict(d.env, HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_STATE_HOME=f"{home}/.local/state",
               XDG_DATA_HOME=f"{home}/.local/share", XDG_RUNTIME_DIR=f"{home}/run", RUST_LOG="info,zbus=warn")
    os.makedirs(f"{home}/.config/limber")
    os.makedirs(f"{home}/run", mode=0o700)
    with open(f"{home}/.config/limber/config.json", "w") as f:
        json.dump(config, f)
    if catalogue:
        with open(f"{home}/.config/limber/exercises.json", "w") as f:
            json.dump(catalogue, f)
    return env


def cli(env, *args):
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=15, check=True)


def log_time(proc, needle, after=0.0):
    """Wall-clock time of the first log line containing needle, logged after `after`."""
    from datetime import datetime
    for line in proc.log_text().splitlines():
        if needle in line:
            t = datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
            if t > after:
                return t
    return None


def let_time_pass(seconds):
    """Measuring over a window means letting it pass; nothing is asserted on the way."""
    end = time.time() + seconds
    wait_for(lambda: time.time() >= end, timeout=seconds + 5, interval=min(1.0, seconds / 10))


def start(d, env, name="limber"):
    t0 = time.time()
    proc = d.spawn([BIN, "run"], name=name, env=env, scope="session")
    wait_for(lambda: any(it.owner_pid() == proc.pid for it in d.tray_items()), timeout=20, interval=0.01,
             what="tray registered")
    return proc, time.time() - t0


def idle(pid, settle=10.0, window=60.0):
    """CPU seconds and wakeups per minute of the process tree over `window` after `settle`."""
    let_time_pass(settle)
    c0, w0, t0 = desk.cpu_seconds(pid), desk.ctx_switches(pid), time.time()
    let_time_pass(window)
    c1, w1, t1 = desk.cpu_seconds(pid), desk.ctx_switches(pid), time.time()
    minutes = (t1 - t0) / 60
    return {"cpu_s_per_min": (c1 - c0) / minutes, "wakeups_per_min": (w1 - w0) / minutes,
            "pss_kb": desk.pss_kb(pid), "rss_kb": desk.rss_kb(pid), "threads": desk.thread_count(pid)}


def reminder_lateness(d, rounds):
    env = fresh_env(d, {"sit_limit": "3s", "break_length": "20s", "remind_again": "1h", "idle_reset": "1h"})
    proc, _ = start(d, env, "limber-notify")
    late = []
    for _ in range(rounds):
        before = len(d.notify_calls(all=True))
        mark = time.time()
        cli(env, "skip")
        skipped = wait_for(lambda: log_time(proc, "control: Skip", mark), what="skip logged")
        wait_for(lambda: len(d.notify_calls(all=True)) > before, timeout=10, what="the reminder")
        late.append(d.notify_calls(all=True)[before]["t"] - (skipped + 3.0))
    proc.stop()
    return late


def cue_lateness(d, rounds):
    env = fresh_env(d, {"sit_limit": "1h", "break_length": "30s", "idle_reset": "1h"}, QUICK_HOLD)
    proc, _ = start(d, env, "limber-cue")
    late = []
    for _ in range(rounds):
        cli(env, "break")
        win = d.wait_window("^limber: ")
        rec = d.recorder()
        mark = time.time()
        d.focus(win)
        d.key("space")
        held = wait_for(lambda: log_time(proc, "card: StartHold", mark), what="hold started")
        cued = wait_for(lambda: log_time(proc, "cue: HoldEnd", mark), timeout=10, what="cue")
        let_time_pass(max(0.0, cued + 0.8 - time.time()))
        rec.stop()
        events = rec.events()
        if events:
            late.append(events[0]["onset_wallclock"] - (held + 2.0))
        cli(env, "skip")
        d.wait_window_gone("^limber: ")
    proc.stop()
    return late


def card_memory(d):
    env = fresh_env(d, {"sit_limit": "1h", "break_length": "2m"})
    proc, _ = start(d, env, "limber-card")
    let_time_pass(5)
    closed = desk.pss_kb(proc.pid)
    cli(env, "break")
    d.wait_window("^limber: ")
    let_time_pass(2)
    opened = desk.pss_kb(proc.pid), desk.rss_kb(proc.pid)
    cli(env, "skip")
    d.wait_window_gone("^limber: ")
    let_time_pass(3)
    after = desk.pss_kb(proc.pid), desk.rss_kb(proc.pid)
    proc.stop()
    return {"pss_closed_kb": closed, "pss_open_kb": opened[0], "rss_open_kb": opened[1],
            "pss_after_close_kb": after[0], "rss_after_close_kb": after[1]}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", help="write the figures to this file as JSON")
    ap.add_argument("--idle", type=float, default=60.0, help="idle window in seconds (default 60)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds for the lateness figures (default 5)")
    args = ap.parse_args()
    d = desk.Desktop()
    try:
        d.start()
        env = fresh_env(d, {"sit_limit": "1h"})
        proc, startup = start(d, env)
        figures = {"startup_s": startup, **idle(proc.pid, window=args.idle)}
        proc.stop()
        figures.update(card_memory(d))
        notify = reminder_lateness(d, args.rounds)
        cue = cue_lateness(d, args.rounds)
        figures["notify_late_ms"] = {"median": statistics.median(notify) * 1000, "max": max(notify) * 1000}
        figures["cue_late_ms"] = {"median": statistics.median(cue) * 1000, "max": max(cue) * 1000, "heard": len(cue)} if cue else None
        figures["binary_bytes"] = os.path.getsize(BIN)
    finally:
        d.close()
        shutil.rmtree(d.root, ignore_errors=True)
    print(f"limber {subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"start-up until the tray is registered: {figures['startup_s'] * 1000:.0f} ms")
    print(f"idle: {figures['cpu_s_per_min']:.4f} CPU s/min, {figures['wakeups_per_min']:.1f} wakeups/min, "
          f"{figures['threads']} threads")
    print(f"memory, card closed: PSS {figures['pss_kb'] / 1024:.1f} MB, RSS {figures['rss_kb'] / 1024:.1f} MB")
    print(f"memory, card open: PSS {figures['pss_open_kb'] / 1024:.1f} MB, RSS {figures['rss_open_kb'] / 1024:.1f} MB")
    print(f"memory, card closed again: PSS {figures['pss_after_close_kb'] / 1024:.1f} MB, "
          f"RSS {figures['rss_after_close_kb'] / 1024:.1f} MB")
    n = figures["notify_late_ms"]
    print(f"reminder after its deadline: median {n['median']:.1f} ms, worst {n['max']:.1f} ms ({args.rounds} rounds)")
    c = figures["cue_late_ms"]
    if c:
        print(f"cue after the hold's end: median {c['median']:.1f} ms, worst {c['max']:.1f} ms "
              f"(heard {c['heard']} of {args.rounds} holds)")
    print(f"release binary: {figures['binary_bytes'] / 1e6:.1f} MB (stripped)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
