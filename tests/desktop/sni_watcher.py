#!/usr/bin/python3
"""A stand-in StatusNotifierWatcher for the headless test desktop.

A real desktop's tray host (KDE Plasma, waybar, the GNOME AppIndicator
extension...) owns org.kde.StatusNotifierWatcher; tray items (limber uses
tray-icon's pure-Rust `ksni` backend) register there and stay invisible until
a watcher exists. This program is that watcher and nothing more, so a test can
read back what the app registered:

  * owns org.kde.StatusNotifierWatcher and serves /StatusNotifierWatcher
  * RegisterStatusNotifierItem(s): the argument is either a bus name
    ("org.kde.StatusNotifierItem-123-1", or a unique ":1.42") meaning the item
    lives at /StatusNotifierItem on that name, or an object path
    ("/org/ayatana/NotificationItem/x") meaning it lives at that path on the
    caller's own connection. Both forms occur in the wild.
    Items are recorded as "<bus name><object path>", the form KDE uses.
  * RegisteredStatusNotifierItems (as), IsStatusNotifierHostRegistered (b, always
    true: we pretend a host shows the icons), ProtocolVersion (i, 0)
  * emits StatusNotifierItemRegistered / ...Unregistered
  * forgets an item when its bus name loses its owner (NameOwnerChanged), as
    real watchers do; that is how a crashed or quit app leaves the tray.

It logs one JSON object per line on stdout (the harness sends that to a log
file). SIGTERM/SIGINT stop it; the test fixture does that to simulate a tray
host that goes away (stop_watcher / start_watcher).

Run with Debian's /usr/bin/python3 (needs python3-dbus and python3-gi).
"""

import json
import signal
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

WATCHER_NAME = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
WATCHER_IFACE = "org.kde.StatusNotifierWatcher"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
DEFAULT_ITEM_PATH = "/StatusNotifierItem"

# dbus-python does not put properties into its generated introspection data;
# clients such as zbus proxies do not need them, but tools like d-feet or
# gdbus introspect should see the full interface, so we serve this XML.
INTROSPECTION = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node name="{WATCHER_PATH}">
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg direction="out" type="s"/></method>
  </interface>
  <interface name="{PROPS_IFACE}">
    <method name="Get"><arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="out" type="v"/></method>
    <method name="GetAll"><arg direction="in" type="s"/><arg direction="out" type="a{{sv}}"/></method>
    <method name="Set"><arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="in" type="v"/></method>
    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{{sv}}"/><arg type="as"/></signal>
  </interface>
  <interface name="{WATCHER_IFACE}">
    <method name="RegisterStatusNotifierItem"><arg name="service" direction="in" type="s"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" direction="in" type="s"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
    <signal name="StatusNotifierHostUnregistered"/>
  </interface>
</node>
"""


def log(event, **fields):
    print(json.dumps({"t": time.time(), "event": event, **fields}), flush=True)


class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, WATCHER_PATH)
        self.bus = bus
        # item string ("<bus name><path>") -> {"bus_name", "path", "sender"};
        # a dict keeps registration order, which tests rely on ("newest item").
        self.items = {}
        bus.add_signal_receiver(
            self._name_owner_changed,
            signal_name="NameOwnerChanged",
            dbus_interface="org.freedesktop.DBus",
            bus_name="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
        )

    # ---- org.kde.StatusNotifierWatcher -----------------------------------
    @dbus.service.method(WATCHER_IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        service = str(service)
        if service.startswith("/"):
            bus_name, path = sender, service
        else:
            bus_name, path = service, DEFAULT_ITEM_PATH
        if not self.bus.name_has_owner(bus_name):
            # Same as KDE's watcher: refuse items that are not on the bus.
            log("rejected", service=service, sender=sender)
            raise dbus.exceptions.DBusException(
                f"{bus_name} is not on the bus", name="org.freedesktop.DBus.Error.InvalidArgs"
            )
        item = bus_name + path
        fresh = item not in self.items
        self.items[item] = {"bus_name": bus_name, "path": path, "sender": str(sender)}
        log("registered", item=item, service=service, sender=sender, fresh=fresh)
        if fresh:
            self.StatusNotifierItemRegistered(item)
            self._props_changed()

    @dbus.service.method(WATCHER_IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierHost(self, service, sender=None):
        # We already claim a host; accept and ignore further hosts.
        log("host_registered", service=service, sender=sender)

    @dbus.service.signal(WATCHER_IFACE, signature="s")
    def StatusNotifierItemRegistered(self, item):
        pass

    @dbus.service.signal(WATCHER_IFACE, signature="s")
    def StatusNotifierItemUnregistered(self, item):
        pass

    @dbus.service.signal(WATCHER_IFACE, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    @dbus.service.signal(WATCHER_IFACE, signature="")
    def StatusNotifierHostUnregistered(self):
        pass

    # ---- properties ------------------------------------------------------
    def _props(self):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(list(self.items), signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }

    @dbus.service.method(PROPS_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        props = self._props()
        if interface != WATCHER_IFACE or prop not in props:
            raise dbus.exceptions.DBusException(
                f"no property {interface}.{prop}", name="org.freedesktop.DBus.Error.UnknownProperty"
            )
        return props[prop]

    @dbus.service.method(PROPS_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface not in (WATCHER_IFACE, ""):
            return dbus.Dictionary({}, signature="sv")
        return dbus.Dictionary(self._props(), signature="sv")

    @dbus.service.method(PROPS_IFACE, in_signature="ssv", out_signature="")
    def Set(self, interface, prop, value):
        raise dbus.exceptions.DBusException(
            "properties are read-only", name="org.freedesktop.DBus.Error.PropertyReadOnly"
        )

    @dbus.service.signal(PROPS_IFACE, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def _props_changed(self):
        self.PropertiesChanged(
            WATCHER_IFACE,
            dbus.Dictionary({"RegisteredStatusNotifierItems": self._props()["RegisteredStatusNotifierItems"]}, signature="sv"),
            dbus.Array([], signature="s"),
        )

    @dbus.service.method("org.freedesktop.DBus.Introspectable", in_signature="", out_signature="s")
    def Introspect(self):
        return INTROSPECTION

    # ---- item lifetime ---------------------------------------------------
    def _name_owner_changed(self, name, old_owner, new_owner):
        if new_owner:
            return
        gone = [item for item, info in self.items.items() if info["bus_name"] == str(name)]
        for item in gone:
            del self.items[item]
            log("unregistered", item=item, reason="name vanished")
            self.StatusNotifierItemUnregistered(item)
        if gone:
            self._props_changed()


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    watcher = Watcher(bus)
    # Claim the name only after the object is exported, so that a client that
    # reacts to NameOwnerChanged never finds the name without the object.
    # DO_NOT_QUEUE: if someone else is the watcher, fail loudly instead of waiting.
    reply = bus.request_name(WATCHER_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    if reply != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
        log("error", message=f"could not own {WATCHER_NAME} (reply {reply})")
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    log("ready", name=WATCHER_NAME, unique_name=bus.get_unique_name())
    loop.run()
    log("stopped", items=list(watcher.items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
