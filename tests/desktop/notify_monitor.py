#!/usr/bin/python3
"""Records all org.freedesktop.Notifications traffic on the session bus.

dunst's `dunstctl history` JSON has no actions and no hints, and nothing about
calls the app made (a CloseNotification, a replaces_id, the timeout it asked
for). This program becomes a bus *monitor* (org.freedesktop.DBus.Monitoring.
BecomeMonitor, dbus-daemon >= 1.9.10) and writes one JSON object per line to
the file given as argv[1]:

  {"kind": "ready", ...}                                   once monitoring works
  {"kind": "notify", "t", "sender", "serial", "destination", "app_name",
   "replaces_id", "app_icon", "summary", "body", "actions": [[key, label], ...],
   "hints": {...}, "expire_timeout"}                       a Notify call
  {"kind": "notify_reply", "t", "sender", "destination", "reply_serial", "id"}
  {"kind": "notify_error", "t", "sender", "destination", "reply_serial", "error"}
  {"kind": "close_call", "t", "sender", "destination", "id"}   CloseNotification
  {"kind": "closed", "t", "sender", "destination", "id", "reason"}  NotificationClosed
  {"kind": "action_invoked", "t", "sender", "destination", "id", "key"}

"t" is time.time() when the monitor saw the message (a few ms after it was
sent). The harness (desk.py) joins notify + notify_reply by (caller, serial).
A monitor sees unicast messages too, which matters: dunst 1.9 sends
ActionInvoked only to the connection that sent the Notify.

Every method_return/error on the bus reaches us (a match rule cannot select
"replies to Notify" in advance); we keep only those answering a Notify we saw.
"""

import json
import os
import signal
import sys
import time

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from desk import to_plain  # noqa: E402  (shared dbus -> JSON conversion)

IFACE = "org.freedesktop.Notifications"


def main():
    out = open(sys.argv[1], "a", buffering=1)  # line buffered: readers poll the file

    def emit(kind, **fields):
        out.write(json.dumps({"kind": kind, "t": time.time(), **fields}) + "\n")

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    pending = {}  # (caller unique name, serial) -> True, Notify calls awaiting a reply

    def on_message(_conn, msg):
        mtype = msg.get_type()
        common = {"sender": msg.get_sender(), "destination": msg.get_destination()}
        if mtype == 1 and msg.get_interface() == IFACE:  # method call
            args = msg.get_args_list()
            member = msg.get_member()
            if member == "Notify" and len(args) == 8:
                actions = [str(a) for a in args[5]]
                pending[(msg.get_sender(), msg.get_serial())] = True
                emit(
                    "notify",
                    serial=msg.get_serial(),
                    app_name=str(args[0]),
                    replaces_id=int(args[1]),
                    app_icon=str(args[2]),
                    summary=str(args[3]),
                    body=str(args[4]),
                    # The spec's flat [key, label, key, label, ...] list, paired.
                    actions=[[actions[i], actions[i + 1] if i + 1 < len(actions) else ""]
                             for i in range(0, len(actions), 2)],
                    hints=to_plain(args[6]),
                    expire_timeout=int(args[7]),
                    **common,
                )
            elif member == "CloseNotification" and args:
                emit("close_call", id=int(args[0]), **common)
        elif mtype in (2, 3):  # method return / error
            key = (msg.get_destination(), msg.get_reply_serial())
            if pending.pop(key, None):
                if mtype == 2:
                    args = msg.get_args_list()
                    emit("notify_reply", reply_serial=msg.get_reply_serial(),
                         id=int(args[0]) if args else None, **common)
                else:
                    emit("notify_error", reply_serial=msg.get_reply_serial(),
                         error=msg.get_error_name(), **common)
        elif mtype == 4 and msg.get_interface() == IFACE:  # signal
            args = msg.get_args_list()
            if msg.get_member() == "NotificationClosed" and len(args) >= 2:
                emit("closed", id=int(args[0]), reason=int(args[1]), **common)
            elif msg.get_member() == "ActionInvoked" and len(args) >= 2:
                emit("action_invoked", id=int(args[0]), key=str(args[1]), **common)
        # HANDLED for everything: a monitor receives method calls as if they
        # were addressed to it, and an unhandled call would make libdbus
        # answer UnknownMethod, which gets a monitor disconnected by the bus
        # (dbus-monitor does the same).
        return dbus.lowlevel.HANDLER_RESULT_HANDLED

    bus.add_message_filter(on_message)
    rules = [
        f"type='method_call',interface='{IFACE}'",
        f"type='signal',interface='{IFACE}'",
        "type='method_return'",
        "type='error'",
    ]
    # After this call the connection is receive-only: no more method calls.
    bus.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                      "org.freedesktop.DBus.Monitoring", "BecomeMonitor", "asu", (rules, 0))
    emit("ready", pid=os.getpid())

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
