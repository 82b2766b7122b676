"""limber next to the break reminders packaged in Debian (Workrave, Safe Eyes, RSIBreak).

Run through bench/compare, which builds limber, installs the peers and calls this once per
app and round, each time under a fresh `dbus-run-session`:

  peers.py measure --app=NAME --round=N     one app, alone on a fresh private desktop; prints
                                            one JSON line (NAME: limber workrave safeeyes rsibreak)
  peers.py report --rounds F.jsonl ...      medians of the rounds -> docs/benchmarks.md and .json

Pass the app as --app=NAME, in one word: Safe Eyes decides "already running" when the
command line of any python process has a separate argument "safeeyes".

What one `measure` does:
  * a private system bus (a second dbus-daemon) so the peers find one, as on any desktop
    (Safe Eyes dies without it); the session bus comes from bench/compare and, unlike the
    test suite's, may activate services, so helpers a peer needs (dconf-service) start
  * desk.Desktop: Xvfb, dunst, StatusNotifierWatcher stand-in, PulseAudio null sink
  * the app with a fresh HOME and XDG dirs; start-up time until the tray item is registered
    (or, for an app that registers none, its first window); 10 s to settle, 60 s idle
  * over the idle window: CPU seconds and context switches of every thread of the app's
    process tree plus the services activated on the bus for it, including threads and
    processes that exit within the window (taskstats exit records, see TaskExits)
  * at the end of the window: PSS and RSS (smaps_rollup) and threads of the same processes
  * limber only, afterwards on the same desktop: bench.py's card memory, reminder and cue
    lateness, binary size
  * every process left on this run's buses is killed before the next run
"""

from __future__ import annotations

import argparse
import datetime
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "desktop"))

import bench  # noqa: E402  (bench/bench.py: limber's own figures)
import desk  # noqa: E402
from desk import wait_for  # noqa: E402

# bench/compare copies the binary it built here, so that a build by someone else during the
# run cannot swap the program between rounds.
if os.environ.get("LIMBER_BENCH_BIN"):
    bench.BIN = os.environ["LIMBER_BENCH_BIN"]

APPS = ("limber", "workrave", "safeeyes", "rsibreak")
TITLES = {"limber": "limber", "workrave": "Workrave", "safeeyes": "Safe Eyes", "rsibreak": "RSIBreak"}
DEBIAN_PACKAGES = {"workrave": "workrave", "safeeyes": "safeeyes", "rsibreak": "rsibreak"}
CLK_TCK = os.sysconf("SC_CLK_TCK")

SYSTEM_BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Written by bench/peers.py: a private stand-in for the system bus (no services on it;
     the apps only subscribe to logind's sleep signals there). -->
<busconfig>
  <type>system</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


# --------------------------------------------------------------------------
# Exit records from the kernel (taskstats)
# --------------------------------------------------------------------------

class TaskExits:
    """Per-thread exit records from the kernel's taskstats interface (generic netlink).

    /proc only shows live threads, so a helper process that lives 5 ms (Safe Eyes runs
    xprintidle every 2 s) or a worker thread that exits would take its context switches and
    CPU time with it. Registered for all CPUs, the kernel sends one record per exiting
    thread: tid, thread group id, parent process id, utime+stime, voluntary and
    involuntary context switches. Needs root (CAP_NET_ADMIN) and CONFIG_TASKSTATS.
    """

    NETLINK_GENERIC = 16
    GENL_ID_CTRL = 0x10
    CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
    CMD_GET, CMD_NEW, ATTR_REGISTER_CPUMASK = 1, 2, 3
    TYPE_STATS, TYPE_AGGR_PID = 3, 4
    # Offsets in struct taskstats (linux/taskstats.h; fields are only ever appended).
    OFF_COMM, OFF_PID, OFF_UTIME, OFF_NVCSW, OFF_TGID = 80, 128, 152, 272, 368

    def __init__(self):
        self.records: list[dict] = []
        self.lost = 0
        self._stop = False
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, self.NETLINK_GENERIC)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE: builds nearby exit a lot
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.sock.bind((0, 0))
        self.seq = 0
        self.family = self._family()
        self._send(self.family, self.CMD_GET,
                   self._attr(self.ATTR_REGISTER_CPUMASK, f"0-{os.cpu_count() - 1}\0".encode()))
        self.thread = threading.Thread(target=self._loop, name="taskstats", daemon=True)
        self.thread.start()

    @staticmethod
    def _attr(typ: int, payload: bytes) -> bytes:
        n = 4 + len(payload)
        return struct.pack("HH", n, typ) + payload + b"\0" * (((n + 3) & ~3) - n)

    @staticmethod
    def _attrs(buf: bytes):
        i = 0
        while i + 4 <= len(buf):
            n, typ = struct.unpack_from("HH", buf, i)
            if n < 4:
                return
            yield typ & 0x3FFF, buf[i + 4:i + n]
            i += (n + 3) & ~3

    def _send(self, typ: int, cmd: int, payload: bytes):
        self.seq += 1
        body = struct.pack("BBH", cmd, 1, 0) + payload
        self.sock.send(struct.pack("IHHII", 16 + len(body), typ, 1, self.seq, 0) + body)

    def _family(self) -> int:
        self._send(self.GENL_ID_CTRL, self.CTRL_CMD_GETFAMILY, self._attr(self.CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0"))
        data = self.sock.recv(65536)
        for typ, val in self._attrs(data[20:]):
            if typ == self.CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("H", val)[0]
        raise RuntimeError("the kernel has no TASKSTATS netlink family")

    def _loop(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError as e:
                if e.errno == errno.ENOBUFS:  # the socket overflowed: records were dropped
                    self.lost += 1
                    continue
                if self._stop:
                    return
                raise
            now = time.time()
            i = 0
            while i + 20 <= len(data):
                n, typ = struct.unpack_from("IH", data, i)
                if n < 16:
                    break
                if typ == self.family and data[i + 16] == self.CMD_NEW:
                    for t, v in self._attrs(data[i + 20:i + n]):
                        if t == self.TYPE_AGGR_PID:
                            for t2, v2 in self._attrs(v):
                                if t2 == self.TYPE_STATS and len(v2) >= self.OFF_TGID + 4:
                                    self.records.append(self._parse(v2, now))
                i += (n + 3) & ~3

    @classmethod
    def _parse(cls, b: bytes, now: float) -> dict:
        tid, ppid = struct.unpack_from("II", b, cls.OFF_PID)
        utime, stime = struct.unpack_from("QQ", b, cls.OFF_UTIME)  # microseconds
        nvcsw, nivcsw = struct.unpack_from("QQ", b, cls.OFF_NVCSW)
        (tgid,) = struct.unpack_from("I", b, cls.OFF_TGID)
        comm = b[cls.OFF_COMM:cls.OFF_COMM + 32].split(b"\0")[0].decode(errors="replace")
        return {"t": now, "tid": tid, "tgid": tgid, "ppid": ppid, "cpu_s": (utime + stime) / 1e6,
                "ctx": nvcsw + nivcsw, "inv": nivcsw, "comm": comm}

    def close(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()

    @classmethod
    def self_test(cls) -> None:
        """A child we start must show up with the right ids; otherwise the offsets are wrong."""
        ex = cls()
        try:
            child = subprocess.Popen(["/bin/sleep", "0.01"])
            child.wait()
            wait_for(lambda: any(r["tid"] == child.pid for r in ex.records), timeout=5, interval=0.01,
                     what="the taskstats exit record of a test child")
            r = next(r for r in ex.records if r["tid"] == child.pid)
            if (r["tgid"], r["ppid"], r["comm"]) != (child.pid, os.getpid(), "sleep") or r["ctx"] < 1:
                raise RuntimeError(f"taskstats record does not parse as expected: {r}")
        finally:
            ex.close()


# --------------------------------------------------------------------------
# Which processes belong to the app, and what they cost
# --------------------------------------------------------------------------

def _environ(pid: int) -> list[bytes]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def activated_by(bus_address: str) -> list[int]:
    """Processes the session bus started by D-Bus activation (DBUS_STARTER_ADDRESS = this bus),
    with their descendants. The bus is fresh for each app and round and the harness starts
    its own services directly, so anything activated there was asked for by the app."""
    needle = f"DBUS_STARTER_ADDRESS={bus_address}".encode()
    roots = [p for p in desk._all_pids() if needle in _environ(p)]
    out: list[int] = []
    for r in roots:
        for p in desk.proc_tree(r):
            if p not in out:
                out.append(p)
    return out


def app_processes(root: int, bus_address: str) -> tuple[list[int], list[int]]:
    """(the app's own process tree, processes activated on the bus for it, not in that tree)."""
    tree = desk.proc_tree(root)
    return tree, [p for p in activated_by(bus_address) if p not in tree]


def thread_counters(pids) -> dict[int, tuple[int, float, int, int]]:
    """tid -> (pid, CPU seconds, context switches, of which involuntary) for every live thread of pids."""
    out = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for t in tids:
            try:
                with open(f"/proc/{pid}/task/{t}/stat") as f:
                    stat = f.read()
                with open(f"/proc/{pid}/task/{t}/status") as f:
                    status = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
            counts = {k: int(v) for k, _, v in (line.partition(":") for line in status.splitlines())
                      if k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")}
            inv = counts.get("nonvoluntary_ctxt_switches", 0)
            out[int(t)] = (pid, cpu, counts.get("voluntary_ctxt_switches", 0) + inv, inv)
    return out


def comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def let_time_pass_until(deadline: float):
    if deadline > time.time():
        bench.let_time_pass(deadline - time.time())


def measure_idle(root: int, bus_address: str, window: float, side_pids: dict[str, int]) -> dict:
    """CPU, wakeups, memory and threads of the app over `window` seconds, from now."""
    exits = TaskExits()
    app0, act0 = app_processes(root, bus_address)
    c0 = thread_counters(app0 + act0)
    side0 = {k: desk.ctx_switches(p) for k, p in side_pids.items()}
    t0 = time.time()
    bench.let_time_pass(window)
    t1 = time.time()
    app1, act1 = app_processes(root, bus_address)
    c1 = thread_counters(app1 + act1)
    side1 = {k: desk.ctx_switches(p) for k, p in side_pids.items()}
    time.sleep(0.3)  # exit records of the last moments are still in flight
    exits.close()
    minutes = (t1 - t0) / 60

    # Exited threads: those of known processes, and of processes whose parent is known
    # (children, grandchildren...): repeat until nothing new joins.
    known = set(app0) | set(act0) | set(app1) | set(act1)
    records = [r for r in exits.records if t0 - 0.05 <= r["t"] <= t1 + 0.3]
    grew = True
    while grew:
        grew = False
        for r in records:
            if r["tgid"] not in known and r["ppid"] in known:
                known.add(r["tgid"])
                grew = True
    ours = [r for r in records if r["tgid"] in known and r["tid"] not in c1]

    cpu = ctx = inv = 0.0
    for tid, (_pid, c, x, i) in c1.items():
        _, c_0, x_0, i_0 = c0.get(tid, (0, 0.0, 0, 0))
        cpu += c - c_0
        ctx += x - x_0
        inv += i - i_0
    exited_ctx = exited_cpu = 0.0
    for r in ours:
        _, c_0, x_0, i_0 = c0.get(r["tid"], (0, 0.0, 0, 0))
        exited_cpu += r["cpu_s"] - c_0
        exited_ctx += r["ctx"] - x_0
        inv += r["inv"] - i_0
    live_before = set(app0) | set(act0)
    spawned = {r["tgid"] for r in ours if r["tgid"] not in live_before} | (set(app1) | set(act1)) - live_before
    pids = app1 + act1
    return {
        "cpu_s_per_min": (cpu + exited_cpu) / minutes,
        "wakeups_per_min": (ctx + exited_ctx) / minutes,
        "wakeups_exited_per_min": exited_ctx / minutes,
        "wakeups_involuntary_per_min": inv / minutes,
        "processes_started_per_min": len(spawned) / minutes,
        "spawned_comms": sorted({r["comm"] for r in ours if r["tgid"] not in live_before}),
        "pss_kb": desk.pss_kb(pids),
        "rss_kb": desk.rss_kb(pids),
        "threads": desk.thread_count(pids),
        "processes": len(pids),
        "pss_app_tree_kb": desk.pss_kb(app1),
        "activated": [{"pid": p, "comm": comm(p), "pss_kb": desk.pss_kb([p]), "threads": desk.thread_count([p])}
                      for p in act1],
        "process_list": [{"pid": p, "comm": comm(p), "pss_kb": desk.pss_kb([p]), "rss_kb": desk.rss_kb([p]),
                          "threads": desk.thread_count([p])} for p in pids],
        "side_wakeups_per_min": {k: (side1[k] - side0[k]) / minutes for k in side_pids},
        "window_s": t1 - t0,
        "taskstats_records": len(exits.records),
        "taskstats_overflows": exits.lost,
    }


# --------------------------------------------------------------------------
# Starting each app
# --------------------------------------------------------------------------

def peer_env(d: desk.Desktop) -> dict:
    """A fresh HOME and XDG dirs inside this desktop's temp root."""
    home = tempfile.mkdtemp(prefix="peer-home-", dir=d.root)
    env = dict(d.env, HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_DATA_HOME=f"{home}/.local/share",
               XDG_STATE_HOME=f"{home}/.local/state", XDG_CACHE_HOME=f"{home}/.cache",
               XDG_RUNTIME_DIR=f"{home}/run")
    for sub in (".config", ".local/share", ".local/state", ".cache"):
        os.makedirs(f"{home}/{sub}", exist_ok=True)
    os.makedirs(f"{home}/run", mode=0o700)
    return env


def owned_tray_item(d: desk.Desktop, pids: list[int]) -> str | None:
    for item in d.tray_items():
        try:
            if item.owner_pid() in pids:
                return item.item
        except Exception:  # noqa: BLE001 - the item's owner may be gone meanwhile
            continue
    return None


def start_peer(d: desk.Desktop, app: str) -> tuple[desk.Proc, float, str, dict]:
    """Start a peer; returns (proc, start-up seconds, criterion, extra timings)."""
    env = peer_env(d)
    argv = {"workrave": ["workrave"], "safeeyes": ["safeeyes"], "rsibreak": ["rsibreak"]}[app]
    extra: dict = {}
    t0 = time.time()
    proc = d.spawn(argv, name=app, env=env, scope="session")
    if app == "workrave":
        # Workrave 1.10 has no StatusNotifierItem: its tray icon is a GtkStatusIcon (XEmbed),
        # which needs an X tray manager; without one it shows its main (timer) window.
        def ready():
            if not proc.alive():
                raise AssertionError(f"workrave exited:\n{proc.log_text()[-2000:]}")
            if "dbus_name_s" not in extra and d.name_owner("org.workrave.Workrave"):
                extra["dbus_name_s"] = time.time() - t0
            return d.windows("^Workrave$")
        wait_for(ready, timeout=30, interval=0.01, what="Workrave's main window")
        startup = time.time() - t0
        criterion = "main window mapped (no StatusNotifierItem)"
    else:
        def ready():
            if not proc.alive():
                raise AssertionError(f"{app} exited:\n{proc.log_text()[-2000:]}")
            return owned_tray_item(d, desk.proc_tree(proc.pid))
        item = wait_for(ready, timeout=30, interval=0.01, what=f"{app}'s tray item")
        startup = time.time() - t0
        criterion = "StatusNotifierItem registered"
        extra["tray_item"] = item
    return proc, startup, criterion, extra


def after_start(d: desk.Desktop, app: str) -> dict:
    """Things a user would do right after the first start, within the settle time."""
    notes = {}
    if app == "rsibreak":
        # RSIBreak shows a welcome box 2 s after every start with a fresh HOME (its "don't show
        # again" flag is kept only with KDE's FrameworkIntegration plugin, not installed here).
        # Close it with the keyboard, as a user would.
        try:
            win = d.wait_window("^Welcome", timeout=8)
        except AssertionError:
            notes["welcome_dialog"] = "did not appear"
        else:
            d.focus(win)
            d.key("Return")
            d.wait_window_gone("^Welcome", timeout=5)
            notes["welcome_dialog"] = "closed with Return"
    return notes


# --------------------------------------------------------------------------
# One measurement run (one app, one round, one fresh desktop)
# --------------------------------------------------------------------------

def start_system_bus(tmp: str) -> tuple[subprocess.Popen, str]:
    conf = os.path.join(tmp, "system-bus.conf")
    with open(conf, "w") as f:
        f.write(SYSTEM_BUS_CONF)
    p = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork", "--print-address=1"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    address = p.stdout.readline().strip()
    if not address:
        raise RuntimeError("the private system bus did not start")
    return p, address


def kill_leftovers(addresses: list[str], spare: set[int]) -> list[str]:
    """Kill every process still attached to this run's buses (by environment), except `spare`.
    Returns their names. Nothing outside this run carries these bus addresses."""
    needles = [a.encode() for a in addresses if a]
    me = os.getpid()
    found = []
    for pid in desk._all_pids():
        if pid == me or pid in spare:
            continue
        env = _environ(pid)
        if any(v.endswith(b"=" + n) for v in env for n in needles):
            st = desk._proc_stat(pid)
            if st and st[0] != "Z":
                found.append(pid)
    names = [f"{comm(p)}({p})" for p in found]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in found:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + 3
        while time.time() < deadline and any(desk._proc_stat(p) and desk._proc_stat(p)[0] != "Z" for p in found):
            time.sleep(0.05)
    return names


class AtTheDesk:
    """Moves the pointer a pixel every `every` seconds in a screen corner, away from the card,
    while limber's card and lateness figures are taken: limber watches the X idle time and
    does not count sitting time (so sends no reminder) while nobody is at the desk.
    The idle window itself runs with no input at all."""

    def __init__(self, d: desk.Desktop, every: float = 2.0):
        self.d, self.every = d, every
        self._stop = threading.Event()
        self.moves = 0
        self.thread = threading.Thread(target=self._run, name="at-the-desk", daemon=True)

    def _run(self):
        while not self._stop.is_set():
            x, y = (1020, 764) if self.moves % 2 else (1021, 765)
            self.d._run(["xdotool", "mousemove", str(x), str(y)], check=False)
            self.moves += 1
            self._stop.wait(self.every)

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: self.moves > 0, timeout=5, interval=0.01, what="the first pointer move")
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(5)


def cue_lateness_one_recording(d: desk.Desktop, rounds: int) -> tuple[list[float | None], list[dict]]:
    """bench.cue_lateness, but with one recording running through all the holds instead of a
    recorder started just before each hold ends. Returns the lateness per hold (None: no sound
    from 0.3 s before the hold's end to 1.5 s after it; opening a card makes no sound and the
    next hold ends 2.8 s later at the earliest) and, per hold, every sound onset near it."""
    env = bench.fresh_env(d, {"sit_limit": "1h", "break_length": "30s"}, bench.QUICK_HOLD)
    proc, _ = bench.start(d, env, "limber-cue-rec")
    rec = d.recorder()
    holds = []
    for _ in range(rounds):
        bench.cli(env, "break")
        win = d.wait_window("^limber: ")
        mark = time.time()
        d.focus(win)
        d.key("space")
        held = wait_for(lambda: bench.log_time(proc, "card: StartHold", mark), what="hold started")
        cued = wait_for(lambda: bench.log_time(proc, "cue: HoldEnd", mark), timeout=10, what="cue")
        bench.let_time_pass(max(0.0, cued + 0.8 - time.time()))
        holds.append((held, cued))
        bench.cli(env, "skip")
        d.wait_window_gone("^limber: ")
    rec.stop()
    proc.stop()
    events = rec.events()
    late: list[float | None] = []
    detail = []
    for held, cued in holds:
        end = held + 2.0
        hits = [e["onset_wallclock"] - end for e in events if -0.3 <= e["onset_wallclock"] - end <= 1.5]
        late.append(hits[0] if hits else None)
        detail.append({"cue_logged_ms": round((cued - end) * 1000, 1),
                       "onsets_ms": [round((e["onset_wallclock"] - end) * 1000, 1) for e in events
                                     if -2.5 <= e["onset_wallclock"] - end <= 1.5]})
    return late, detail


def audio_failures(d: desk.Desktop, names: tuple[str, ...]) -> int:
    """'audio output failed' warnings in the logs of the limber processes named."""
    n = 0
    for p in d.procs:
        if p.name in names:
            try:
                with open(p.log_path, errors="replace") as f:
                    n += sum(1 for line in f if "audio output failed" in line)
            except OSError:
                pass
    return n


def limber_version() -> str:
    r = subprocess.run([bench.BIN, "--version"], capture_output=True, text=True)
    return r.stdout.strip().replace("limber ", "") or "?"


def peer_version(app: str) -> str:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", DEBIAN_PACKAGES[app]], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def measure(app: str, rnd: int, settle: float, window: float, lateness_rounds: int) -> dict:
    session_bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if not session_bus:
        raise SystemExit("no session bus: run this through bench/compare")
    tmp = tempfile.mkdtemp(prefix="limber-compare-")
    sysbus, sysbus_address = start_system_bus(tmp)
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = sysbus_address  # Desktop copies os.environ into its env
    out: dict = {"app": app, "round": rnd, "started": datetime.datetime.now().isoformat(timespec="seconds"),
                 "loadavg_before": os.getloadavg()}
    d = desk.Desktop()
    try:
        d.start()
        side = {"xvfb": d.services["xvfb"].pid,
                "session_bus": int(d.bus.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
                                                       ("org.freedesktop.DBus",))),
                "system_bus": sysbus.pid}
        if app == "limber":
            out["version"] = limber_version()
            env = bench.fresh_env(d, {"sit_limit": "1h"})
            proc, startup = bench.start(d, env)
            out.update(startup_s=startup, startup_criterion="StatusNotifierItem registered")
            settle_until = time.time() + settle
        else:
            out["version"] = peer_version(app)
            proc, startup, criterion, extra = start_peer(d, app)
            out.update(startup_s=startup, startup_criterion=criterion, **extra)
            settle_until = time.time() + settle
            out.update(after_start(d, app))
        let_time_pass_until(settle_until)
        if not proc.alive():
            raise AssertionError(f"{app} exited during the settle time:\n{proc.log_text()[-2000:]}")
        out.update(measure_idle(proc.pid, session_bus, window, side))
        if not proc.alive():
            raise AssertionError(f"{app} exited during the idle window:\n{proc.log_text()[-2000:]}")
        proc.stop()
        if app == "limber":
            with AtTheDesk(d):
                out.update(bench.card_memory(d))
                out["notify_late_s"] = bench.reminder_lateness(d, lateness_rounds)
                out["cue_late_s"] = bench.cue_lateness(d, lateness_rounds)
                out["cue_attempts"] = lateness_rounds
                out["cue_one_recording_late_s"], out["cue_one_recording_holds"] = \
                    cue_lateness_one_recording(d, lateness_rounds)
            out["audio_failures"] = {"per_cue_recorder": audio_failures(d, ("limber-cue",)),
                                     "one_recording": audio_failures(d, ("limber-cue-rec",))}
            out["binary_bytes"] = os.path.getsize(bench.BIN)
            with open(bench.BIN, "rb") as f:
                out["binary_sha256"] = hashlib.sha256(f.read()).hexdigest()[:16]
    finally:
        d.close()
        out["leftovers_killed"] = kill_leftovers([session_bus, sysbus_address], spare={sysbus.pid})
        sysbus.terminate()
        try:
            sysbus.wait(5)
        except subprocess.TimeoutExpired:
            sysbus.kill()
        os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        shutil.rmtree(d.root, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    out["loadavg_after"] = os.getloadavg()
    return out


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def machine() -> dict:
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"
    os_release = {}
    try:
        with open("/etc/os-release") as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                os_release[k] = v.strip('"')
    except OSError:
        pass
    try:
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    except OSError:
        debian = "?"
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": os_release.get("PRETTY_NAME", "?"),
        "debian_version": debian,
        "cpu": first("/proc/cpuinfo", "model name"),
        "hostname": platform.node(),
    }


def git_commit() -> str:
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", "src",
                            "Cargo.toml", "Cargo.lock"], capture_output=True, text=True).stdout.strip()
    return (r.stdout.strip() or "?") + (" + uncommitted changes" if dirty else "")


IDLE_KEYS = ("pss_kb", "rss_kb", "cpu_s_per_min", "wakeups_per_min", "wakeups_exited_per_min",
             "wakeups_involuntary_per_min", "threads",
             "processes", "startup_s", "processes_started_per_min", "pss_app_tree_kb")
LIMBER_KEYS = ("pss_closed_kb", "pss_open_kb", "rss_open_kb", "pss_after_close_kb", "rss_after_close_kb")


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def aggregate(rounds: list[dict]) -> dict:
    apps = {}
    for app in APPS:
        rs = [r for r in rounds if r["app"] == app and "error" not in r]
        errors = [r["error"] for r in rounds if r["app"] == app and "error" in r]
        if not rs:
            apps[app] = {"rounds": 0, "errors": errors}
            continue
        versions = sorted({r.get("version", "?") for r in rs})
        a = {"title": TITLES[app], "version": " / ".join(versions), "rounds": len(rs), "errors": errors,
             "binaries": sorted({r["binary_sha256"] for r in rs if "binary_sha256" in r}),
             "startup_criterion": rs[0]["startup_criterion"]}
        for k in IDLE_KEYS:
            vals = [r[k] for r in rs if k in r]
            if vals:
                a[k] = summary(vals)
        a["side_wakeups_per_min"] = {k: summary([r["side_wakeups_per_min"][k] for r in rs])
                                     for k in rs[0]["side_wakeups_per_min"]}
        a["activated"] = sorted({p["comm"] for r in rs for p in r["activated"]})
        a["activated_pss_kb"] = summary([sum(p["pss_kb"] for p in r["activated"]) for r in rs])
        a["spawned_comms"] = sorted({c for r in rs for c in r["spawned_comms"]})
        a["leftovers_killed"] = sorted({re.sub(r"\(\d+\)$", "", x) for r in rs for x in r["leftovers_killed"]})
        a["welcome_dialog"] = sorted({r["welcome_dialog"] for r in rs if "welcome_dialog" in r})
        if "dbus_name_s" in rs[0]:
            a["dbus_name_s"] = summary([r["dbus_name_s"] for r in rs if "dbus_name_s" in r])
        if app == "limber":
            for k in LIMBER_KEYS:
                a[k] = summary([r[k] for r in rs])
            a["close_delta_kb"] = summary([r["pss_after_close_kb"] - r["pss_closed_kb"] for r in rs])
            notify = [x for r in rs for x in r["notify_late_s"]]
            cue = [x for r in rs for x in r["cue_late_s"]]
            a["notify_late_ms"] = {**summary([x * 1000 for x in notify])} if notify else None
            a["cue_late_ms"] = {**summary([x * 1000 for x in cue])} if cue else None
            a["cue_attempts"] = sum(r.get("cue_attempts", len(r["cue_late_s"])) for r in rs)
            one = [x for r in rs for x in r.get("cue_one_recording_late_s", [])]
            heard = [x for x in one if x is not None]
            a["cue_one_recording_late_ms"] = {**summary([x * 1000 for x in heard])} if heard else None
            a["cue_one_recording_attempts"] = len(one)
            a["audio_failures"] = {k: sum(r.get("audio_failures", {}).get(k, 0) for r in rs)
                                   for k in ("per_cue_recorder", "one_recording")}
            a["binary_bytes"] = rs[-1]["binary_bytes"]
        apps[app] = a
    return apps


def targets(apps: dict) -> list[dict]:
    lim = apps["limber"]
    peers = [apps[p] for p in APPS[1:] if apps[p].get("rounds")]
    out = []

    def add(name, ok, detail):
        out.append({"target": name, "pass": bool(ok), "detail": detail})

    if lim.get("rounds") and peers:
        pss = lim["pss_kb"]["median"]
        best = min(peers, key=lambda a: a["pss_kb"]["median"])
        add("idle PSS at most 1/5 of the best peer's", pss * 5 <= best["pss_kb"]["median"],
            f"{pss / 1024:.1f} MiB vs {best['title']} {best['pss_kb']['median'] / 1024:.1f} MiB: "
            f"1/{best['pss_kb']['median'] / pss:.1f}")
        detail = f"{pss / 1024:.2f} MiB"
        if 10e6 < pss * 1024 <= 10 * 1024 * 1024:
            detail += f" = {pss * 1024 / 1e6:.2f} million bytes: under 10 MiB, not under 10 000 000 bytes"
        add("idle PSS under 10 MB (MiB)", pss < 10 * 1024, detail)
        wk = lim["wakeups_per_min"]["median"]
        bestw = min(peers, key=lambda a: a["wakeups_per_min"]["median"])
        ratio = bestw["wakeups_per_min"]["median"] / wk if wk else float("inf")
        add("wakeups per minute at most 1/20 of the best peer's", wk * 20 <= bestw["wakeups_per_min"]["median"],
            f"{wk:.1f}/min vs {bestw['title']} {bestw['wakeups_per_min']['median']:.0f}/min: "
            + (f"1/{ratio:.1f}" if wk else "0") + f" (1/20 would be {bestw['wakeups_per_min']['median'] / 20:.1f}/min)")
    if lim.get("rounds"):
        v = lim.get("notify_late_ms")
        name = "due reminder reaches the notification server under 100 ms late at the median, 250 ms at the worst"
        if v:
            add(name, v["median"] < 100 and v["max"] < 250,
                f"median {v['median']:.1f} ms, worst {v['max']:.1f} ms ({v['n']} samples)")
        else:
            add(name, False, "no samples")
        # The cue: every cue must be heard (a cue never heard is later than any bound), in both ways
        # of recording; lateness over all the cues heard.
        v, w = lim.get("cue_late_ms"), lim.get("cue_one_recording_late_ms")
        n1, n2 = lim.get("cue_attempts", 0), lim.get("cue_one_recording_attempts", 0)
        k1, k2 = (v["n"] if v else 0), (w["n"] if w else 0)
        heard = ([v] if v else []) + ([w] if w else [])
        med = max((x["median"] for x in heard), default=float("inf"))
        worst = max((x["max"] for x in heard), default=float("inf"))
        add("hold-end cue heard under 100 ms late at the median, 250 ms at the worst",
            k1 == n1 and k2 == n2 and med < 100 and worst < 250,
            (f"recorder started before each hold ends (bench.py): heard {k1} of {n1}"
             + (f", median {v['median']:.1f} ms, worst {v['max']:.1f} ms" if v else ""))
            + (f"; one recording through all holds: heard {k2} of {n2}"
               + (f", median {w['median']:.1f} ms, worst {w['max']:.1f} ms" if w else "") if n2 else ""))
        dlt = lim["close_delta_kb"]["median"]
        add("card closed again within 3 MB of idle", abs(dlt) <= 3 * 1024,
            f"{lim['pss_after_close_kb']['median'] / 1024:.1f} MiB after closing vs "
            f"{lim['pss_closed_kb']['median'] / 1024:.1f} MiB before opening: {dlt / 1024:+.1f} MiB "
            f"(worst round {lim['close_delta_kb']['max'] / 1024:+.1f} MiB)")
    return out


def fmt_range(s: dict, scale: float = 1.0, digits: int = 1) -> str:
    m, lo, hi = s["median"] * scale, s["min"] * scale, s["max"] * scale
    if s.get("n", 2) == 1 or f"{lo:.{digits}f}" == f"{hi:.{digits}f}":
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def ratio_text(lim: float, peer: float) -> str:
    if peer <= 0:
        return "–"
    r = lim / peer
    if r == 0:
        return "0"
    return f"{r:.3f} (1/{1 / r:.0f})" if r < 1 else f"{r:.2f}"


COMMANDS = {"limber": "`limber run`", "workrave": "`workrave`", "safeeyes": "`safeeyes`", "rsibreak": "`rsibreak`"}


def markdown(doc: dict) -> str:
    apps, m = doc["apps"], doc["machine"]
    present = [a for a in APPS if apps[a].get("rounds")]
    lim = apps["limber"]
    lines = [
        "# Benchmarks: limber next to other break reminders",
        "",
        "Written by `bench/compare` (not part of the test suite: it measures, it does not pass or fail).",
        "Every app runs alone on a fresh private headless desktop (Xvfb, session bus, dunst, a",
        "StatusNotifierWatcher stand-in, a PulseAudio null sink) with a fresh HOME, settles for",
        f"{doc['settle_s']:.0f} s and is then measured idle for {doc['window_s']:.0f} s; {doc['rounds']} rounds, "
        "each app in a new session every round. Figures are medians, (min–max) over the rounds; MiB = 1024² bytes.",
        "",
        f"- Run: {doc['date']}; total run time {doc['run_seconds'] / 60:.1f} min; limber "
        f"{lim.get('version', '?')}, repository at {doc['commit']}",
        f"- Machine: {m['cpu']} ({m['cores']} cores), {m['ram_gb']} GB RAM, kernel {m['kernel']}, "
        f"{m['os']}, Debian {m['debian_version']}; 1-minute load average during the run {doc['loadavg']}",
        "- Peers, from Debian 12's packages: " + ", ".join(f"{apps[a]['title']} {apps[a]['version']}"
                                                      for a in present if a != "limber"),
        "",
        "## Idle, each app alone",
        "",
        "| app | PSS MiB | RSS MiB | CPU s/min | wakeups/min | threads | processes | start-up ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in present:
        s = apps[a]
        mark = "" if s["startup_criterion"].startswith("StatusNotifierItem") else " †"
        lines.append(
            f"| {s['title']} | {fmt_range(s['pss_kb'], 1 / 1024)} | {fmt_range(s['rss_kb'], 1 / 1024)} | "
            f"{fmt_range(s['cpu_s_per_min'], 1, 3)} | {fmt_range(s['wakeups_per_min'], 1, 0)} | "
            f"{fmt_range(s['threads'], 1, 0)} | {fmt_range(s['processes'], 1, 0)} | "
            f"{fmt_range(s['startup_s'], 1000, 0)}{mark} |")
    lines += ["", "Start-up is until the tray item is registered; † until the main window is mapped (the app "
              "registers no StatusNotifierItem, see below). CPU time is counted in clock ticks of 10 ms, so "
              "0.000 means less than one tick in the minute.", ""]
    if lim.get("rounds"):
        lines += ["limber divided by each peer (median by median; below 1 means limber uses less):", "",
                  "| limber / peer | PSS | RSS | CPU s/min | wakeups/min |", "|---|---|---|---|---|"]
        for a in present[1:]:
            s = apps[a]
            lines.append(f"| {s['title']} | {ratio_text(lim['pss_kb']['median'], s['pss_kb']['median'])} | "
                         f"{ratio_text(lim['rss_kb']['median'], s['rss_kb']['median'])} | "
                         f"{ratio_text(lim['cpu_s_per_min']['median'], s['cpu_s_per_min']['median'])} | "
                         f"{ratio_text(lim['wakeups_per_min']['median'], s['wakeups_per_min']['median'])} |")
        lines += ["", "## limber only", "", "| figure | median (min–max) |", "|---|---|",
                  f"| PSS, card not opened yet (5 s after start) | {fmt_range(lim['pss_closed_kb'], 1 / 1024)} MiB |",
                  f"| PSS with the card open | {fmt_range(lim['pss_open_kb'], 1 / 1024)} MiB |",
                  f"| RSS with the card open | {fmt_range(lim['rss_open_kb'], 1 / 1024)} MiB |",
                  f"| PSS after the card closed | {fmt_range(lim['pss_after_close_kb'], 1 / 1024)} MiB |"]
        v = lim.get("notify_late_ms")
        lines.append("| due reminder reaches the notification server, after its deadline | "
                     + (f"{v['median']:.1f} ms (best {v['min']:.1f}, worst {v['max']:.1f} ms; {v['n']} samples) |"
                        if v else "no samples |"))
        for key, attempts, label in (
                ("cue_late_ms", "cue_attempts",
                 "hold-end cue heard on the sink after the hold's end, recorder started before each hold ends (bench.py)"),
                ("cue_one_recording_late_ms", "cue_one_recording_attempts",
                 "the same, one recording running through all the holds")):
            v, n = lim.get(key), lim.get(attempts, 0)
            if not n:
                continue
            lines.append(f"| {label} | " + (f"{v['median']:.1f} ms (best {v['min']:.1f}, worst {v['max']:.1f} ms); "
                                             f"heard {v['n']} of {n} |" if v else f"heard 0 of {n} |"))
        af = lim.get("audio_failures")
        if af and any(af.values()):
            lines.append(f"| limber's log: \"audio output failed\" warnings (per-hold recorder / one recording) | "
                         f"{af['per_cue_recorder']} / {af['one_recording']} |")
        lines.append(f"| release binary, stripped | {lim['binary_bytes'] / 1024 / 1024:.2f} MiB "
                     f"({lim['binary_bytes']} bytes) |")
    lines += ["", "## Targets", ""]
    for t in doc["targets"]:
        lines.append(f"- **{'PASS' if t['pass'] else 'FAIL'}** {t['target']}: {t['detail']}")
    lines += [
        "",
        "## How each figure is measured",
        "",
        "- **PSS / RSS**: `Pss` / `Rss` of `/proc/PID/smaps_rollup` summed over the app's process tree plus the",
        "  services the session bus activated for it, read at the end of the idle window (PSS shares shared pages out).",
        "- **CPU s/min**: utime + stime of every thread of those processes over the idle window, per minute;",
        "  threads and processes that exit inside the window are counted too, from the kernel's taskstats exit records.",
        "- **wakeups/min**: voluntary + involuntary context switches of the same threads over the window",
        "  (`/proc/PID/task/TID/status`, plus the exit records of threads and processes that ended), per minute.",
        "- **threads, processes**: live threads (`Threads:` of `/proc/PID/status`) and processes at the end of the window.",
        "- **start-up**: from spawning the app until the watcher lists a tray item whose bus connection belongs to the",
        "  app's process tree (or, for Workrave, until its main window is mapped); polled every 10 ms.",
        "- **card PSS** (limber): `limber break` opens the card, PSS 2 s later; `limber skip` closes it, PSS 3 s",
        "  later; compared with the same process's PSS 5 s after its start (bench/bench.py `card_memory`).",
        "- **reminder lateness** (limber): sit limit 3 s, `limber skip` restarts the sitting period; the bus monitor's",
        "  time of the `Notify` call minus (the logged skip + 3 s); 5 samples a round (bench/bench.py).",
        "- **cue lateness** (limber): a 2 s hold started with the space key on the card; onset of the first sound on",
        "  the recorded null-sink monitor minus (the logged hold start + 2 s); 5 holds a round with a recorder started",
        "  just before each (bench/bench.py), then 5 more with one recording through all of them (bench/peers.py).",
        "- **binary**: size of `target/release/limber` from `cargo build --release --locked` (the profile strips it).",
        "",
        "## How each app was started and detected",
        "",
        "| app | command | start-up criterion | bus-activated helpers, counted with the app | notes |",
        "|---|---|---|---|---|",
    ]
    for a in present:
        s = apps[a]
        notes = []
        if s.get("spawned_comms"):
            notes.append(f"runs short-lived processes while idle: {', '.join(s['spawned_comms'])} "
                         f"({s['processes_started_per_min']['median']:.0f}/min; "
                         f"{s['wakeups_exited_per_min']['median']:.0f} of its wakeups/min)")
        if s.get("dbus_name_s"):
            notes.append(f"owns org.workrave.Workrave on the bus after {s['dbus_name_s']['median'] * 1000:.0f} ms")
        if s.get("welcome_dialog"):
            notes.append("a welcome dialog after every fresh start: " + ", ".join(s["welcome_dialog"]))
        if s.get("leftovers_killed"):
            notes.append("still running after the app was stopped, killed: " + ", ".join(s["leftovers_killed"]))
        act = ", ".join(s["activated"]) if s.get("activated") else "none"
        if s.get("activated"):
            act += f" ({s['activated_pss_kb']['median'] / 1024:.1f} MiB PSS)"
        lines.append(f"| {s['title']} | {COMMANDS[a]} | {s['startup_criterion']} | {act} | "
                     f"{'; '.join(notes) or '–'} |")
    lines += [
        "",
        "Side figures, not in the app's numbers: context switches per minute of the X server and of the session bus",
        "daemon while each app idled (an app that polls X or talks on the bus shows here), and the part of the app's",
        "own wakeups that were involuntary (preemption, which other load on the machine raises).",
        "",
        "| app | Xvfb wakeups/min | session bus wakeups/min | involuntary part of the app's wakeups/min |",
        "|---|---|---|---|",
    ]
    for a in present:
        sw = apps[a]["side_wakeups_per_min"]
        inv = apps[a].get("wakeups_involuntary_per_min")
        lines.append(f"| {apps[a]['title']} | {fmt_range(sw['xvfb'], 1, 0)} | {fmt_range(sw['session_bus'], 1, 0)} | "
                     f"{fmt_range(inv, 1, 0) if inv else '?'} |")
    lines += [
        "",
        "## Conditions",
        "",
        "- Nobody types or moves the mouse: the X idle time grows through each run. This is the cost of sitting in",
        "  the tray while the user is away or reading. Workrave and RSIBreak count that as a natural rest; Safe Eyes",
        "  would pause itself after 5 minutes of it (smart pause), which is after the window measured here.",
        "- Xvfb has no XEmbed system tray, so Workrave (GtkStatusIcon, no StatusNotifierItem in 1.10) shows its",
        "  main timer window instead; Safe Eyes (Ayatana AppIndicator) and RSIBreak (KStatusNotifierItem) register",
        "  with the watcher stand-in like limber.",
        "- Each run gets a private stand-in system bus (Safe Eyes exits with an error without one; Workrave uses it",
        "  too) and a session bus that may activate services from /usr/share/dbus-1/services; whatever it starts in",
        "  that run is counted with the app and killed afterwards, as is anything else left on the run's buses.",
        "- RSIBreak's \"don't show again\" for its welcome box is only stored with KDE's FrameworkIntegration plugin",
        "  (not installed), so with a fresh HOME it appears every time; it is closed with Return during the settle time.",
        "- For limber's card, reminder and cue checks (not the idle window) the pointer moves by one pixel every 2 s",
        "  in a screen corner: limber does not count sitting time while nobody is at the desk, so without it no",
        "  reminder would come due.",
        "- PSS divides each shared page among all the processes that map it, so it also moves with whatever else",
        "  runs on the machine (other sessions using the same GTK, Qt or GLib libraries): across runs here the peers'",
        "  PSS moved by up to 15 MiB while their RSS stayed within 1 MiB. Compare figures from one run.",
        "- The machine is shared: CPU figures and involuntary context switches (preemption; their share is in the",
        "  side table) grow with other load; see the load average above.",
    ]
    if len(lim.get("binaries", [])) > 1 or " / " in lim.get("version", ""):
        lines += ["", f"**Warning**: the limber binary changed between rounds ({lim['version']}); "
                  "the figures mix builds."]
    errs = [(a, e) for a in APPS for e in apps[a].get("errors", [])]
    if errs:
        lines += ["", "## Failed rounds", ""] + [f"- {TITLES[a]}: {e.strip().splitlines()[-1]}" for a, e in errs]
    if doc.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in doc["notes"]]
    lines += ["", "![Idle PSS and wakeups per minute of each app](benchmarks.png)", ""]
    return "\n".join(lines)


def report(args) -> None:
    with open(args.rounds) as f:
        text = f.read()
    saved: dict = {}
    try:
        saved = json.loads(text)  # a previous docs/benchmarks.json: render it again
        rounds = saved["raw_rounds"]
    except (ValueError, TypeError, KeyError):
        saved = {}
        rounds = [json.loads(line) for line in text.splitlines() if line.strip()]
    apps = aggregate(rounds)
    loads = [x for r in rounds for x in (r.get("loadavg_before", [0])[0], r.get("loadavg_after", [0])[0])]
    notes = []
    if args.notes:
        with open(args.notes) as f:
            notes = [line.strip() for line in f if line.strip()]
    doc = {
        "date": args.date or saved.get("date") or datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "run_seconds": args.seconds or saved.get("run_seconds", 0.0),
        "commit": git_commit(),
        "machine": machine(),
        "loadavg": f"{min(loads):.1f}–{max(loads):.1f}" if loads else "?",
        "settle_s": args.settle,
        "window_s": args.window,
        "rounds": max((r["round"] for r in rounds), default=0),
        "apps": apps,
        "notes": notes,
    }
    doc["targets"] = targets(apps)
    doc["raw_rounds"] = rounds
    with open(args.json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(args.md, "w") as f:
        f.write(markdown(doc))
    print(markdown(doc))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure", help="measure one app on a fresh desktop; prints one JSON line")
    m.add_argument("--app", required=True, choices=APPS)
    m.add_argument("--round", type=int, default=1)
    m.add_argument("--settle", type=float, default=10.0)
    m.add_argument("--idle", type=float, default=60.0)
    m.add_argument("--lateness-rounds", type=int, default=5)
    m.add_argument("--out", help="append the JSON line to this file as well")
    r = sub.add_parser("report", help="aggregate JSON lines into docs/benchmarks.md and .json")
    r.add_argument("--rounds", required=True)
    r.add_argument("--md", required=True)
    r.add_argument("--json", required=True)
    r.add_argument("--seconds", type=float, default=0.0, help="total run time, for the report")
    r.add_argument("--settle", type=float, default=10.0)
    r.add_argument("--window", type=float, default=60.0)
    r.add_argument("--date", help="date of the run (default: now)")
    r.add_argument("--notes", help="a file of extra notes, one a line, for the report")
    args = ap.parse_args()
    if args.cmd == "report":
        report(args)
        return
    TaskExits.self_test()
    try:
        result = measure(args.app, args.round, args.settle, args.idle, args.lateness_rounds)
    except Exception:  # noqa: BLE001 - one failed round must not lose the others
        result = {"app": args.app, "round": args.round, "error": traceback.format_exc()}
    line = json.dumps(result)
    print(line, flush=True)
    if args.out:
        with open(args.out, "a") as f:
            f.write(line + "\n")
    if "error" in result:
        print(result["error"], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
