#!/usr/bin/python3
"""A minimal StatusNotifierItem with a dbusmenu, used to self-test the harness.

It stands in for limber's tray icon (which tray-icon/ksni exports the same
way): an org.kde.StatusNotifierItem object at /StatusNotifierItem and a
com.canonical.dbusmenu object at /MenuBar, registered with the
StatusNotifierWatcher. It re-registers whenever a watcher (re)appears, like
ksni does, so stop_watcher()/start_watcher() can be tested.

Menu (ids fixed so tests can check them):
    1 "_Pause reminders"        standard, with a mnemonic underscore
    2 ""                        separator
    3 "More"                    submenu
       4 "Disabled thing"       enabled=false
       5 "Sub action"
    6 "_Quit fake"

Every dbusmenu Event (e.g. "clicked") is appended as a JSON line
{"t", "id", "label", "event", "data", "timestamp"} to the --clicks file;
"_Quit fake" clicked also exits the program (so a test can see the item leave).

Usage: sni_item_fake.py --clicks FILE [--title T] [--register-with name|path]
  --register-with name  own "org.kde.StatusNotifierItem-<pid>-1" and register
                        that bus name (what ksni and KDE apps do; default)
  --register-with path  own no well-known name, register the object path
                        (what libappindicator does); the watcher then uses
                        our unique name
"""

import argparse
import json
import os
import signal
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
WATCHER = "org.kde.StatusNotifierWatcher"

# id -> (properties, children ids)
MENU = {
    0: ({"children-display": "submenu"}, [1, 2, 3, 6]),
    1: ({"label": "_Pause reminders"}, []),
    2: ({"type": "separator"}, []),
    3: ({"label": "More", "children-display": "submenu"}, [4, 5]),
    4: ({"label": "Disabled thing", "enabled": False}, []),
    5: ({"label": "Sub action"}, []),
    6: ({"label": "_Quit fake"}, []),
}


def props_dbus(props):
    out = dbus.Dictionary({}, signature="sv")
    for k, v in props.items():
        out[k] = dbus.Boolean(v) if isinstance(v, bool) else dbus.String(v)
    return out


def layout(item_id, depth):
    """(ia{sv}av) for item_id; children are variants, as the spec requires."""
    props, children = MENU[item_id]
    kids = []
    if depth != 0:
        for child in children:
            kids.append(dbus.Struct(layout(child, depth - 1), signature="ia{sv}av", variant_level=1))
    return (dbus.Int32(item_id), props_dbus(props), dbus.Array(kids, signature="v"))


class Properties(dbus.service.Object):
    """Shared org.freedesktop.DBus.Properties implementation."""

    iface = None

    def props(self):
        raise NotImplementedError

    @dbus.service.method(PROPS_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        props = self.props()
        if interface != self.iface or prop not in props:
            raise dbus.exceptions.DBusException(
                f"no property {interface}.{prop}", name="org.freedesktop.DBus.Error.UnknownProperty")
        return props[prop]

    @dbus.service.method(PROPS_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface not in (self.iface, ""):
            return dbus.Dictionary({}, signature="sv")
        return dbus.Dictionary(self.props(), signature="sv")


class Item(Properties):
    iface = ITEM_IFACE

    def __init__(self, bus, title):
        super().__init__(bus, "/StatusNotifierItem")
        self.title = title

    def props(self):
        w = h = 16
        pixels = dbus.ByteArray(bytes([255, 0, 128, 255]) * (w * h))  # ARGB32, network order
        return {
            "Category": dbus.String("ApplicationStatus"),
            "Id": dbus.String("sni-item-fake"),
            "Title": dbus.String(self.title),
            "Status": dbus.String("Active"),
            "WindowId": dbus.Int32(0),
            "IconName": dbus.String("fake-icon"),
            "IconPixmap": dbus.Array([dbus.Struct((dbus.Int32(w), dbus.Int32(h), pixels))], signature="(iiay)"),
            "OverlayIconName": dbus.String(""),
            "AttentionIconName": dbus.String(""),
            "ToolTip": dbus.Struct((dbus.String(""), dbus.Array([], signature="(iiay)"),
                                    dbus.String("Fake tooltip"), dbus.String("Next break in 42 min")),
                                   signature="sa(iiay)ss"),
            "ItemIsMenu": dbus.Boolean(False),
            "Menu": dbus.ObjectPath("/MenuBar"),
        }

    @dbus.service.method(ITEM_IFACE, in_signature="ii")
    def Activate(self, x, y):
        pass

    @dbus.service.method(ITEM_IFACE, in_signature="ii")
    def SecondaryActivate(self, x, y):
        pass

    @dbus.service.method(ITEM_IFACE, in_signature="ii")
    def ContextMenu(self, x, y):
        pass

    @dbus.service.method(ITEM_IFACE, in_signature="is")
    def Scroll(self, delta, orientation):
        pass

    @dbus.service.signal(ITEM_IFACE, signature="")
    def NewTitle(self):
        pass


class Menu(Properties):
    iface = MENU_IFACE

    def __init__(self, bus, clicks_path, on_quit):
        super().__init__(bus, "/MenuBar")
        self.clicks_path = clicks_path
        self.on_quit = on_quit
        self.revision = 1

    def props(self):
        return {
            "Version": dbus.UInt32(3),
            "TextDirection": dbus.String("ltr"),
            "Status": dbus.String("normal"),
            "IconThemePath": dbus.Array([], signature="s"),
        }

    @dbus.service.method(MENU_IFACE, in_signature="iias", out_signature="u(ia{sv}av)")
    def GetLayout(self, parent_id, recursion_depth, property_names):
        if int(parent_id) not in MENU:
            raise dbus.exceptions.DBusException("no such item", name="org.freedesktop.DBus.Error.InvalidArgs")
        return dbus.UInt32(self.revision), layout(int(parent_id), int(recursion_depth))

    @dbus.service.method(MENU_IFACE, in_signature="aias", out_signature="a(ia{sv})")
    def GetGroupProperties(self, ids, property_names):
        wanted = [int(i) for i in ids] or list(MENU)
        return dbus.Array([dbus.Struct((dbus.Int32(i), props_dbus(MENU[i][0]))) for i in wanted if i in MENU],
                          signature="(ia{sv})")

    @dbus.service.method(MENU_IFACE, in_signature="is", out_signature="v")
    def GetProperty(self, item_id, name):
        return props_dbus(MENU[int(item_id)][0])[name]

    @dbus.service.method(MENU_IFACE, in_signature="isvu", out_signature="")
    def Event(self, item_id, event_id, data, timestamp):
        self._record(int(item_id), str(event_id), data, int(timestamp))

    @dbus.service.method(MENU_IFACE, in_signature="a(isvu)", out_signature="ai")
    def EventGroup(self, events):
        for item_id, event_id, data, timestamp in events:
            self._record(int(item_id), str(event_id), data, int(timestamp))
        return dbus.Array([], signature="i")

    @dbus.service.method(MENU_IFACE, in_signature="i", out_signature="b")
    def AboutToShow(self, item_id):
        return False

    @dbus.service.method(MENU_IFACE, in_signature="ai", out_signature="aiai")
    def AboutToShowGroup(self, ids):
        return dbus.Array([], signature="i"), dbus.Array([], signature="i")

    @dbus.service.signal(MENU_IFACE, signature="ui")
    def LayoutUpdated(self, revision, parent):
        pass

    def _record(self, item_id, event_id, data, timestamp):
        label = MENU.get(item_id, ({}, []))[0].get("label")
        with open(self.clicks_path, "a") as f:
            f.write(json.dumps({"t": time.time(), "id": item_id, "label": label, "event": event_id,
                                "data": repr(data), "timestamp": timestamp}) + "\n")
        if event_id == "clicked" and label == "_Quit fake":
            GLib.idle_add(self.on_quit)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", required=True)
    ap.add_argument("--title", default="Fake tray item")
    ap.add_argument("--register-with", choices=["name", "path"], default="name")
    args = ap.parse_args()

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    loop = GLib.MainLoop()
    Item(bus, args.title)
    Menu(bus, args.clicks, loop.quit)

    if args.register_with == "name":
        name = f"org.kde.StatusNotifierItem-{os.getpid()}-1"
        bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        service = name
    else:
        service = "/StatusNotifierItem"

    def register():
        try:
            bus.call_blocking(WATCHER, "/StatusNotifierWatcher", WATCHER,
                              "RegisterStatusNotifierItem", "s", (service,))
            print(f"registered {service}", flush=True)
        except dbus.exceptions.DBusException as e:
            # No watcher yet: like ksni, wait for one to appear.
            print(f"register failed: {e.get_dbus_name()}", flush=True)

    def watcher_changed(name, old, new):
        if new:
            register()

    bus.add_signal_receiver(watcher_changed, signal_name="NameOwnerChanged",
                            dbus_interface="org.freedesktop.DBus", arg0=WATCHER)
    register()

    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
