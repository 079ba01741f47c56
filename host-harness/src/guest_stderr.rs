//! The component's stderr: progress lines go, as they are written, to the run's
//! [`OnProgress`]; everything else (a panic message, mostly) is kept, up to a bound, for the
//! debug log and a trap's message.
//!
//! Writes never fail: a card that reports progress on a long walk must not trap because a
//! buffer filled up, so text past the bound is dropped (and said to be) instead.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::progress::{OnProgress, Progress};

/// How much non-progress text one run keeps.
const KEPT_CAPACITY: usize = 64 * 1024;
/// The longest line looked at as a progress line; a longer one is kept as text.
const LONGEST_LINE: usize = 4096;
/// How much the guest may write in one `write`.
const PERMIT: usize = 64 * 1024;

#[derive(Clone, Default)]
pub(crate) struct GuestStderr(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    /// The current line, until its newline.
    line: Vec<u8>,
    /// Non-progress text.
    kept: Vec<u8>,
    truncated: bool,
    on_progress: Option<OnProgress>,
}

impl GuestStderr {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where this run's progress events go (a warm instance's next run has its own).
    pub(crate) fn set_on_progress(&self, on_progress: Option<OnProgress>) {
        self.lock().on_progress = on_progress;
    }

    /// The non-progress text so far, lossily decoded, with a line unfinished at the end.
    pub(crate) fn text(&self) -> String {
        let inner = self.lock();
        let mut text = String::from_utf8_lossy(&inner.kept).into_owned();
        text.push_str(&String::from_utf8_lossy(&inner.line));
        if inner.truncated {
            text.push_str("\n[more guest stderr was dropped]");
        }
        text.trim_end().to_string()
    }

    /// Whether the guest wrote anything but progress.
    pub(crate) fn wrote_text(&self) -> bool {
        let inner = self.lock();
        !inner.kept.is_empty() || !inner.line.is_empty() || inner.truncated
    }

    fn write_bytes(&self, bytes: &[u8]) {
        let mut events = Vec::new();
        let mut inner = self.lock();
        for &byte in bytes {
            if byte != b'\n' {
                if inner.line.len() >= LONGEST_LINE {
                    let line = std::mem::take(&mut inner.line);
                    inner.keep(&line);
                }
                inner.line.push(byte);
                continue;
            }
            let line = std::mem::take(&mut inner.line);
            match std::str::from_utf8(&line).ok().and_then(Progress::parse) {
                Some(event) => events.push(event),
                None => {
                    inner.keep(&line);
                    inner.keep(b"\n");
                }
            }
        }
        // Events are handed on after the lock is released: a listener may take its time.
        let on_progress = inner.on_progress.clone();
        drop(inner);
        if let Some(on_progress) = on_progress {
            events.iter().for_each(|event| on_progress.call(event));
        }
    }
}

impl Inner {
    fn keep(&mut self, bytes: &[u8]) {
        let room = KEPT_CAPACITY - self.kept.len();
        if bytes.len() > room {
            self.truncated = true;
        }
        self.kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

impl IsTerminal for GuestStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestStderr {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestStderr {
    async fn ready(&mut self) {}
}

impl OutputStream for GuestStderr {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(PERMIT)
    }
}

impl AsyncWrite for GuestStderr {
    fn poll_write(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<std::io::Result<usize>> {
        self.write_bytes(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_go_to_the_listener_and_other_text_is_kept() {
        let stderr = GuestStderr::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        stderr.set_on_progress(Some(OnProgress::new(move |event| sink.lock().unwrap().push(event.clone()))));
        // A line split across writes, a progress line, then text.
        stderr.write_bytes(br#"databricks-account:progress {"event":"page","#);
        stderr.write_bytes(b"\"pages\":1,\"records\":100}\npanicked at x\n");
        assert_eq!(*seen.lock().unwrap(), [Progress::Page { pages: 1, records: 100, total: None }]);
        assert_eq!(stderr.text(), "panicked at x");
        assert!(stderr.wrote_text());

        let quiet = GuestStderr::default();
        quiet.write_bytes(b"databricks-account:progress {\"event\":\"page\",\"pages\":1,\"records\":1}\n");
        assert!(!quiet.wrote_text(), "progress alone does not count as the guest writing text");
    }

    #[test]
    fn a_flood_is_bounded_and_never_an_error() {
        let mut stderr = GuestStderr::default();
        for _ in 0..100 {
            assert!(stderr.write(Bytes::from(vec![b'x'; 8192])).is_ok());
        }
        let text = stderr.text();
        assert!(text.len() < KEPT_CAPACITY + LONGEST_LINE + 64, "{}", text.len());
        assert!(text.ends_with("[more guest stderr was dropped]"));
    }
}
