//! Do-not-disturb: the notification server's `Inhibited` property (KDE, and servers that
//! follow the 1.3 spec draft) and GNOME's `show-banners` setting, read through the desktop
//! portal. Both are read once and then followed by their change signals; a restarted
//! notification server or portal is read again.

use super::Merge;
use crate::daemon::bus;
use futures_lite::{StreamExt as _, future};
use std::collections::HashMap;
use std::sync::Arc;
use zbus::zvariant::OwnedValue;
use zbus::{Connection, Message};

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
const PORTAL: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const SETTINGS: &str = "org.freedesktop.portal.Settings";
const NAMESPACE: &str = "org.gnome.desktop.notifications";
const KEY: &str = "show-banners";

pub fn start(merge: Arc<Merge>) {
    let spawned = std::thread::Builder::new().name("limber-quiet".into()).spawn(move || future::block_on(follow(&merge)));
    if let Err(e) = spawned {
        tracing::warn!("do-not-disturb not followed: {e}");
    }
}

async fn follow(merge: &Merge) {
    let conn = match bus::connect(zbus::connection::Builder::session()).await {
        Ok(c) => c,
        Err(e) => return tracing::info!("no session bus ({e}): do-not-disturb is not followed"),
    };
    let rules = [
        bus::properties(NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS),
        bus::owner_changes(NOTIFICATIONS),
        bus::signals(PORTAL, SETTINGS, Some("SettingChanged"), Some(PORTAL_PATH)),
        bus::owner_changes(PORTAL),
    ];
    let signals = match rules.into_iter().collect::<zbus::Result<Vec<_>>>() {
        Ok(rules) => bus::subscribe(&conn, rules).await,
        Err(e) => Err(e),
    };
    let mut signals = match signals {
        Ok(s) => s,
        Err(e) => return tracing::info!("do-not-disturb is not followed: {e}"),
    };
    let inhibited = read_inhibited(&conn).await;
    let hidden = read_banners_hidden(&conn).await;
    if !merge.update(|p| (p.inhibited, p.banners_hidden) = (inhibited, hidden)) {
        return;
    }
    while let Some(next) = signals.next().await {
        let Ok(msg) = next else { continue };
        if !handle(&conn, merge, &msg).await {
            return;
        }
    }
    tracing::info!("the session bus connection closed: do-not-disturb is no longer followed");
    merge.update(|p| (p.inhibited, p.banners_hidden) = (false, false));
}

/// One signal; false once nobody listens.
async fn handle(conn: &Connection, merge: &Merge, msg: &Message) -> bool {
    let (interface, member) = bus::signal_name(msg);
    match (interface.as_str(), member.as_str()) {
        ("org.freedesktop.DBus.Properties", "PropertiesChanged") => {
            let Ok((_, changed, invalidated)) = msg.body().deserialize::<(String, HashMap<String, OwnedValue>, Vec<String>)>()
            else {
                return true;
            };
            let inhibited = match changed.get("Inhibited") {
                Some(v) => bus::bool_in(v).unwrap_or(false),
                None if invalidated.iter().any(|p| p == "Inhibited") => read_inhibited(conn).await,
                None => return true,
            };
            merge.update(|p| p.inhibited = inhibited)
        }
        (SETTINGS, "SettingChanged") => match setting_changed(msg) {
            Some(hidden) => merge.update(|p| p.banners_hidden = hidden),
            None => true,
        },
        ("org.freedesktop.DBus", "NameOwnerChanged") => {
            let Some((name, owner)) = bus::owner_change(msg) else { return true };
            if name == NOTIFICATIONS {
                // A new server starts with its own state; a server gone inhibits nothing.
                let inhibited = !owner.is_empty() && read_inhibited(conn).await;
                merge.update(|p| p.inhibited = inhibited)
            } else {
                let hidden = !owner.is_empty() && read_banners_hidden(conn).await;
                merge.update(|p| p.banners_hidden = hidden)
            }
        }
        _ => true,
    }
}

/// `SettingChanged(namespace, key, value)`: whether banners are now hidden, if it was ours.
fn setting_changed(msg: &Message) -> Option<bool> {
    let (namespace, key, value): (String, String, OwnedValue) = msg.body().deserialize().ok()?;
    (namespace == NAMESPACE && key == KEY).then_some(())?;
    bus::bool_in(&value).map(|shown| !shown)
}

async fn read_inhibited(conn: &Connection) -> bool {
    if !bus::has_owner(conn, NOTIFICATIONS).await {
        return false;
    }
    match bus::get_bool(conn, NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "Inhibited").await {
        Ok(inhibited) => inhibited,
        Err(e) => {
            tracing::info!("the notification server does not say whether it is inhibited ({e})");
            false
        }
    }
}

/// Whether GNOME's notification banners are switched off. `ReadOne` is the portal's current
/// call; portals before version 2 only have `Read`, which wraps the value in one more variant.
async fn read_banners_hidden(conn: &Connection) -> bool {
    if !bus::has_owner(conn, PORTAL).await {
        return false;
    }
    for method in ["ReadOne", "Read"] {
        let reply = conn.call_method(Some(PORTAL), PORTAL_PATH, Some(SETTINGS), method, &(NAMESPACE, KEY)).await;
        match reply.and_then(|m| m.body().deserialize::<OwnedValue>()) {
            Ok(value) => return bus::bool_in(&value).is_some_and(|shown| !shown),
            Err(e) => tracing::debug!("portal {method}({NAMESPACE}, {KEY}): {e}"),
        }
    }
    tracing::info!("the desktop portal does not offer {NAMESPACE} {KEY}");
    false
}
