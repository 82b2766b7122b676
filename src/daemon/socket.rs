//! The control socket's server side: each request is read on a thread of its own and handed
//! to the event loop, whose answer goes back to the client.

use super::Wake;
use crate::control::{self, Claim, Reply, Request};
use std::io::BufReader;
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// Accepts control connections on a thread of its own (blocked in accept: no wakeups), each
/// served on a short-lived thread so a slow client cannot hold up the others.
pub fn serve_socket(claim: &Claim, proxy: winit::event_loop::EventLoopProxy<Wake>) {
    let listener = match claim.listener.try_clone() {
        Ok(l) => l,
        Err(e) => return tracing::warn!("the control socket is not served: {e}"),
    };
    let _ = std::thread::Builder::new().name("limber-socket".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let proxy = proxy.clone();
            let _ = std::thread::Builder::new().name("limber-client".into()).spawn(move || serve_client(stream, proxy));
        }
    });
}

fn serve_client(mut stream: UnixStream, proxy: winit::event_loop::EventLoopProxy<Wake>) {
    if !control::same_user(&stream) {
        tracing::warn!("refused a control connection from another user");
        let _ = control::write_reply(&mut stream, &Reply::error("refused: limber only takes requests from its own user"));
        return;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let line = match stream.try_clone().map(BufReader::new).and_then(|mut r| control::read_line(&mut r)) {
        Ok(Some(line)) => line,
        Ok(None) => return,
        Err(e) => {
            let _ = control::write_reply(&mut stream, &Reply::error(format!("cannot read the request: {e}")));
            return;
        }
    };
    let request = match control::parse_request(&line) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!("bad control request: {e}");
            let _ = control::write_reply(&mut stream, &Reply::error(e));
            return;
        }
    };
    if request == Request::Watch {
        let _ = proxy.send_event(Wake::Watch(stream));
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    if proxy.send_event(Wake::Ask(request, tx)).is_err() {
        let _ = control::write_reply(&mut stream, &Reply::error("limber is shutting down"));
        return;
    }
    let reply = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| Reply::error("limber did not answer in time"));
    let _ = control::write_reply(&mut stream, &reply);
}
