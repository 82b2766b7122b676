//! The local control socket: makes limber a single instance per user and lets the command
//! line and panel bars talk to the running daemon with versioned JSON lines.
//!
//! The socket lives in `$XDG_RUNTIME_DIR/limber/` (a 0700 directory, a 0600 socket), or in a
//! per-user directory under the temporary directory when there is no runtime directory.
//! Connections from other users are refused by their kernel credentials. limber opens no
//! network socket at all.

use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, BufReader, Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// The protocol version in every request and reply.
pub const VERSION: u32 = 1;
/// The largest request or reply line accepted, in bytes.
pub const MAX_LINE: usize = 64 * 1024;
/// How long a client or the daemon waits for the other side of one exchange.
const PATIENCE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    Status,
    Break,
    Snooze {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<u64>,
    },
    Skip,
    Pause {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<u64>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        until_tomorrow: bool,
    },
    Resume,
    Quit,
    /// Keep the connection open and send a status line on every change.
    Watch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Envelope {
    v: u32,
    #[serde(flatten)]
    request: Request,
}

/// The status as the socket, `limber status --json` and `limber watch` report it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// sitting, due, on_break, snoozed, paused, outside_hours
    pub state: String,
    pub present: bool,
    pub sitting_seconds: u64,
    pub next_break_in_seconds: Option<u64>,
    /// RFC 3339, for a snooze or pause.
    pub until: Option<String>,
    pub next_exercise: Option<NextExercise>,
    pub snoozes_left: u32,
    pub idle_backend: String,
    /// How a microphone in use is noticed ("none (no sound server)" when it is not).
    #[serde(default)]
    pub microphone: String,
    /// How an open camera is noticed.
    #[serde(default)]
    pub camera: String,
    /// Why a due reminder waits: "call", "fullscreen", "do_not_disturb", "typing" or an app's
    /// name.
    #[serde(default)]
    pub held_back: Option<String>,
    /// Reading mode: time without input counts as sitting.
    #[serde(default)]
    pub reading: bool,
    /// The tray's one-line summary.
    pub text: String,
    pub pid: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextExercise {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub v: u32,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Reply {
    pub fn ok(status: Report) -> Reply {
        Reply { v: VERSION, ok: true, status: Some(status), error: None }
    }
    pub fn error(message: impl Into<String>) -> Reply {
        Reply { v: VERSION, ok: false, status: None, error: Some(message.into()) }
    }
    fn line(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(self).unwrap_or_else(|_| b"{\"v\":1,\"ok\":false}".to_vec());
        out.push(b'\n');
        out
    }
}

/// Reads one request line; the error text is what the client is told.
pub fn parse_request(line: &[u8]) -> Result<Request, String> {
    if line.len() > MAX_LINE {
        return Err(format!("request too large: the limit is {MAX_LINE} bytes"));
    }
    let value: serde_json::Value = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("v").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => return Err(format!("protocol version {v} is not supported; this limber speaks {VERSION}")),
        None => return Err("missing protocol version \"v\"".into()),
    }
    let request =
        serde_json::from_value::<Envelope>(value.clone()).map(|e| e.request).map_err(|e| format!("bad request: {e}"))?;
    // serde cannot deny unknown fields through a tagged, flattened enum: check by hand, so a
    // misspelt field is an error instead of being silently ignored.
    let allowed: &[&str] = match request {
        Request::Snooze { .. } => &["v", "cmd", "seconds"],
        Request::Pause { .. } => &["v", "cmd", "seconds", "until_tomorrow"],
        _ => &["v", "cmd"],
    };
    if let Some(extra) = value.as_object().and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str()))) {
        return Err(format!("bad request: unknown field `{extra}`"));
    }
    Ok(request)
}

#[derive(Debug, Error)]
pub enum ControlError {
    #[error("limber is not running")]
    NotRunning,
    #[error("limber is already running (pid {0})")]
    AlreadyRunning(u32),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Refused(String),
    #[error("the daemon's answer was not understood: {0}")]
    Garbled(String),
}

/// Where the socket and the instance lock live.
#[derive(Debug, Clone)]
pub struct Spot {
    pub dir: PathBuf,
}

impl Spot {
    pub fn new(runtime: Option<&Path>) -> Spot {
        let dir = match runtime {
            Some(r) => r.to_path_buf(),
            None => std::env::temp_dir().join(format!("limber-{}", rustix::process::getuid().as_raw())),
        };
        Spot { dir }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("limber.sock")
    }

    fn lock(&self) -> PathBuf {
        self.dir.join("limber.lock")
    }

    /// Makes the directory private to this user, refusing one that someone else owns.
    fn prepare(&self) -> Result<(), ControlError> {
        let io = |source| ControlError::Io { path: self.dir.clone(), source };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let meta = std::fs::metadata(&self.dir).map_err(io)?;
        use std::os::unix::fs::MetadataExt as _;
        if meta.uid() != rustix::process::getuid().as_raw() {
            return Err(ControlError::Refused(format!("{} belongs to another user", self.dir.display())));
        }
        std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700)).map_err(io)
    }
}

/// The running daemon's hold on its socket: the instance lock, released when dropped.
pub struct Claim {
    _lock: std::fs::File,
    pub listener: UnixListener,
    socket: PathBuf,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Becomes the one limber of this user: takes the lock, then binds the socket.
pub fn claim(spot: &Spot) -> Result<Claim, ControlError> {
    spot.prepare()?;
    let lock_path = spot.lock();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| ControlError::Io { path: lock_path.clone(), source })?;
    if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        let pid = std::fs::read_to_string(&lock_path).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
        return Err(ControlError::AlreadyRunning(pid));
    }
    // The holder's pid, for the message a second limber prints.
    let _ = lock.set_len(0).and_then(|_| (&lock).write_all(std::process::id().to_string().as_bytes()));
    let socket = spot.socket();
    // Holding the lock, any socket file left behind is stale (a crash): replace it.
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(|source| ControlError::Io { path: socket.clone(), source })?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|source| ControlError::Io { path: socket.clone(), source })?;
    Ok(Claim { _lock: lock, listener, socket })
}

/// Whether a connection comes from this same user.
pub fn same_user(stream: &UnixStream) -> bool {
    rustix::net::sockopt::socket_peercred(stream).map(|c| c.uid == rustix::process::getuid()).unwrap_or(false)
}

/// Reads one line of at most [`MAX_LINE`] bytes.
pub fn read_line(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = reader.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(Some(line))
}

pub fn write_reply(stream: &mut UnixStream, reply: &Reply) -> io::Result<()> {
    stream.write_all(&reply.line())
}

fn connect(spot: &Spot) -> Result<UnixStream, ControlError> {
    let stream = UnixStream::connect(spot.socket()).map_err(|_| ControlError::NotRunning)?;
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let _ = stream.set_write_timeout(Some(PATIENCE));
    Ok(stream)
}

fn send(stream: &mut UnixStream, request: &Request) -> Result<(), ControlError> {
    let mut line = serde_json::to_vec(&Envelope { v: VERSION, request: request.clone() }).unwrap_or_default();
    line.push(b'\n');
    stream.write_all(&line).map_err(|_| ControlError::NotRunning)
}

fn receive(reader: &mut impl BufRead) -> Result<Reply, ControlError> {
    let line = read_line(reader).map_err(|e| ControlError::Garbled(e.to_string()))?.ok_or(ControlError::NotRunning)?;
    serde_json::from_slice(&line).map_err(|e| ControlError::Garbled(e.to_string()))
}

/// One request, one reply.
pub fn ask(spot: &Spot, request: &Request) -> Result<Reply, ControlError> {
    let mut stream = connect(spot)?;
    send(&mut stream, request)?;
    let reply = receive(&mut BufReader::new(stream))?;
    match (reply.ok, &reply.error) {
        (false, Some(e)) => Err(ControlError::Refused(e.clone())),
        _ => Ok(reply),
    }
}

/// Sends `watch` and calls `each` with every status line until the daemon goes away.
pub fn watch(spot: &Spot, mut each: impl FnMut(&Report)) -> Result<(), ControlError> {
    let mut stream = connect(spot)?;
    send(&mut stream, &Request::Watch)?;
    let _ = stream.set_read_timeout(None);
    let mut reader = BufReader::new(stream);
    loop {
        match receive(&mut reader) {
            Ok(Reply { status: Some(s), .. }) => each(&s),
            Ok(Reply { error: Some(e), .. }) => return Err(ControlError::Refused(e)),
            Ok(_) => {}
            Err(ControlError::NotRunning) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_bad_ones_say_why() {
        assert_eq!(parse_request(br#"{"v":1,"cmd":"status"}"#), Ok(Request::Status));
        assert_eq!(parse_request(br#"{"v":1,"cmd":"snooze","seconds":300}"#), Ok(Request::Snooze { seconds: Some(300) }));
        assert_eq!(
            parse_request(br#"{"v":1,"cmd":"pause","until_tomorrow":true}"#),
            Ok(Request::Pause { seconds: None, until_tomorrow: true })
        );
        assert!(parse_request(b"hello").unwrap_err().starts_with("not JSON"));
        assert!(parse_request(br#"{"cmd":"status"}"#).unwrap_err().contains("missing protocol version"));
        assert!(parse_request(br#"{"v":2,"cmd":"status"}"#).unwrap_err().contains("version 2"));
        assert!(parse_request(br#"{"v":1,"cmd":"dance"}"#).unwrap_err().contains("unknown variant"));
        assert!(parse_request(br#"{"v":1,"cmd":"skip","extra":1}"#).unwrap_err().starts_with("bad request"));
        assert!(parse_request(&vec![b' '; MAX_LINE + 1]).unwrap_err().contains("too large"));
    }

    #[test]
    fn lines_are_capped() {
        let long = vec![b'x'; MAX_LINE * 2];
        let mut r = BufReader::new(&long[..]);
        assert_eq!(read_line(&mut r).unwrap().unwrap().len(), MAX_LINE + 1);
    }

    #[test]
    fn one_instance_per_directory() {
        let dir = std::env::temp_dir().join(format!("limber-control-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let spot = Spot { dir: dir.clone() };
        let first = claim(&spot).unwrap();
        assert!(matches!(claim(&spot), Err(ControlError::AlreadyRunning(pid)) if pid == std::process::id()));
        let mode = std::fs::metadata(spot.socket()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        drop(first);
        assert!(claim(&spot).is_ok(), "the lock is released with the first claim");
    }
}
