#!/usr/bin/python3
"""Stand-ins for the D-Bus idle services limber can use, driven by the tests.

    idle_standins.py mutter        org.gnome.Mutter.IdleMonitor on the session bus
    idle_standins.py screensaver   org.freedesktop.ScreenSaver on the session bus
    idle_standins.py logind        org.freedesktop.login1 on the *system* bus
                                   (DBUS_SYSTEM_BUS_ADDRESS: a private bus in the tests)

Each also serves the interface org.limber.IdleStandIn on its main object, for the test:

    Calls() -> s             JSON list of the calls limber made, e.g. [["AddIdleWatch", 3000], ...]
    FireIdle()               mutter: WatchFired for every idle watch
    FireActive()             mutter: WatchFired for every user-active watch (one-shot: removed)
    FireWatch(u id)          mutter: WatchFired for that one idle watch (false if it is not there)
    Touch()                  screensaver: input now (GetSessionIdleTime counts from here)
    SetHint(b idle, t since_us)  logind: set IdleHint / IdleSinceHint, emit PropertiesChanged

It logs one JSON object per line on stdout. SIGTERM stops it.
Run with Debian's /usr/bin/python3 (python3-dbus, python3-gi).
"""

import signal
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

# The same test interface, call log and recording base as the session stand-ins.
from session_standins import CTL as TEST_IFACE, Recording, log  # noqa: E402

PROPS_IFACE = "org.freedesktop.DBus.Properties"


class Mutter(Recording):
    """GNOME's IdleMonitor: idle watches fire each time idle time crosses their interval,
    user-active watches fire once at the next input and are then gone."""

    NAME, PATH, IFACE = "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", \
        "org.gnome.Mutter.IdleMonitor"

    def __init__(self, bus):
        super().__init__(bus, self.PATH)
        self.next_id = 1
        self.idle_watches = {}   # id -> interval ms
        self.active_watches = set()
        self.last_input = time.monotonic()

    def _new_id(self):
        self.next_id += 1
        return self.next_id

    @dbus.service.method(IFACE, out_signature="t")
    def GetIdletime(self):
        self.record("GetIdletime")
        return dbus.UInt64(int((time.monotonic() - self.last_input) * 1000))

    @dbus.service.method(IFACE, in_signature="t", out_signature="u")
    def AddIdleWatch(self, interval):
        wid = self._new_id()
        self.idle_watches[wid] = int(interval)
        self.record("AddIdleWatch", int(interval), wid)
        return dbus.UInt32(wid)

    @dbus.service.method(IFACE, out_signature="u")
    def AddUserActiveWatch(self):
        wid = self._new_id()
        self.active_watches.add(wid)
        self.record("AddUserActiveWatch", wid)
        return dbus.UInt32(wid)

    @dbus.service.method(IFACE, in_signature="u")
    def RemoveWatch(self, wid):
        self.idle_watches.pop(int(wid), None)
        self.active_watches.discard(int(wid))
        self.record("RemoveWatch", int(wid))

    @dbus.service.signal(IFACE, signature="u")
    def WatchFired(self, wid):
        log(fired=int(wid))

    @dbus.service.method(TEST_IFACE, out_signature="u")
    def FireIdle(self):
        for wid in list(self.idle_watches):
            self.WatchFired(dbus.UInt32(wid))
        return len(self.idle_watches)

    @dbus.service.method(TEST_IFACE, in_signature="u", out_signature="b")
    def FireWatch(self, wid):
        if int(wid) not in self.idle_watches:
            return False
        self.WatchFired(dbus.UInt32(wid))
        return True

    @dbus.service.method(TEST_IFACE, out_signature="u")
    def FireActive(self):
        self.last_input = time.monotonic()
        fired = list(self.active_watches)
        self.active_watches.clear()
        for wid in fired:
            self.WatchFired(dbus.UInt32(wid))
        return len(fired)


class ScreenSaver(Recording):
    """org.freedesktop.ScreenSaver's GetSessionIdleTime, in milliseconds as KDE counts."""

    NAME, PATH, IFACE = "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", \
        "org.freedesktop.ScreenSaver"

    def __init__(self, bus):
        super().__init__(bus, self.PATH)
        self.last_input = time.monotonic()

    @dbus.service.method(IFACE, out_signature="u")
    def GetSessionIdleTime(self):
        ms = int((time.monotonic() - self.last_input) * 1000)
        self.record("GetSessionIdleTime", ms)
        return dbus.UInt32(ms)

    @dbus.service.method(TEST_IFACE)
    def Touch(self):
        self.last_input = time.monotonic()


SESSION_PATH = "/org/freedesktop/login1/session/_31"
SESSION_IFACE = "org.freedesktop.login1.Session"


class LogindSession(dbus.service.Object):
    def __init__(self, bus, manager):
        super().__init__(bus, SESSION_PATH)
        self.manager = manager
        self.props = {"Id": dbus.String("1"), "IdleHint": dbus.Boolean(False),
                      "IdleSinceHint": dbus.UInt64(0)}

    @dbus.service.method(PROPS_IFACE, in_signature="ss", out_signature="v")
    def Get(self, iface, name):
        self.manager.record("Get", str(name))
        if str(iface) != SESSION_IFACE or str(name) not in self.props:
            raise dbus.exceptions.DBusException(f"no property {iface}.{name}",
                                                name="org.freedesktop.DBus.Error.UnknownProperty")
        return self.props[str(name)]

    @dbus.service.method(PROPS_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props if str(iface) == SESSION_IFACE else {}

    @dbus.service.signal(PROPS_IFACE, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


class Logind(Recording):
    """logind's Manager, knowing one session (ours, whatever pid asks)."""

    NAME, PATH, IFACE = "org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager"

    def __init__(self, bus):
        super().__init__(bus, self.PATH)
        self.session = LogindSession(bus, self)

    @dbus.service.method(IFACE, in_signature="u", out_signature="o")
    def GetSessionByPID(self, pid):
        self.record("GetSessionByPID", int(pid))
        return dbus.ObjectPath(SESSION_PATH)

    @dbus.service.method(IFACE, in_signature="s", out_signature="o")
    def GetSession(self, sid):
        self.record("GetSession", str(sid))
        return dbus.ObjectPath(SESSION_PATH)

    @dbus.service.method(TEST_IFACE, in_signature="bt")
    def SetHint(self, idle, since_us):
        changed = {"IdleHint": dbus.Boolean(idle), "IdleSinceHint": dbus.UInt64(since_us)}
        self.session.props.update(changed)
        self.session.PropertiesChanged(SESSION_IFACE, changed, dbus.Array([], signature="s"))
        log(hint=bool(idle), since_us=int(since_us))


def main():
    kinds = {"mutter": (Mutter, dbus.SessionBus), "screensaver": (ScreenSaver, dbus.SessionBus),
             "logind": (Logind, dbus.SystemBus)}
    if len(sys.argv) != 2 or sys.argv[1] not in kinds:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(kinds)}")
    DBusGMainLoop(set_as_default=True)
    cls, bus_type = kinds[sys.argv[1]]
    bus = bus_type()
    service = cls(bus)
    name = dbus.service.BusName(cls.NAME, bus, do_not_queue=True)
    log(ready=cls.NAME, owner=bus.get_unique_name())
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    loop.run()
    del name, service


if __name__ == "__main__":
    main()
