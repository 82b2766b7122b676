#!/usr/bin/python3
"""Stand-ins for the session services limber's away and quiet adapters follow, and the
helpers the tests drive them with.

As a program (run with Debian's /usr/bin/python3: python3-dbus, python3-gi):

    session_standins.py logind [--no-pid]     org.freedesktop.login1 on the *system* bus
                                              (DBUS_SYSTEM_BUS_ADDRESS: a private bus).
                                              --no-pid: GetSessionByPID knows no session,
                                              so limber must find it through .../session/auto
    session_standins.py screensaver [--active] org.freedesktop.ScreenSaver (session bus)
    session_standins.py gnome-screensaver [--active]  org.gnome.ScreenSaver
    session_standins.py notifications [--inhibited]  org.freedesktop.Notifications with
                                              the Inhibited property (dunst 1.9 has none)
    session_standins.py portal [--hidden] [--v1]  org.freedesktop.portal.Desktop, Settings,
                                              org.gnome.desktop.notifications show-banners;
                                              --v1: an old portal with Read but no ReadOne

Each serves org.limber.SessionStandIn on its main object for the test:
    Calls() -> s          JSON list of the calls limber made
    logind: Lock(), Unlock(), SetLockedHint(b), Sleep(b)
    screensavers: SetActive(b) is their own method (emits ActiveChanged)
    notifications: SetInhibited(b)        portal: SetBanners(b)
It logs one JSON object per line on stdout; SIGTERM stops it.

As a module: system_bus(), standin(), quiet_reports(), wait_quiet() and FullscreenWindow.
"""

import ctypes
import ctypes.util
import json
import os
import re
import signal
import socket
import sys
import time
import types

import dbus
import dbus.service

CTL = "org.limber.SessionStandIn"
PROPS = "org.freedesktop.DBus.Properties"
HERE = os.path.dirname(os.path.abspath(__file__))

LOGIND = ("org.freedesktop.login1", "/org/freedesktop/login1")
SESSION_ID = "c7"
SESSION_PATH = "/org/freedesktop/login1/session/c7"
WHERE = {
    "logind": LOGIND,
    "screensaver": ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
    "gnome-screensaver": ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
    "notifications": ("org.freedesktop.Notifications", "/org/freedesktop/Notifications"),
    "portal": ("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop"),
}


def log(**kw):
    print(json.dumps(dict(kw, t=round(time.time(), 3))), flush=True)


# --------------------------------------------------------------------------
# The services
# --------------------------------------------------------------------------

class Recording(dbus.service.Object):
    def __init__(self, bus, path):
        super().__init__(bus, path)
        self.calls = []

    def record(self, *call):
        self.calls.append(list(call))
        log(call=list(call))

    @dbus.service.method(CTL, out_signature="s")
    def Calls(self):
        return json.dumps(self.calls)


class Properties(dbus.service.Object):
    """org.freedesktop.DBus.Properties over a dict per interface. A dbus.service.Object itself:
    dbus-python collects the members of such bases only."""

    def props(self):
        raise NotImplementedError

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, name):
        self.record("Get", str(iface), str(name))
        try:
            return self.props()[str(iface)][str(name)]
        except KeyError:
            raise dbus.exceptions.DBusException(f"no property {iface}.{name}",
                                                name="org.freedesktop.DBus.Error.UnknownProperty")

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props().get(str(iface), {})

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        log(signal="PropertiesChanged", iface=str(iface), changed={k: bool(v) for k, v in changed.items()})


class Session(Recording, Properties):
    IFACE = "org.freedesktop.login1.Session"

    def __init__(self, bus, path):
        super().__init__(bus, path)
        self.locked_hint = False

    def props(self):
        return {self.IFACE: {"Id": dbus.String(SESSION_ID), "LockedHint": dbus.Boolean(self.locked_hint)}}

    @dbus.service.signal(IFACE)
    def Lock(self):
        log(signal="Lock")

    @dbus.service.signal(IFACE)
    def Unlock(self):
        log(signal="Unlock")


class Logind(Recording):
    IFACE = "org.freedesktop.login1.Manager"

    def __init__(self, bus, by_pid=True):
        super().__init__(bus, LOGIND[1])
        self.by_pid = by_pid
        self.session = Session(bus, SESSION_PATH)
        # logind resolves ".../session/auto" to the caller's (or the user's display) session.
        self.auto = Session(bus, "/org/freedesktop/login1/session/auto")

    @dbus.service.method(IFACE, in_signature="u", out_signature="o")
    def GetSessionByPID(self, pid):
        self.record("GetSessionByPID", int(pid))
        if not self.by_pid:
            raise dbus.exceptions.DBusException(f"PID {pid} does not belong to any known session",
                                                name="org.freedesktop.login1.NoSessionForPID")
        return dbus.ObjectPath(SESSION_PATH)

    @dbus.service.method(IFACE, in_signature="s", out_signature="o")
    def GetSession(self, sid):
        self.record("GetSession", str(sid))
        if str(sid) != SESSION_ID:
            raise dbus.exceptions.DBusException(f"No session '{sid}' known",
                                                name="org.freedesktop.login1.NoSuchSession")
        return dbus.ObjectPath(SESSION_PATH)

    @dbus.service.signal(IFACE, signature="b")
    def PrepareForSleep(self, start):
        log(signal="PrepareForSleep", start=bool(start))

    @dbus.service.method(CTL)
    def Lock(self):
        self.session.Lock()

    @dbus.service.method(CTL)
    def Unlock(self):
        self.session.Unlock()

    @dbus.service.method(CTL, in_signature="b")
    def SetLockedHint(self, locked):
        self.session.locked_hint = self.auto.locked_hint = bool(locked)
        self.session.PropertiesChanged(Session.IFACE, {"LockedHint": dbus.Boolean(locked)}, [])

    @dbus.service.method(CTL, in_signature="b")
    def Sleep(self, start):
        self.PrepareForSleep(bool(start))


def _saver_class(iface):
    """org.freedesktop.ScreenSaver and org.gnome.ScreenSaver have the same three members.
    dbus-python binds members to their interface, and keys its tables by class name, when a
    class is made: so one class each, each made under its own name."""

    def __init__(self, bus, path, active=False):
        Recording.__init__(self, bus, path)
        self.active = active

    @dbus.service.method(iface, out_signature="b")
    def GetActive(self):
        self.record("GetActive")
        return dbus.Boolean(self.active)

    @dbus.service.method(iface, in_signature="b", out_signature="b")
    def SetActive(self, active):
        self.active = bool(active)
        self.ActiveChanged(self.active)
        return True

    @dbus.service.signal(iface, signature="b")
    def ActiveChanged(self, active):
        log(signal="ActiveChanged", active=bool(active))

    members = {"__init__": __init__, "GetActive": GetActive, "SetActive": SetActive, "ActiveChanged": ActiveChanged}
    return types.new_class(iface.replace(".", "_"), (Recording,), {}, lambda ns: ns.update(members))


SAVERS = {"screensaver": _saver_class("org.freedesktop.ScreenSaver"),
          "gnome-screensaver": _saver_class("org.gnome.ScreenSaver")}


class Notifications(Recording, Properties):
    IFACE = "org.freedesktop.Notifications"

    def __init__(self, bus, inhibited=False):
        super().__init__(bus, WHERE["notifications"][1])
        self.inhibited = inhibited
        self.next_id = 0

    def props(self):
        return {self.IFACE: {"Inhibited": dbus.Boolean(self.inhibited)}}

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        self.record("Notify", str(summary))
        self.next_id += 1
        return dbus.UInt32(replaces or self.next_id)

    @dbus.service.method(IFACE, in_signature="u")
    def CloseNotification(self, nid):
        self.record("CloseNotification", int(nid))
        self.NotificationClosed(nid, 3)

    @dbus.service.method(IFACE, out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body"]

    @dbus.service.method(IFACE, out_signature="ssss")
    def GetServerInformation(self):
        return ("limber-standin", "limber", "1", "1.3")

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.method(CTL, in_signature="b")
    def SetInhibited(self, inhibited):
        self.inhibited = bool(inhibited)
        self.PropertiesChanged(self.IFACE, {"Inhibited": dbus.Boolean(self.inhibited)}, [])


PORTAL_SETTINGS = "org.freedesktop.portal.Settings"
NAMESPACE, KEY = "org.gnome.desktop.notifications", "show-banners"


class PortalV1(Recording, Properties):
    """The Settings interface as portals before version 2 had it: Read only, and its value
    a variant inside the reply's variant."""

    def __init__(self, bus, banners=True):
        super().__init__(bus, WHERE["portal"][1])
        self.banners = banners

    def props(self):
        return {PORTAL_SETTINGS: {"version": dbus.UInt32(self.VERSION)}}

    VERSION = 1

    def _value(self, namespace, key):
        if (str(namespace), str(key)) != (NAMESPACE, KEY):
            raise dbus.exceptions.DBusException("Requested setting not found",
                                                name="org.freedesktop.portal.Error.NotFound")
        return self.banners

    @dbus.service.method(PORTAL_SETTINGS, in_signature="ss", out_signature="v")
    def Read(self, namespace, key):
        self.record("Read", str(namespace), str(key))
        return dbus.Boolean(self._value(namespace, key), variant_level=2)

    @dbus.service.signal(PORTAL_SETTINGS, signature="ssv")
    def SettingChanged(self, namespace, key, value):
        log(signal="SettingChanged", value=bool(value))

    @dbus.service.method(CTL, in_signature="b")
    def SetBanners(self, shown):
        self.banners = bool(shown)
        self.SettingChanged(NAMESPACE, KEY, dbus.Boolean(self.banners, variant_level=1))


class Portal(PortalV1):
    VERSION = 2

    @dbus.service.method(PORTAL_SETTINGS, in_signature="ss", out_signature="v")
    def ReadOne(self, namespace, key):
        self.record("ReadOne", str(namespace), str(key))
        return dbus.Boolean(self._value(namespace, key), variant_level=1)


def serve(argv):
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib

    DBusGMainLoop(set_as_default=True)
    kind, flags = argv[0], set(argv[1:])
    name, path = WHERE[kind]
    if kind == "logind":
        bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
        objs = [Logind(bus, by_pid="--no-pid" not in flags)]
    else:
        bus = dbus.SessionBus()
        if kind == "screensaver":
            # KDE serves both paths; the spec names /ScreenSaver, GNOME's proxy the other.
            objs = [SAVERS[kind](bus, p, "--active" in flags) for p in (path, "/ScreenSaver")]
        elif kind == "gnome-screensaver":
            objs = [SAVERS[kind](bus, path, "--active" in flags)]
        elif kind == "notifications":
            objs = [Notifications(bus, "--inhibited" in flags)]
        else:
            objs = [(PortalV1 if "--v1" in flags else Portal)(bus, banners="--hidden" not in flags)]
    # Own the name last, so a client that sees it can call every object at once.
    keep = dbus.service.BusName(name, bus, do_not_queue=True)
    log(ready=name, objects=len(objs), keep=str(keep.get_name()))
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    loop.run()


# --------------------------------------------------------------------------
# Helpers for the tests
# --------------------------------------------------------------------------

SYSTEM_BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def system_bus(desktop, tmp_path):
    """Starts a private bus standing in for the system bus (stopped with the test's other
    processes); returns (address, dbus-python connection)."""
    from desk import wait_for

    sock = str(tmp_path / "system_bus_socket")
    conf = tmp_path / "system-bus.conf"
    conf.write_text(SYSTEM_BUS_CONF.format(socket=sock))
    proc = desktop.spawn(["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={conf}"], name="system-bus")

    def listening():
        assert proc.alive(), f"dbus-daemon exited:\n{proc.log_text()}"
        with socket.socket(socket.AF_UNIX) as s:
            return s.connect_ex(sock) == 0

    wait_for(listening, timeout=10, what="the private system bus")
    address = f"unix:path={sock}"
    return address, dbus.bus.BusConnection(address)


def standin(desktop, kind, bus, *flags, env=None):
    """Starts a stand-in on `bus`; returns a proxy for its main object once it owns its
    name, with the process as `.proc`."""
    from desk import PYTHON, wait_for

    name, path = WHERE[kind]
    proc = desktop.spawn([PYTHON, os.path.abspath(__file__), kind, *flags], name=f"standin-{kind}", env=env)

    def owned():
        assert proc.alive(), f"the {kind} stand-in exited:\n{proc.log_text()}"
        return bus.name_has_owner(name)

    wait_for(owned, timeout=10, what=f"{name} on the bus")
    # No interface: the member names are unique on each stand-in, so its own methods
    # (SetActive) and the test's (Calls, Lock) are both called on this proxy.
    ctl = bus.get_object(name, path)
    ctl.proc = proc
    return ctl


def calls(ctl):
    return json.loads(str(ctl.Calls()))


QUIET_LINE = re.compile(r"quiet: Quiet \{ fullscreen: (true|false), do_not_disturb: (true|false), "
                        r"app: (None|Some\(\"([^\"]*)\"\)), microphone: (true|false), camera: (true|false) \}")


def quiet_reports(app):
    """Every Quiet the daemon logged, oldest first:
    [{"fullscreen", "do_not_disturb", "app", "microphone", "camera"}]."""
    return [{"fullscreen": m[1] == "true", "do_not_disturb": m[2] == "true", "app": m[4] if m[3] != "None" else None,
             "microphone": m[5] == "true", "camera": m[6] == "true"}
            for m in QUIET_LINE.finditer(app.log())]


def wait_quiet(limber, timeout=10, **expect):
    """Waits until the daemon's latest Quiet has the `expect`ed fields (fullscreen=...,
    do_not_disturb=..., app=..., microphone=..., camera=...); returns it."""
    from desk import wait_for

    def latest():
        reports = quiet_reports(limber)
        return reports and all(reports[-1][k] == v for k, v in expect.items()) and reports[-1]

    return wait_for(latest, timeout=timeout, what=f"a quiet report with {expect}; reports {quiet_reports(limber)}")


class FullscreenWindow:
    """A window of the test's own on the test X server, made active and (un)fullscreen the
    way a window manager would: Xvfb runs none, so the properties are set here. libX11
    through ctypes, so no Python X library is needed. Use as a context manager: on exit the
    window is destroyed and the root's _NET_ACTIVE_WINDOW removed, so no later test sees it."""

    XA_ATOM, XA_WINDOW, PROP_MODE_REPLACE = 4, 33, 0

    def __init__(self, display):
        x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XCreateSimpleWindow.restype = ctypes.c_ulong
        x.XCreateSimpleWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + [ctypes.c_int] * 2 + \
            [ctypes.c_uint] * 3 + [ctypes.c_ulong] * 2
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XChangeProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int,
                                      ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
        for f in ("XMapWindow", "XDestroyWindow"):
            getattr(x, f).argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XDeleteProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.x = x
        self.dpy = x.XOpenDisplay(display.encode())
        assert self.dpy, f"cannot open display {display}"
        self.root = x.XDefaultRootWindow(self.dpy)
        self.win = x.XCreateSimpleWindow(self.dpy, self.root, 0, 0, 320, 200, 0, 0, 0)
        x.XMapWindow(self.dpy, self.win)
        self.atom = {n: x.XInternAtom(self.dpy, n.encode(), 0) for n in
                     ("_NET_ACTIVE_WINDOW", "_NET_WM_STATE", "_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_ABOVE")}
        x.XSync(self.dpy, 0)

    def _set(self, window, prop, kind, values):
        data = (ctypes.c_ulong * max(len(values), 1))(*values)  # format 32 is C longs to Xlib
        self.x.XChangeProperty(self.dpy, window, self.atom[prop], kind, 32, self.PROP_MODE_REPLACE, data, len(values))
        self.x.XSync(self.dpy, 0)

    def activate(self, window=None):
        self._set(self.root, "_NET_ACTIVE_WINDOW", self.XA_WINDOW, [self.win if window is None else window])

    def state(self, *names):
        """Sets the window's _NET_WM_STATE to these atoms (none: an empty list)."""
        self._set(self.win, "_NET_WM_STATE", self.XA_ATOM, [self.atom[n] for n in names])

    def close(self):
        if self.dpy:
            self.x.XDeleteProperty(self.dpy, self.root, self.atom["_NET_ACTIVE_WINDOW"])
            self.x.XDestroyWindow(self.dpy, self.win)
            self.x.XSync(self.dpy, 0)
            self.x.XCloseDisplay(self.dpy)
            self.dpy = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    serve(sys.argv[1:])
