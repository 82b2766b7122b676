"""A real, headless Linux desktop for limber's end-to-end tests.

`Desktop` starts and owns, each in its own process group with its own log:

  Xvfb          an X server (:N picked by Xvfb itself via -displayfd)
  dunst         the notification server, private dunstrc; its `dmenu` is
                dunst_dmenu.py so tests can fire any notification action
  sni_watcher   a stand-in org.kde.StatusNotifierWatcher (sni_watcher.py)
  notify_monitor  logs every org.freedesktop.Notifications message (notify_monitor.py)
  pulseaudio    as root, with a null sink "cap" whose monitor we record

and offers helpers to read and drive each piece: tray (dbusmenu), notifications,
windows (xdotool, screenshots, OCR), audio (record + analyse), and /proc
measurements for benchmarks. conftest.py wraps it in pytest fixtures.

The session bus comes from outside: tests/desktop/run starts pytest under
dbus-run-session with session-bus.conf (no service activation).

Nothing here sleeps for a fixed time to "let things settle": everything waits
for an observable condition with wait_for() and a deadline.

Run with Debian's /usr/bin/python3 (python3-dbus, python3-gi).
"""

from __future__ import annotations

import array
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import Any, Callable, Iterable

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's: has the dbus bindings (a pyenv python3 may not)

NOTIFY_NAME = "org.freedesktop.Notifications"
NOTIFY_PATH = "/org/freedesktop/Notifications"
DUNST_IFACE = "org.dunstproject.cmd0"
WATCHER_NAME = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPS_IFACE = "org.freedesktop.DBus.Properties"

SAMPLE_RATE = 48000  # what Recorder asks parec for: s16le mono 48 kHz


# --------------------------------------------------------------------------
# Small generic helpers
# --------------------------------------------------------------------------

def wait_for(cond: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05,
             what: str = "condition", retry_on: tuple = ()) -> Any:
    """Poll cond() until it returns something truthy; return that value.

    Raises AssertionError("timed out after Xs waiting for <what>; last value: ...")
    at the deadline. Exceptions from cond() propagate, except those listed in
    `retry_on`, which count as "not yet". Use this instead of sleeping.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = cond()
            if last:
                return last
        except retry_on as e:  # noqa: PERF203 - polling loop
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def to_plain(value: Any) -> Any:
    """Convert dbus-python values to JSON-friendly Python values.

    Byte arrays (icon pixels, image-data hints) become {"bytes": <length>}:
    tests want their size, not megabytes of numbers in a log.
    """
    if isinstance(value, (dbus.ByteArray, bytes)):
        return {"bytes": len(value)}
    if isinstance(value, dbus.Array) and value.signature == "y":
        return {"bytes": len(value)}
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64,
                          dbus.UInt16, dbus.UInt32, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature, str)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def strip_mnemonic(label: str) -> str:
    """'_Pause' -> 'Pause', 'a__b' -> 'a_b' (dbusmenu/GTK mnemonic syntax)."""
    return re.sub(r"_(.)", r"\1", label)


def read_displayfd(r: int, timeout: float = 15) -> str | None:
    """Reads the display number Xvfb writes to its -displayfd pipe once it accepts
    connections, and closes the pipe; ":N", or None if none came in time."""
    buf = b""
    deadline = time.monotonic() + timeout
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            break
        chunk = os.read(r, 64)
        if not chunk:
            break
        buf += chunk
    os.close(r)
    return f":{int(buf)}" if buf.strip().isdigit() else None


def _tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"<cannot read {path}: {e}>"


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, ...]."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # The command name may contain spaces and ')': split after the last ')'.
    return data[data.rindex(")") + 2:].split()


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group pgid.

    Zombies are skipped on purpose: on this machine PID 1 is not an init that
    reaps orphans, so an orphaned, killed child may stay a zombie forever; it
    holds no resources and must not make teardown wait.
    """
    out = []
    for pid in _all_pids():
        st = _proc_stat(pid)
        if st and st[0] != "Z" and int(st[2]) == pgid:
            out.append(pid)
    return out


def kill_group(pgid: int, timeout: float = 3.0) -> None:
    """SIGTERM the whole group, then SIGKILL whatever is left after `timeout`."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not group_members(pgid):
            return


_HAVE_SETPRIV = shutil.which("setpriv") is not None


def become_subreaper() -> bool:
    """Make this process adopt orphaned descendants (PR_SET_CHILD_SUBREAPER).

    When a group leader dies first, its children are re-parented. Normally
    PID 1 reaps them; on this machine PID 1 does not, so killed grandchildren
    would stay in `ps` as zombies forever. As a subreaper we get them and
    _reap_group_orphans() collects them.
    """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(36, 1, 0, 0, 0) == 0  # 36 = PR_SET_CHILD_SUBREAPER


def _reap_group_orphans(pgid: int) -> None:
    """Reap zombies of group pgid that were re-parented to us. The group leader
    itself is left to its Popen object; only adopted grandchildren are reaped,
    never a child some other code here might still wait for."""
    me = os.getpid()
    for pid in _all_pids():
        st = _proc_stat(pid)
        if st and pid != pgid and st[0] == "Z" and int(st[1]) == me and int(st[2]) == pgid:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


class Proc:
    """A subprocess in its own process group with its own log file.

    stdout and stderr go to `log_path` (unless stdout=subprocess.PIPE is asked
    for, then only stderr). `stop()` kills the whole group, so helpers the
    process forked die with it. Started through `setpriv --pdeathsig TERM`
    (when available) so it also dies if the test runner itself is killed hard;
    note that the death signal follows the *thread* that spawned it: spawn from
    the main thread (or pass pdeathsig=False).
    """

    def __init__(self, name: str, argv: list[str], log_path: str, env: dict | None = None,
                 cwd: str | None = None, stdout: Any = None, stdin: Any = subprocess.DEVNULL,
                 pass_fds: tuple = (), pdeathsig: bool = True):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.started_at = time.time()
        full = list(argv)
        if pdeathsig and _HAVE_SETPRIV:
            full = ["setpriv", "--pdeathsig", "TERM", "--"] + full  # setpriv execs: same pid
        self._log = open(log_path, "ab", buffering=0)
        self._log.write(f"=== {time.strftime('%H:%M:%S')} {name}: {' '.join(argv)}\n".encode())
        self.popen = subprocess.Popen(
            full, env=env, cwd=cwd, stdin=stdin,
            stdout=self._log if stdout is None else stdout, stderr=self._log,
            start_new_session=True,  # own session + process group: kill_group() reaches all of it
            pass_fds=pass_fds,
        )
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float = 10.0) -> int:
        """Wait for the process to exit by itself; AssertionError on timeout."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} (pid {self.pid}) still running after {timeout}s") from None

    def stop(self, timeout: float = 3.0) -> int | None:
        """Terminate the process group (TERM, then KILL after `timeout`)."""
        # Once the leader is reaped and its group is empty, the number may be
        # reused by an unrelated process: only signal a group that still has
        # members (an unreaped leader counts, its pid cannot be reused yet).
        if self.popen.returncode is None or group_members(self.pid):
            kill_group(self.pid, timeout)
        try:
            self.popen.wait(2)
        except subprocess.TimeoutExpired:
            pass
        _reap_group_orphans(self.pid)
        self._log.close()
        return self.popen.poll()

    def log_text(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def __repr__(self):
        state = "running" if self.alive() else f"exited {self.returncode}"
        return f"<Proc {self.name} pid={self.pid} {state}>"


# --------------------------------------------------------------------------
# /proc measurements (for benchmarks)
# --------------------------------------------------------------------------

def _pids(pids: int | Iterable[int]) -> list[int]:
    """An int means "this process and all its descendants"."""
    return proc_tree(pids) if isinstance(pids, int) else list(pids)


def proc_tree(pid: int) -> list[int]:
    """pid followed by all its live descendants (by parent pid, breadth first)."""
    children: dict[int, list[int]] = {}
    for p in _all_pids():
        st = _proc_stat(p)
        if st and st[0] != "Z":
            children.setdefault(int(st[1]), []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        if _proc_stat(p) is None:
            continue
        out.append(p)
        todo.extend(sorted(children.get(p, [])))
    return out


def _sum_fields(path_fmt: str, pids: list[int], keys: tuple[str, ...]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(path_fmt.format(pid=pid)) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in keys:
                        total += int(v.split()[0])
        except OSError:
            pass  # the process exited meanwhile
    return total


def pss_kb(pids: int | Iterable[int]) -> int:
    """Proportional set size in KiB, summed (smaps_rollup). Shared pages count
    as their share, so this is the fair "memory cost" of a process tree."""
    return _sum_fields("/proc/{pid}/smaps_rollup", _pids(pids), ("Pss",))


def rss_kb(pids: int | Iterable[int]) -> int:
    """Resident set size in KiB, summed (smaps_rollup Rss; shared pages counted in full)."""
    return _sum_fields("/proc/{pid}/smaps_rollup", _pids(pids), ("Rss",))


def ctx_switches(pids: int | Iterable[int]) -> int:
    """Voluntary + involuntary context switches of all live threads of all pids.

    Summed over /proc/PID/task/*/status because /proc/PID/status counts the
    main thread only. Threads that already exited are not counted (the kernel
    exposes their totals only to the process itself via getrusage); measure
    deltas over a window in which the thread set is stable.
    """
    keys = ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
    total = 0
    for pid in _pids(pids):
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue  # exited meanwhile
        total += _sum_fields("/proc/%d/task/{pid}/status" % pid, tids, keys)
    return total


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: int | Iterable[int]) -> float:
    """utime + stime in seconds, summed over pids.

    /proc/PID/stat already totals all threads of the process, including
    threads that have exited, so this is exact for the whole process.
    """
    ticks = 0
    for pid in _pids(pids):
        st = _proc_stat(pid)
        if st:
            ticks += int(st[11]) + int(st[12])  # fields 14 and 15 of stat (utime, stime)
    return ticks / _CLK_TCK


def thread_count(pids: int | Iterable[int]) -> int:
    """Number of live threads over pids."""
    return _sum_fields("/proc/{pid}/status", _pids(pids), ("Threads",))


# --------------------------------------------------------------------------
# Audio analysis
# --------------------------------------------------------------------------

def analyse(raw_path: str, start_wallclock: float, rate: int = SAMPLE_RATE, threshold: float = 0.01,
            merge_gap: float = 0.08, min_duration: float = 0.01, window: float = 0.005) -> list[dict]:
    """Find sounds in a raw s16le mono recording.

    start_wallclock is the time.time() of the first sample. Returns one dict
    per sound, in order:
        onset_wallclock, offset_wallclock  first/last sample above threshold
        onset_s                            the same, relative to the recording start
        duration_s                         offset - onset
        freq_hz                            dominant pitch, from zero crossings with
                                           hysteresis (right for tones and for sounds
                                           whose fundamental dominates; not an FFT)
        peak, rms                          0..1 of full scale
    A sample is "sound" when |x| >= threshold * 32768; windows of `window`
    seconds containing sound form events; events separated by less than
    `merge_gap` are merged (a chime's decay, a short gap inside one cue);
    events shorter than `min_duration` are dropped. The null sink is digitally
    silent, so any threshold above 0 separates sound from silence.
    """
    samples = array.array("h")
    with open(raw_path, "rb") as f:
        data = f.read()
    samples.frombytes(data[: len(data) // 2 * 2])
    if samples.itemsize != 2:
        raise RuntimeError("array('h') is not 16 bit here")
    level = max(1, int(threshold * 32768))
    win = max(1, int(window * rate))

    # 1. which windows contain sound (max/min over a slice run in C: fast)
    active = []
    for start in range(0, len(samples), win):
        chunk = samples[start:start + win]
        if max(chunk) >= level or -min(chunk) >= level:
            active.append(start)

    # 2. windows -> [first_window_start, last_window_end) spans, merging small gaps
    spans: list[list[int]] = []
    gap = int(merge_gap * rate)
    for start in active:
        if spans and start - spans[-1][1] <= gap:
            spans[-1][1] = start + win
        else:
            spans.append([start, start + win])

    events = []
    for a, b in spans:
        b = min(b, len(samples))
        # 3. refine to sample precision: first/last sample actually above threshold
        first = next(i for i in range(a, b) if abs(samples[i]) >= level)
        last = next(i for i in range(b - 1, a - 1, -1) if abs(samples[i]) >= level)
        duration = (last - first + 1) / rate
        if duration < min_duration:
            continue
        seg = samples[first:last + 1]
        peak = max(max(seg), -min(seg))
        rms = (sum(x * x for x in seg) / len(seg)) ** 0.5
        events.append({
            "onset_wallclock": start_wallclock + first / rate,
            "offset_wallclock": start_wallclock + (last + 1) / rate,
            "onset_s": first / rate,
            "duration_s": duration,
            "freq_hz": _zero_crossing_freq(seg, rate, peak),
            "peak": peak / 32768,
            "rms": rms / 32768,
        })
    return events


def _zero_crossing_freq(seg: array.array, rate: int, peak: int) -> float | None:
    """Frequency from upward crossings of a hysteresis band (+-10% of the peak),
    so low-level noise and ripples near zero do not count as cycles."""
    hi = max(16, peak // 10)
    lo = -hi
    state = 0  # -1 below band, +1 above band, 0 unknown
    ups = []
    for i, x in enumerate(seg):
        if x >= hi:
            if state < 0:
                ups.append(i)
            state = 1
        elif x <= lo:
            state = -1
    if len(ups) < 3:
        return None
    return (len(ups) - 1) * rate / (ups[-1] - ups[0])


# --------------------------------------------------------------------------
# Tray items
# --------------------------------------------------------------------------

class TrayItem:
    """One StatusNotifierItem registered with the watcher, read over D-Bus.

    `item` is the watcher's string "<bus name><object path>".
    """

    def __init__(self, bus: dbus.Bus, item: str):
        self.bus = bus
        self.item = item
        i = item.index("/")
        self.bus_name, self.path = item[:i], item[i:]

    def __repr__(self):
        return f"<TrayItem {self.item}>"

    def _call(self, path, iface, method, sig="", args=(), **kw):
        return self.bus.call_blocking(self.bus_name, path, iface, method, sig, args, timeout=5, **kw)

    def owner_pid(self) -> int:
        """Process id of the connection serving this item (maps a tray item to the app)."""
        return int(self.bus.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                          "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                          "s", (self.bus_name,)))

    def raw_properties(self) -> dict:
        """All org.kde.StatusNotifierItem properties, converted by to_plain()."""
        return to_plain(self._call(self.path, PROPS_IFACE, "GetAll", "s", (ITEM_IFACE,), byte_arrays=True))

    def properties(self) -> dict:
        """The item's properties, with the structured ones made readable:

        Title, Id, Category, Status, IconName, AttentionIconName, OverlayIconName,
        ItemIsMenu, WindowId as-is; Menu as a path string;
        IconPixmap: [{"width", "height", "bytes"}] (bytes should be w*h*4, ARGB32);
        ToolTip: {"icon_name", "icon_pixmap": [...as above], "title", "description"}.
        Missing properties are absent.
        """
        raw = self._call(self.path, PROPS_IFACE, "GetAll", "s", (ITEM_IFACE,), byte_arrays=True)
        out = {}
        for key, value in raw.items():
            key = str(key)
            if key.endswith("Pixmap"):
                out[key] = _pixmap_sizes(value)
            elif key == "ToolTip":
                icon, pixmaps, title, desc = value
                out[key] = {"icon_name": str(icon), "icon_pixmap": _pixmap_sizes(pixmaps),
                            "title": str(title), "description": str(desc)}
            else:
                out[key] = to_plain(value)
        return out

    def icon_pixmaps(self) -> list[tuple[int, int, bytes]]:
        """IconPixmap as [(width, height, ARGB32 bytes)] for pixel-level checks."""
        v = self._call(self.path, PROPS_IFACE, "Get", "ss", (ITEM_IFACE, "IconPixmap"), byte_arrays=True)
        return [(int(w), int(h), bytes(d)) for w, h, d in v]

    @property
    def menu_path(self) -> str:
        return str(self._call(self.path, PROPS_IFACE, "Get", "ss", (ITEM_IFACE, "Menu")))

    def menu_layout(self) -> list[dict]:
        """The whole dbusmenu (GetLayout(0, -1, [])), flattened depth first.

        One dict per item below the root:
          id, label (mnemonic underscores stripped), raw_label, enabled, visible,
          type ("standard" | "separator"), toggle_type, toggle_state,
          children_display, parent (id), depth (1 = top level),
          children_labels (labels of direct children, separators skipped)
        Defaults of the dbusmenu spec are filled in (enabled/visible true,
        type "standard").
        """
        _rev, root = self._call(self.menu_path, MENU_IFACE, "GetLayout", "iias", (0, -1, dbus.Array([], "s")))
        out: list[dict] = []

        def entry(node, parent, depth):
            nid, props, children = node
            props = to_plain(props)
            raw = props.get("label", "")
            kids = [c for c in children]
            return {
                "id": int(nid),
                "label": strip_mnemonic(raw),
                "raw_label": raw,
                "enabled": props.get("enabled", True),
                "visible": props.get("visible", True),
                "type": props.get("type", "standard"),
                "toggle_type": props.get("toggle-type", ""),
                "toggle_state": props.get("toggle-state", -1),
                "children_display": props.get("children-display", ""),
                "parent": parent,
                "depth": depth,
                "children_labels": [strip_mnemonic(str(c[1].get("label", ""))) for c in kids
                                    if str(c[1].get("type", "standard")) != "separator"],
            }, kids

        def walk(node, depth):
            for child in node[2]:
                e, kids = entry(child, int(node[0]), depth)
                out.append(e)
                walk(child, depth + 1)

        walk(root, 1)
        return out

    def menu_item(self, label_prefix: str) -> dict:
        """The single visible, non-separator item whose label starts with
        label_prefix (mnemonics stripped; an exact label wins over prefixes)."""
        items = [e for e in self.menu_layout() if e["visible"] and e["type"] != "separator"]
        hits = [e for e in items if e["label"].startswith(label_prefix) or e["raw_label"].startswith(label_prefix)]
        exact = [e for e in hits if label_prefix in (e["label"], e["raw_label"])]
        if len(exact) == 1:
            return exact[0]
        if len(hits) != 1:
            raise AssertionError(f"{len(hits)} menu items match {label_prefix!r}; "
                                 f"labels: {[e['label'] for e in items]}")
        return hits[0]

    def click(self, label_prefix: str, allow_disabled: bool = False) -> dict:
        """Send a dbusmenu "clicked" Event to the item found by menu_item(); returns it.

        Sends Event(id, "clicked", <int32 0>, timestamp) as a tray host does.
        Clicking a disabled item is an AssertionError unless allow_disabled.
        """
        e = self.menu_item(label_prefix)
        if not e["enabled"] and not allow_disabled:
            raise AssertionError(f"menu item {e['label']!r} is disabled")
        self.event(e["id"], "clicked")
        return e

    def event(self, item_id: int, event_id: str = "clicked") -> None:
        """Send any dbusmenu event ("clicked", "hovered", "opened", "closed")."""
        self._call(self.menu_path, MENU_IFACE, "Event", "isvu",
                   (dbus.Int32(item_id), event_id, dbus.Int32(0, variant_level=1),
                    dbus.UInt32(int(time.time()) & 0xFFFFFFFF)))

    def activate(self, x: int = 0, y: int = 0) -> None:
        """Left click on the icon itself (org.kde.StatusNotifierItem.Activate)."""
        self._call(self.path, ITEM_IFACE, "Activate", "ii", (x, y))


def _pixmap_sizes(pixmaps) -> list[dict]:
    return [{"width": int(w), "height": int(h), "bytes": len(d)} for w, h, d in pixmaps]


# --------------------------------------------------------------------------
# Audio recording
# --------------------------------------------------------------------------

class Recorder:
    """Records the null sink's monitor ("cap.monitor") to a raw s16le/48k/mono file.

        rec = desktop.recorder()      # started; returns once audio is flowing
        ... make the app play something ...
        rec.stop()
        events = rec.events()         # analyse(rec.path, rec.start_wallclock)

    Timing: parec's output is read here; for every chunk we note the arrival
    time and the byte count so far. Since audio is produced at exactly
    48000 samples/s, min(arrival - bytes/rate) over all chunks (the chunk
    that waited least in buffers) pins sample 0 to the wall clock. The null
    sink renders one block (= our latency_ms) ahead of real time, so that
    estimate is early by latency_ms; start_wallclock adds it back. Measured
    with latency 5/10/20/40 ms: the bias was 3.8/7.7/19.1/36.6 ms, and after
    the correction a tone written into an already connected stream at T
    shows an onset of T + 1..3 ms. Sample *positions* are exact: the sink is
    loaded with norewinds=1, because a rewind (which PulseAudio does when a
    new stream starts) cut ~6 ms out of the monitor stream and shifted every
    later timestamp.

    Start-up: parec's first bytes arrive within ~60 ms here. A null sink
    *with* rewinds renders 2 s blocks while no client wants low latency, and
    then a fresh parec waited up to 2 s; with norewinds=1 it idles in 50 ms
    blocks (20 wakeups/s of pulseaudio). As a fallback, if nothing arrives
    within 0.2 s, the sink is suspended and resumed (pactl suspend-sink),
    which restarts its clock at once (`kicked` tells). That would cut a sound
    playing at that moment, so start recording *before* the sound you want;
    one recorder at a time is the safe use.
    """

    def __init__(self, desktop: "Desktop", path: str | None = None, latency_ms: int = 10,
                 device: str = "cap.monitor"):
        self.desktop = desktop
        self.path = path or desktop.new_path("audio", ".raw")
        self.latency_ms = latency_ms
        self.device = device
        self.chunks: list[tuple[float, int]] = []  # (arrival time, total bytes after chunk)
        self.start_wallclock: float | None = None
        self._bytes = 0
        self._file = open(self.path, "wb")
        self.proc = desktop.spawn(
            ["parec", "-d", device, "--raw", "--format=s16le", f"--rate={SAMPLE_RATE}", "--channels=1",
             f"--latency-msec={latency_ms}"],
            name="parec", stdout=subprocess.PIPE)
        self._thread = threading.Thread(target=self._read, name="recorder", daemon=True)
        self._thread.start()
        self.kicked = False  # whether the null sink needed a suspend/resume (see above)
        try:
            wait_for(lambda: self.chunks, timeout=0.2, interval=0.01, what="first audio bytes")
        except AssertionError:
            self.kicked = True
            desktop.pactl("suspend-sink", "cap", "1")
            desktop.pactl("suspend-sink", "cap", "0")
            wait_for(lambda: self.chunks or not self.proc.alive(), timeout=5, interval=0.01,
                     what="first audio bytes after resuming the null sink")
            if not self.chunks:
                raise AssertionError(f"parec exited:\n{_tail(self.proc.log_path)}")

    def _read(self):
        fd = self.proc.popen.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            now = time.time()
            if not data:
                break
            self._file.write(data)
            self._bytes += len(data)
            self.chunks.append((now, self._bytes))
        self._file.close()

    def elapsed(self) -> float:
        """Seconds of audio recorded so far."""
        return self._bytes / 2 / SAMPLE_RATE

    def stop(self) -> "Recorder":
        """Stop parec, flush the file, compute start_wallclock; returns self."""
        self.proc.stop()
        self._thread.join(5)
        if self.chunks:
            self.start_wallclock = (min(t - n / 2 / SAMPLE_RATE for t, n in self.chunks)
                                    + self.latency_ms / 1000)
        return self

    def events(self, **kw) -> list[dict]:
        """analyse() this recording (stop() first); keyword args go to analyse()."""
        if self.start_wallclock is None:
            self.stop()
        return analyse(self.path, self.start_wallclock, **kw)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.start_wallclock is None:
            self.stop()


# --------------------------------------------------------------------------
# The desktop
# --------------------------------------------------------------------------

DUNSTRC = """\
# Written by tests/desktop/desk.py for one test session.
[global]
    font = DejaVu Sans 10
    # Our fake dmenu answers `dunstctl context` with the action a test asked for.
    dmenu = {dmenu}
    # Keep every notification on screen until it is closed: tests decide.
    show_age_threshold = -1
    idle_threshold = 0
    notification_limit = 0
    stack_duplicates = false
    hide_duplicate_count = false
    sticky_history = yes
    history_length = 200
    ignore_dbusclose = false
    markup = full

[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0

# A rule without filters matches every notification. override_dbus_timeout
# (not `timeout`, which loses to the client's own expire_timeout) keeps even
# notifications that asked to expire; what the app asked for is still visible
# in notify_calls()[i]["expire_timeout"].
[harness_never_expire]
    override_dbus_timeout = 0
"""

DEFAULT_PA = """\
# Written by tests/desktop/desk.py. Loaded with `pulseaudio -n -F <this>`.
# auth-anonymous, no cookie: an app with any HOME can connect.
load-module module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0 socket={socket}
# norewinds=1: keeps the monitor stream a gapless, linear timeline (see Recorder).
load-module module-null-sink sink_name=cap norewinds=1 sink_properties=device.description=harness-capture
set-default-sink cap
# A microphone stand-in: recording from it is what a call does (test_calls.py).
load-module module-null-source source_name=mic description=harness-microphone
set-default-source mic
"""

ASOUNDRC = """\
# Written by tests/desktop/desk.py: every ALSA client (cpal in the app,
# aplay) plays through PulseAudio (libasound2-plugins), i.e. into the null sink.
pcm.!default { type pulse }
ctl.!default { type pulse }
"""


class Desktop:
    """The headless desktop; see the module docstring. Built by conftest.py.

    Attributes:
      root     session temp dir (logs/, home/, shots/, audio/ ...); conftest
               deletes it after a green session and keeps it otherwise
      env      the full environment for processes under test (see _make_env)
      display  e.g. ":1"
      bus      a dbus-python connection to the session bus (no main loop)
    """

    def __init__(self, root: str | None = None):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise RuntimeError("no session bus: run the desktop tests with tests/desktop/run "
                               "(dbus-run-session gives each run a private bus)")
        self.root = root or tempfile.mkdtemp(prefix="limber-desktop-")
        for d in ("logs", "home", "runtime", "pulse/run", "pulse/state", "dunst", "shots", "audio"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        os.chmod(os.path.join(self.root, "runtime"), 0o700)
        self.services: dict[str, Proc] = {}
        self.procs: list[Proc] = []        # everything ever spawned, for teardown
        self.test_procs: list[Proc] = []   # spawned during the current test
        self._counter = 0
        self.display: str | None = None
        self.bus = dbus.SessionBus()
        become_subreaper()
        self.monitor_path = os.path.join(self.root, "notify-monitor.jsonl")
        self._mon_pos = 0
        self._mon_buf = ""
        self._mon_events: list[dict] = []
        self.mark = {"t": 0.0, "server": None, "id_floor": 0}
        self._saved_environ = dict(os.environ)
        self.env: dict[str, str] = {}

    # ---- paths, processes -------------------------------------------------
    def new_path(self, subdir: str, suffix: str, stem: str = "") -> str:
        """A fresh file name under root/subdir (nothing is created)."""
        self._counter += 1
        return os.path.join(self.root, subdir, f"{stem or subdir}-{self._counter:03d}{suffix}")

    def spawn(self, argv: list[str], name: str | None = None, env: dict | None = None,
              scope: str = "test", **kw) -> Proc:
        """Start a process in its own group with its own log (root/logs/NAME-NNN.log).

        env defaults to self.env. scope="test" (default): stopped automatically
        when the current test ends and its log is shown if the test fails;
        scope="session": lives until the session ends. Other keyword args go
        to Proc (cwd, stdout, stdin, pass_fds, pdeathsig).
        """
        name = name or os.path.basename(argv[0])
        proc = Proc(name, argv, self.new_path("logs", ".log", stem=name),
                    env=self.env if env is None else env, **kw)
        self.procs.append(proc)
        if scope == "test":
            self.test_procs.append(proc)
        return proc

    def _run(self, argv: list[str], timeout: float = 10, check: bool = True, **kw) -> subprocess.CompletedProcess:
        """Run a short helper command (xdotool, pactl...) and capture its output."""
        r = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
        return r

    def name_owner(self, name: str) -> str | None:
        """Unique bus name owning `name`, or None."""
        try:
            return str(self.bus.get_name_owner(name))
        except dbus.exceptions.DBusException:
            return None

    # ---- environment ------------------------------------------------------
    def _make_env(self) -> dict[str, str]:
        """Environment for everything started on this desktop, app included.

        HOME and the XDG base dirs point into root/home, so the app under test
        reads no real user config; tests may override them. WAYLAND_DISPLAY is
        removed so winit picks X11 (Xvfb).
        """
        home = os.path.join(self.root, "home")
        pulse_run = os.path.join(self.root, "pulse", "run")
        env = dict(self._saved_environ)
        env.pop("WAYLAND_DISPLAY", None)
        env.update({
            "DISPLAY": self.display or "",
            "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
            "XDG_RUNTIME_DIR": os.path.join(self.root, "runtime"),
            "XDG_SESSION_TYPE": "x11",
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            # PulseAudio clients (paplay, parec, the ALSA pulse plugin) find the
            # server here; the runtime/state paths keep pulseaudio itself out of
            # /root and /run/user.
            "PULSE_SERVER": f"unix:{pulse_run}/native",
            "PULSE_RUNTIME_PATH": pulse_run,
            "PULSE_STATE_PATH": os.path.join(self.root, "pulse", "state"),
            "PULSE_CLIENTCONFIG": os.path.join(self.root, "pulse", "client.conf"),
            # ALSA reads its stock config, then ours (pcm.!default -> pulse),
            # whatever HOME the app gets. (A ~/.asoundrc is written as well.)
            "ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(self.root, "asoundrc"),
            "NO_AT_BRIDGE": "1",  # no accessibility bus (nothing could activate it anyway)
        })
        return env

    def _export_env(self):
        """Point this test process at the desktop as well (DISPLAY etc.), but
        keep its own HOME."""
        for k in ("DISPLAY", "XDG_RUNTIME_DIR", "XDG_SESSION_TYPE", "PULSE_SERVER", "PULSE_RUNTIME_PATH",
                  "PULSE_STATE_PATH", "PULSE_CLIENTCONFIG", "ALSA_CONFIG_PATH", "NO_AT_BRIDGE"):
            os.environ[k] = self.env[k]
        os.environ.pop("WAYLAND_DISPLAY", None)

    # ---- lifecycle --------------------------------------------------------
    def start(self) -> "Desktop":
        """Start every service; returns when each answers. Xvfb first (dunst
        needs the display), then the others are launched together and waited
        for one by one, which keeps start-up around 0.2 s."""
        for name in (NOTIFY_NAME, WATCHER_NAME):
            owner = self.name_owner(name)
            if owner:
                raise RuntimeError(f"{name} is already owned by {owner} on this bus: this is not a private "
                                   "session bus; use tests/desktop/run")
        self._write_configs()
        self.env = self._make_env()
        self.start_xvfb()
        self.env = self._make_env()
        self._export_env()
        self.start_monitor(wait=False)
        self.start_watcher(wait=False)
        self.start_pulse(wait=False)
        self.start_dunst(wait=False)
        self._wait_monitor()
        self._wait_watcher()
        self._wait_pulse()
        self._wait_dunst()
        return self

    def close(self) -> None:
        """Stop everything ever spawned (newest first) and restore os.environ."""
        for proc in reversed(self.procs):
            proc.stop()  # cheap for processes that are already gone
        os.environ.clear()
        os.environ.update(self._saved_environ)

    def _write_configs(self):
        wrapper = os.path.join(self.root, "dunst", "dmenu.sh")
        with open(wrapper, "w") as f:
            # dunst splits its dmenu setting on spaces: a wrapper in our temp dir
            # keeps paths with spaces (the repo's) out of that string.
            f.write(f"#!/bin/sh\nexec {PYTHON} '{HERE}/dunst_dmenu.py' "
                    f"'{self.root}/dunst/request.json' '{self.root}/dunst/result.json' \"$@\"\n")
        os.chmod(wrapper, 0o755)
        with open(os.path.join(self.root, "dunst", "dunstrc"), "w") as f:
            f.write(DUNSTRC.format(dmenu=wrapper))
        with open(os.path.join(self.root, "pulse", "default.pa"), "w") as f:
            f.write(DEFAULT_PA.format(socket=os.path.join(self.root, "pulse", "run", "native")))
        with open(os.path.join(self.root, "pulse", "client.conf"), "w") as f:
            f.write("autospawn = no\n")  # a client must never start a second server
        for path in (os.path.join(self.root, "asoundrc"), os.path.join(self.root, "home", ".asoundrc")):
            with open(path, "w") as f:
                f.write(ASOUNDRC)

    def service_running(self, name: str) -> bool:
        p = self.services.get(name)
        return bool(p and p.alive())

    def _stop_service(self, name: str):
        p = self.services.pop(name, None)
        if p:
            p.stop()

    def ensure_services(self):
        """Restart any service a test stopped (or that died); used between tests."""
        if not self.service_running("xvfb"):
            self.start_xvfb(display=self.display)
            self._stop_service("dunst")  # dunst dies with its X server
        for name in ("monitor", "watcher", "pulse", "dunst"):
            if not self.service_running(name):
                getattr(self, f"start_{name}")()

    # ---- Xvfb ---------------------------------------------------------------
    def start_xvfb(self, display: str | None = None):
        """Xvfb on a free display (Xvfb picks it: -displayfd), then waits for xdpyinfo."""
        if display:
            self.services["xvfb"] = self.spawn(
                ["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"], name="xvfb", scope="session")
        else:
            r, w = os.pipe()
            self.services["xvfb"] = self.spawn(
                ["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                name="xvfb", scope="session", pass_fds=(w,))
            os.close(w)
            display = read_displayfd(r)
            if display is None:
                raise AssertionError(f"Xvfb did not report a display:\n{_tail(self.services['xvfb'].log_path)}")
        self.display = display
        self.env = self._make_env()
        wait_for(lambda: self._run(["xdpyinfo"], check=False).returncode == 0 or not self.service_running("xvfb"),
                 timeout=15, what=f"Xvfb on {display}")
        if not self.service_running("xvfb"):
            raise AssertionError(f"Xvfb exited:\n{_tail(self.services['xvfb'].log_path)}")

    # ---- notification server (dunst) and monitor ---------------------------
    def start_dunst(self, wait: bool = True):
        """Start dunst with the session dunstrc; waits for org.freedesktop.Notifications."""
        self.services["dunst"] = self.spawn(
            ["dunst", "-config", os.path.join(self.root, "dunst", "dunstrc")], name="dunst", scope="session")
        if wait:
            self._wait_dunst()

    def _wait_dunst(self):
        self._wait_name(NOTIFY_NAME, "dunst")

    def stop_dunst(self):
        """Stop dunst; returns once org.freedesktop.Notifications has no owner.
        Nothing can auto-start another (session-bus.conf has no activation)."""
        self._stop_service("dunst")
        wait_for(lambda: self.name_owner(NOTIFY_NAME) is None, timeout=5, what="notification name released")

    def start_monitor(self, wait: bool = True):
        self.services["monitor"] = self.spawn(
            [PYTHON, os.path.join(HERE, "notify_monitor.py"), self.monitor_path], name="notify-monitor",
            scope="session")
        self._monitor_ready_count = sum(1 for e in self._monitor_events() if e["kind"] == "ready")
        if wait:
            self._wait_monitor()

    def _wait_monitor(self):
        def ready():
            if not self.service_running("monitor"):
                raise AssertionError(f"notify monitor exited:\n{_tail(self.services['monitor'].log_path)}")
            return sum(1 for e in self._monitor_events() if e["kind"] == "ready") > self._monitor_ready_count
        wait_for(ready, timeout=10, what="notify monitor ready")

    def _wait_name(self, name: str, service: str, timeout: float = 10):
        def owned():
            if not self.service_running(service):
                raise AssertionError(f"{service} exited before owning {name}:\n"
                                     f"{_tail(self.services[service].log_path)}")
            return self.name_owner(name)
        wait_for(owned, timeout=timeout, what=f"{name} owned by {service}")

    # ---- StatusNotifierWatcher ---------------------------------------------
    def start_watcher(self, wait: bool = True):
        """Start the stand-in watcher; waits until it owns org.kde.StatusNotifierWatcher."""
        self.services["watcher"] = self.spawn(
            [PYTHON, os.path.join(HERE, "sni_watcher.py")], name="sni-watcher", scope="session")
        if wait:
            self._wait_watcher()

    def _wait_watcher(self):
        self._wait_name(WATCHER_NAME, "watcher")

    def stop_watcher(self):
        """Stop the watcher (the "tray host went away" case); waits for the name to go."""
        self._stop_service("watcher")
        wait_for(lambda: self.name_owner(WATCHER_NAME) is None, timeout=5, what="watcher name released")

    # ---- PulseAudio -----------------------------------------------------------
    def start_pulse(self, wait: bool = True):
        """Start PulseAudio as the current user (root is fine, see below).

        As root, pulseaudio only *warns* ("This program is not intended to be
        run as root (unless --system is specified)") and runs as a normal
        per-user daemon. What makes it work, and reachable by an app running
        as root with any HOME:
          -n -F default.pa             no system default.pa (no hardware, no
                                       D-Bus/X11 modules), just our modules
          socket=<root>/pulse/run/native, auth-anonymous=1
                                       a fixed socket, no cookie needed
          PULSE_RUNTIME_PATH/PULSE_STATE_PATH/HOME
                                       private dirs, nothing in /root or /run/user
          --daemonize=no --exit-idle-time=-1 --disallow-exit
                                       stays in our process group, never exits
          --high-priority=no --realtime=no
                                       no nice -11 boost, so benchmarks of the
                                       app compete with a normal neighbour
        (--system is not needed and would require a pulse user and system dirs.)
        """
        self.services["pulse"] = self.spawn(
            ["pulseaudio", "-n", "-F", os.path.join(self.root, "pulse", "default.pa"),
             "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
             "--high-priority=no", "--realtime=no", "--log-target=stderr"],
            name="pulseaudio", scope="session")
        if wait:
            self._wait_pulse()

    def _wait_pulse(self):
        def up():
            if not self.service_running("pulse"):
                raise AssertionError(f"pulseaudio exited:\n{_tail(self.services['pulse'].log_path)}")
            r = self._run(["pactl", "list", "short", "sinks"], check=False)
            if r.returncode != 0 or "\tcap\t" not in r.stdout:
                return False
            r = self._run(["pactl", "list", "short", "sources"], check=False)
            return r.returncode == 0 and "\tmic\t" in r.stdout
        wait_for(up, timeout=10, what="pulseaudio with the null sink 'cap' and the null source 'mic'")

    def stop_pulse(self):
        """Stop PulseAudio (the "no sound server" case); waits until clients cannot connect."""
        self._stop_service("pulse")
        wait_for(lambda: self._run(["pactl", "info"], check=False).returncode != 0, timeout=5,
                 what="pulseaudio gone")

    def pactl(self, *args: str) -> str:
        """Run pactl against the desktop's server; returns stdout."""
        return self._run(["pactl", *args]).stdout

    def recorder(self, **kw) -> Recorder:
        """Start recording the null sink (see Recorder)."""
        return Recorder(self, **kw)

    def sink_inputs(self) -> list[dict]:
        """Playback streams currently connected to PulseAudio:
        [{"index", "client", "sink", "props": {...}}] from `pactl list sink-inputs`."""
        out, cur = [], None
        for line in self.pactl("list", "sink-inputs").splitlines():
            m = re.match(r"Sink Input #(\d+)", line)
            if m:
                cur = {"index": int(m.group(1)), "props": {}}
                out.append(cur)
            elif cur is not None:
                s = line.strip()
                kv = re.match(r'([\w.]+) = "(.*)"$', s)
                if kv:
                    cur["props"][kv.group(1)] = kv.group(2)
                elif s.startswith("Client:"):
                    cur["client"] = s.split(":", 1)[1].strip()
                elif s.startswith("Sink:"):
                    cur["sink"] = s.split(":", 1)[1].strip()
        return out

    # ---- per-test bookkeeping (called by conftest) -----------------------------
    def begin_test(self):
        """Fresh slate: services up, no notifications on screen, a mark from
        which notify_calls()/notifications() etc. count by default."""
        self.ensure_services()
        self.close_all()
        server = self.name_owner(NOTIFY_NAME)
        ids = [c["id"] for c in self.notify_calls(all=True) if c.get("server") == server and c.get("id")]
        self.mark = {"t": time.time(), "server": server, "id_floor": max(ids, default=0)}

    def end_test(self):
        """Stop what the test spawned, clear the screen."""
        for proc in reversed(self.test_procs):
            proc.stop()
        self.test_procs = []
        if self.service_running("dunst") and self.name_owner(NOTIFY_NAME):
            self.close_all()

    def report(self, procs: Iterable[Proc] | None = None, lines: int = 40) -> str:
        """Tails of the logs of `procs` (default: services + this test's processes)."""
        procs = list(procs) if procs is not None else list(self.services.values()) + self.test_procs
        parts = [f"desktop root: {self.root}  DISPLAY={self.display}"]
        for p in procs:
            parts.append(f"----- {p.name} (pid {p.pid}, {'running' if p.alive() else f'exit {p.returncode}'})"
                         f" {p.log_path}\n{_tail(p.log_path, lines)}")
        parts.append(f"----- notify monitor {self.monitor_path}\n{_tail(self.monitor_path, 15)}")
        return "\n".join(parts)

    # ---- notifications -----------------------------------------------------
    def _monitor_events(self) -> list[dict]:
        """All monitor records so far (read incrementally; only whole lines)."""
        try:
            with open(self.monitor_path) as f:
                f.seek(self._mon_pos)
                data = f.read()
                self._mon_pos = f.tell()
        except FileNotFoundError:
            return self._mon_events
        self._mon_buf += data
        *lines, self._mon_buf = self._mon_buf.split("\n")
        self._mon_events.extend(json.loads(line) for line in lines if line.strip())
        return self._mon_events

    def _since(self, records: list[dict], all: bool) -> list[dict]:
        return records if all else [r for r in records if r["t"] >= self.mark["t"]]

    def notify_calls(self, all: bool = False) -> list[dict]:
        """Notify calls seen on the bus, oldest first (since the current test
        began, unless all=True). Each:
          t, sender (caller's unique name), app_name, replaces_id, app_icon,
          summary, body, actions [[key, label], ...], hints (to_plain; image
          data as {"bytes": n}), expire_timeout (as requested by the app),
          id (assigned by the server; None until it replied), server (its
          unique name), error (D-Bus error name if the call failed, e.g.
          org.freedesktop.DBus.Error.ServiceUnknown while dunst is stopped)
        """
        calls: dict[tuple, dict] = {}
        for e in self._monitor_events():
            if e["kind"] == "notify":
                calls[(e["sender"], e["serial"])] = dict(e, id=None, server=None, error=None)
            elif e["kind"] in ("notify_reply", "notify_error"):
                c = calls.get((e["destination"], e["reply_serial"]))
                if c and e["kind"] == "notify_reply":
                    c["server"], c["id"] = e["sender"], e["id"]
                elif c:
                    c["error"] = e["error"]  # from the bus itself when nobody serves the name
        return self._since(list(calls.values()), all)

    def close_calls(self, all: bool = False) -> list[dict]:
        """CloseNotification calls: [{"t", "sender", "destination", "id"}]."""
        return self._since([e for e in self._monitor_events() if e["kind"] == "close_call"], all)

    def closed_signals(self, all: bool = False) -> list[dict]:
        """NotificationClosed signals: [{"t", "sender", "destination", "id", "reason"}]
        (reason 1 expired, 2 dismissed by user, 3 closed by CloseNotification, 4 other)."""
        return self._since([e for e in self._monitor_events() if e["kind"] == "closed"], all)

    def action_signals(self, all: bool = False) -> list[dict]:
        """ActionInvoked signals: [{"t", "sender", "destination", "id", "key"}]."""
        return self._since([e for e in self._monitor_events() if e["kind"] == "action_invoked"], all)

    def _dunst(self, method: str, sig: str = "", args=()):
        return self.bus.call_blocking(NOTIFY_NAME, NOTIFY_PATH, DUNST_IFACE, method, sig, args, timeout=10)

    def dunst_count(self, which: str = "displayed") -> int:
        """dunst's own count: which = "displayed" | "waiting" | "history"."""
        return int(self.bus.call_blocking(NOTIFY_NAME, NOTIFY_PATH, PROPS_IFACE, "Get", "ss",
                                          (DUNST_IFACE, f"{which}Length"), timeout=10))

    def displayed(self, all: bool = False) -> list[dict]:
        """Notifications the running dunst shows now, from the monitor's log:
        the latest Notify per id from the current server, minus the closed ones.
        (dunst 1.9 has no call to list displayed notifications.)"""
        server = self.name_owner(NOTIFY_NAME)
        if server is None:
            return []
        shown: dict[int, dict] = {}
        for c in self.notify_calls(all=True):
            if c["server"] == server and c["id"]:
                shown[c["id"]] = c
        for s in self.closed_signals(all=True):
            if s["sender"] == server and s["id"] in shown and s["t"] >= shown[s["id"]]["t"]:
                del shown[s["id"]]
        out = sorted(shown.values(), key=lambda c: c["t"])
        return out if all else [c for c in out if self._in_test(server, c["id"])]

    def _in_test(self, server: str, nid: int) -> bool:
        return server != self.mark["server"] or nid > self.mark["id_floor"]

    def history(self, all: bool = False) -> list[dict]:
        """dunst's history (closed notifications), newest first, as plain dicts:
        id, appname, summary, body, message, category, icon_path, timestamp, ..."""
        server = self.name_owner(NOTIFY_NAME)
        if server is None:
            return []
        raw = self._dunst("NotificationListHistory")
        out = [to_plain(entry) for entry in raw]
        return out if all else [n for n in out if self._in_test(server, n["id"])]

    def notifications(self, all: bool = False) -> list[dict]:
        """Displayed notifications (state "displayed", oldest first) followed by
        dunst's history (state "history", newest first), since the current
        test began unless all=True. Each: id, appname, summary, body, actions
        ([[key, label], ...], from the monitor), hints, expire_timeout, state."""
        out = []
        for c in self.displayed(all):
            out.append({"id": c["id"], "appname": c["app_name"], "summary": c["summary"], "body": c["body"],
                        "actions": c["actions"], "hints": c["hints"], "expire_timeout": c["expire_timeout"],
                        "state": "displayed"})
        server = self.name_owner(NOTIFY_NAME)
        by_id = {c["id"]: c for c in self.notify_calls(all=True) if c["server"] == server and c["id"]}
        for h in self.history(all):
            c = by_id.get(h["id"], {})
            out.append(dict(h, actions=c.get("actions"), hints=c.get("hints"),
                            expire_timeout=c.get("expire_timeout"), state="history"))
        return out

    def wait_notification(self, pred: Callable[[dict], bool] | str, timeout: float = 10,
                          all: bool = False) -> dict:
        """Wait until a notification matches and return it. pred is a callable
        on the notifications() dicts, or a string that must occur in the
        summary or body."""
        if isinstance(pred, str):
            text = pred
            pred = lambda n: text in n["summary"] or text in n["body"]  # noqa: E731
        return wait_for(lambda: next((n for n in self.notifications(all) if pred(n)), None),
                        timeout=timeout, what=f"a matching notification; seen: "
                        f"{[n['summary'] for n in self.notifications(all)]}")

    def invoke_action(self, action: str, summary: str | None = None, id: int | None = None,
                      timeout: float = 10) -> dict:
        """Fire a notification action the way a user would in dunst.

        `action` is an action key or label (mnemonic underscores optional).
        Narrow with summary=/id= when several displayed notifications offer
        it. Waits (up to timeout) for the action to be on screen, drives
        `dunstctl context` through the fake dmenu, and returns once dunst has
        emitted ActionInvoked: {"id", "key", "label"}.
        """
        def candidates():
            found = []
            for n in self.displayed(all=True):
                if (summary is not None and n["summary"] != summary) or (id is not None and n["id"] != id):
                    continue
                for key, label in n["actions"]:
                    if action in (key, label, strip_mnemonic(label)):
                        found.append({"id": n["id"], "key": key, "label": label})
            return found

        def offered():
            return [(n["id"], n["summary"], n["actions"]) for n in self.displayed(all=True)]

        found = wait_for(candidates, timeout=timeout, what=f"action {action!r} on screen; offered: {offered()}")
        if len(found) > 1:
            raise AssertionError(f"action {action!r} is ambiguous: {found}; pass summary= or id=")
        target = found[0]
        nonce = f"{time.time()}-{os.getpid()}"
        request = os.path.join(self.root, "dunst", "request.json")
        result = os.path.join(self.root, "dunst", "result.json")
        with open(request + ".tmp", "w") as f:
            json.dump({"nonce": nonce, "id": target["id"], "key": target["key"]}, f)
        os.replace(request + ".tmp", request)
        before = len(self.action_signals(all=True))
        self._dunst("ContextMenuCall")

        def answered():
            try:
                with open(result) as f:
                    r = json.load(f)
            except (OSError, ValueError):
                return None
            return r if r.get("nonce") == nonce else None
        r = wait_for(answered, timeout=timeout, what="dunst to run the dmenu script")
        if not r["chosen"]:
            raise AssertionError(f"dunst's menu did not offer [{target['id']},{target['key']}]: {r['menu']}")
        wait_for(lambda: any(s["id"] == target["id"] and s["key"] == target["key"]
                             for s in self.action_signals(all=True)[before:]),
                 timeout=timeout, what=f"ActionInvoked({target['id']}, {target['key']!r})")
        return target

    def close_all(self):
        """Close every displayed notification (dunstctl close-all) and wait for it."""
        self._dunst("NotificationCloseAll")
        wait_for(lambda: self.dunst_count("displayed") == 0 and self.dunst_count("waiting") == 0,
                 timeout=5, what="dunst to close all notifications")

    # ---- tray --------------------------------------------------------------
    def watcher_items(self) -> list[str]:
        """The watcher's RegisteredStatusNotifierItems ([] if no watcher runs)."""
        try:
            return [str(s) for s in self.bus.call_blocking(
                WATCHER_NAME, WATCHER_PATH, PROPS_IFACE, "Get", "ss",
                ("org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems"), timeout=5)]
        except dbus.exceptions.DBusException:
            return []

    def tray_items(self) -> list[TrayItem]:
        """Registered tray items, oldest registration first."""
        return [TrayItem(self.bus, s) for s in self.watcher_items()]

    def tray_item(self, timeout: float = 10, match: Callable[[TrayItem], bool] | None = None) -> TrayItem:
        """Wait for a registered tray item (matching `match`, if given) and
        return the most recently registered one."""
        def find():
            items = [i for i in self.tray_items() if match is None or match(i)]
            return items[-1] if items else None
        return wait_for(find, timeout=timeout, what="a tray item registered with the watcher",
                        retry_on=(dbus.exceptions.DBusException,))

    # ---- windows (X11) ---------------------------------------------------------
    def xdotool(self, *args: str, timeout: float = 10) -> str:
        return self._run(["xdotool", *args], timeout=timeout).stdout

    def windows(self, name: str, visible: bool = True) -> list[int]:
        """Ids of windows whose title matches the regex `name` (mapped ones only if visible)."""
        argv = ["xdotool", "search"] + (["--onlyvisible"] if visible else []) + ["--name", name]
        r = self._run(argv, check=False)
        return [int(w) for w in r.stdout.split()]

    def wait_window(self, name: str, timeout: float = 10, visible: bool = True) -> int:
        """Wait for a window whose title matches the regex `name`; returns its id."""
        return wait_for(lambda: (self.windows(name, visible) or [None])[0], timeout=timeout,
                        what=f"window {name!r}")

    def wait_window_gone(self, name: str, timeout: float = 10):
        """Wait until no visible window matches `name` (closed or unmapped)."""
        wait_for(lambda: not self.windows(name), timeout=timeout, what=f"window {name!r} to go away")

    def window_name(self, win: int) -> str:
        return self.xdotool("getwindowname", str(win)).rstrip("\n")

    def window_geometry(self, win: int) -> dict:
        """{"x", "y", "width", "height", "screen"} of a window."""
        out = {}
        for line in self.xdotool("getwindowgeometry", "--shell", str(win)).split():
            k, _, v = line.partition("=")
            if k in ("X", "Y", "WIDTH", "HEIGHT", "SCREEN"):
                out[k.lower()] = int(v)
        return out

    def focus(self, win: int):
        """Give the window keyboard focus and wait until it has it (no window
        manager runs, so this is plain XSetInputFocus)."""
        self.xdotool("windowfocus", "--sync", str(win))

    def key(self, *keysyms: str):
        """Press keys on whatever has focus (real XTEST events; a --window key
        would be a synthetic event that many toolkits ignore). focus() first."""
        self.xdotool("key", *keysyms)

    def type_text(self, text: str):
        self.xdotool("type", "--delay", "20", text)

    def mousemove(self, x: int, y: int):
        """Move the pointer (also resets the X11 idle timer)."""
        self.xdotool("mousemove", "--sync", str(x), str(y))

    def click_at(self, x: int, y: int, button: int = 1):
        self.mousemove(x, y)
        self.xdotool("click", str(button))

    def screenshot(self, path: str | None = None, window: int | None = None) -> str:
        """PNG of the whole screen (or one window) via ImageMagick `import`; returns the path."""
        path = path or self.new_path("shots", ".png")
        self._run(["import", "-window", str(window) if window else "root", path], timeout=20)
        return path

    def ocr(self, path: str, upscale: int = 2) -> str:
        """Text in an image, via tesseract. The image is first scaled up
        (upscale x, 2 by default) and made grey: screen fonts at 10-12 px are
        below what tesseract reads reliably."""
        src = path
        if upscale and upscale != 1:
            src = path.rsplit(".", 1)[0] + f"-x{upscale}.png"
            self._run(["convert", path, "-colorspace", "Gray", "-resize", f"{upscale * 100}%", src], timeout=30)
        return self._run(["tesseract", src, "stdout", "--psm", "3"], timeout=60).stdout
