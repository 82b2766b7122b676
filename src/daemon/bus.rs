//! D-Bus plumbing shared by the idle, away and quiet adapters: connections that give up on a
//! hung service, signal subscriptions merged into one stream, reading booleans out of
//! variants, and finding our logind session.

use futures_lite::{Stream, StreamExt as _};
use std::pin::Pin;
use std::time::Duration;
use zbus::connection::Builder;
use zbus::message::Type;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};
use zbus::{Connection, MatchRule, Message, MessageStream};

pub const LOGIND: &str = "org.freedesktop.login1";
pub const LOGIND_PATH: &str = "/org/freedesktop/login1";
pub const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
pub const LOGIND_SESSION: &str = "org.freedesktop.login1.Session";

/// A service that has not answered a call within this is treated as absent, so one hung
/// service cannot stop the others being followed.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Every signal of one adapter on one bus, as one stream; it ends when the bus connection
/// does.
pub type Signals = Pin<Box<dyn Stream<Item = zbus::Result<Message>> + Send>>;

/// Our logind session: the one our process is in, else the one `XDG_SESSION_ID` names (a
/// daemon started by the user's service manager is in no session), else logind's "auto" (the
/// user's graphical session). The real object path is returned, not ".../auto": change
/// signals are sent from the real one.
pub async fn logind_session(conn: &Connection) -> zbus::Result<OwnedObjectPath> {
    match logind_call(conn, "GetSessionByPID", &(std::process::id(),)).await {
        Ok(path) => return Ok(path),
        Err(e) => tracing::debug!("logind has no session for our process: {e}"),
    }
    if let Some(id) = std::env::var("XDG_SESSION_ID").ok().filter(|id| !id.is_empty()) {
        match logind_call(conn, "GetSession", &(id.as_str(),)).await {
            Ok(path) => return Ok(path),
            Err(e) => tracing::debug!("logind has no session {id:?}: {e}"),
        }
    }
    let auto = format!("{LOGIND_PATH}/session/auto");
    let reply = conn
        .call_method(Some(LOGIND), auto.as_str(), Some("org.freedesktop.DBus.Properties"), "Get", &(LOGIND_SESSION, "Id"))
        .await?;
    let id = String::try_from(reply.body().deserialize::<OwnedValue>()?)?;
    logind_call(conn, "GetSession", &(id.as_str(),)).await
}

async fn logind_call<B>(conn: &Connection, method: &str, body: &B) -> zbus::Result<OwnedObjectPath>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    let reply = conn.call_method(Some(LOGIND), LOGIND_PATH, Some(LOGIND_MANAGER), method, body).await?;
    reply.body().deserialize::<OwnedObjectPath>()
}

/// Connects to the bus `builder` names (the session or system bus; zbus reads
/// `DBUS_SESSION_BUS_ADDRESS` / `DBUS_SYSTEM_BUS_ADDRESS`).
pub async fn connect(builder: zbus::Result<Builder<'static>>) -> zbus::Result<Connection> {
    builder?.method_timeout(CALL_TIMEOUT).build().await
}

/// A rule for the signals of `interface` (one `member`, or all) sent by whoever owns `sender`
/// now; the bus daemon follows the name to its current owner.
pub fn signals(sender: &str, interface: &str, member: Option<&str>, path: Option<&str>) -> zbus::Result<MatchRule<'static>> {
    let mut rule = MatchRule::builder().msg_type(Type::Signal).sender(sender)?.interface(interface)?;
    if let Some(member) = member {
        rule = rule.member(member)?;
    }
    if let Some(path) = path {
        rule = rule.path(path)?;
    }
    Ok(rule.build().to_owned())
}

/// A rule for everything sent from one object, whatever the interface.
pub fn object(sender: &str, path: &str) -> zbus::Result<MatchRule<'static>> {
    Ok(MatchRule::builder().msg_type(Type::Signal).sender(sender)?.path(path)?.build().to_owned())
}

/// A rule for `PropertiesChanged` of one interface on one object.
pub fn properties(sender: &str, path: &str, interface: &str) -> zbus::Result<MatchRule<'static>> {
    Ok(MatchRule::builder()
        .msg_type(Type::Signal)
        .sender(sender)?
        .path(path)?
        .interface("org.freedesktop.DBus.Properties")?
        .member("PropertiesChanged")?
        .arg(0, interface)?
        .build()
        .to_owned())
}

/// A rule for the bus's `NameOwnerChanged` about one name: a service starting, stopping or
/// being replaced.
pub fn owner_changes(name: &str) -> zbus::Result<MatchRule<'static>> {
    Ok(MatchRule::builder()
        .msg_type(Type::Signal)
        .sender("org.freedesktop.DBus")?
        .interface("org.freedesktop.DBus")?
        .member("NameOwnerChanged")?
        .arg(0, name)?
        .build()
        .to_owned())
}

/// Subscribes to all `rules` and merges them into one stream.
pub async fn subscribe(conn: &Connection, rules: Vec<MatchRule<'static>>) -> zbus::Result<Signals> {
    let mut merged: Option<Signals> = None;
    for rule in rules {
        let one = MessageStream::for_match_rule(rule, conn, None).await?;
        merged = Some(match merged {
            Some(all) => Box::pin(all.or(one)),
            None => Box::pin(one),
        });
    }
    Ok(merged.unwrap_or_else(|| Box::pin(futures_lite::stream::empty())))
}

/// Whether `name` has an owner on the bus now.
pub async fn has_owner(conn: &Connection, name: &str) -> bool {
    let reply = conn
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "NameHasOwner",
            &(name,),
        )
        .await;
    reply.and_then(|m| m.body().deserialize::<bool>()).unwrap_or(false)
}

/// Reads one boolean property.
pub async fn get_bool(conn: &Connection, dest: &str, path: &str, interface: &str, name: &str) -> zbus::Result<bool> {
    let reply = conn.call_method(Some(dest), path, Some("org.freedesktop.DBus.Properties"), "Get", &(interface, name)).await?;
    let value: OwnedValue = reply.body().deserialize()?;
    bool_in(&value).ok_or_else(|| zbus::Error::Failure(format!("{interface}.{name} is not a boolean")))
}

/// The `NameOwnerChanged` body: the name and its new owner (empty when it went away).
pub fn owner_change(msg: &Message) -> Option<(String, String)> {
    let (name, _old, new): (String, String, String) = msg.body().deserialize().ok()?;
    Some((name, new))
}

/// Interface and member of a signal, for dispatching on them.
pub fn signal_name(msg: &Message) -> (String, String) {
    let header = msg.header();
    let interface = header.interface().map(|i| i.to_string()).unwrap_or_default();
    let member = header.member().map(|m| m.to_string()).unwrap_or_default();
    (interface, member)
}

/// The boolean inside a value, however deeply it is wrapped in variants: the portal's older
/// `Read` returns the setting as a variant inside the reply's variant.
pub fn bool_in(value: &Value<'_>) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Value(inner) => bool_in(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_found_inside_any_number_of_variants() {
        assert_eq!(bool_in(&Value::Bool(true)), Some(true));
        assert_eq!(bool_in(&Value::Value(Box::new(Value::Bool(false)))), Some(false));
        let twice = Value::Value(Box::new(Value::Value(Box::new(Value::Bool(true)))));
        assert_eq!(bool_in(&twice), Some(true));
        assert_eq!(bool_in(&Value::U32(1)), None, "a number is not taken for a boolean");
        assert_eq!(bool_in(&Value::Value(Box::new(Value::from("false")))), None);
    }

    #[test]
    fn rules_name_what_they_match() {
        let rule = signals("org.freedesktop.ScreenSaver", "org.freedesktop.ScreenSaver", Some("ActiveChanged"), None);
        let text = rule.map(|r| r.to_string()).unwrap_or_default();
        assert!(text.contains("sender='org.freedesktop.ScreenSaver'"), "{text}");
        assert!(text.contains("member='ActiveChanged'"), "{text}");
        let text = owner_changes("org.freedesktop.login1").map(|r| r.to_string()).unwrap_or_default();
        assert!(text.contains("arg0='org.freedesktop.login1'"), "{text}");
        assert!(signals("not a name", "x.y", None, None).is_err(), "a bad name is an error, not a panic");
    }
}
