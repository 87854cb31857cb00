//! The progress bar of a long search or report: bytes read, rate and time left on standard
//! error, from the second second of a run on. Only on a terminal: never when the output goes
//! into a pipe (another program reads it), nor for `--raw` output into a file (a script's
//! export). What the tools print goes through [`Progress::guard`], which erases the bar first,
//! so the bar never lands inside the output.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// When the bar appears, unless `RAUDIT_PROGRESS_AFTER_MS` says otherwise (tests).
const AFTER: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(200);

/// Whether a run should show a bar: standard error is a terminal, standard output is not a
/// pipe or socket, and `--raw` output does not go into a regular file.
pub fn wanted(raw: bool) -> bool {
    if !io::stderr().is_terminal() {
        return false;
    }
    let Ok(stat) = rustix::fs::fstat(io::stdout().as_fd()) else { return false };
    let kind = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    use rustix::fs::FileType as T;
    let piped = matches!(kind, T::Fifo | T::Socket);
    let raw_export = raw && kind == T::RegularFile;
    !piped && !raw_export
}

struct Shared {
    /// 0 until the inputs are known: no bar before.
    total: AtomicU64,
    read: AtomicU64,
    start: Instant,
    /// Held while the bar is drawn or erased, and while output is written.
    screen: Mutex<Screen>,
    stop: AtomicBool,
    wake: Condvar,
    /// When the bar appears.
    after: Duration,
}

#[derive(Default)]
struct Screen {
    /// The bar is on the terminal now.
    shown: bool,
    /// The output so far ends inside a line: drawing would overwrite it.
    mid_line: bool,
}

impl Shared {
    fn screen(&self) -> MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running bar (or none, when not [`wanted`]). Dropping it erases the bar.
pub struct Progress {
    shared: Option<Arc<Shared>>,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// A bar when `enabled` (see [`wanted`]); otherwise one that does nothing. It shows once
    /// [`Progress::total`] says how much there is to read.
    pub fn start(enabled: bool) -> Progress {
        if !enabled {
            return Progress { shared: None, ticker: None };
        }
        let after = std::env::var("RAUDIT_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(AFTER, Duration::from_millis);
        let shared = Arc::new(Shared {
            total: AtomicU64::new(0),
            read: AtomicU64::new(0),
            start: Instant::now(),
            screen: Mutex::new(Screen::default()),
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
            after,
        });
        let s = shared.clone();
        let ticker =
            std::thread::Builder::new().name("progress".into()).spawn(move || tick(&s)).ok();
        Progress { shared: Some(shared), ticker }
    }

    /// How many bytes the run reads.
    pub fn total(&self, bytes: u64) {
        if let Some(s) = &self.shared {
            s.total.store(bytes, Ordering::Relaxed);
            if s.after.is_zero() {
                // Shown at once: the tests see a bar whatever the machine's speed.
                draw(s, &mut s.screen());
            }
        }
    }

    /// Bytes read so far.
    pub fn reached(&self, bytes: u64) {
        if let Some(s) = &self.shared {
            s.read.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// `out`, with the bar erased before every write to it when `out` is the bar's terminal.
    pub fn guard<W: Write>(&self, out: W, terminal: bool) -> Guarded<W> {
        Guarded { out, shared: self.shared.clone().filter(|_| terminal) }
    }
}

impl Progress {
    /// The reading is over: the bar goes and does not come back.
    pub fn finish(&self) {
        let Some(s) = &self.shared else { return };
        let mut screen = s.screen();
        s.stop.store(true, Ordering::SeqCst);
        s.wake.notify_all();
        erase(&mut screen);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

/// Redraws the bar until stopped.
fn tick(s: &Shared) {
    let mut screen = s.screen();
    loop {
        let wait = s.after.saturating_sub(s.start.elapsed()).max(REDRAW);
        screen = s.wake.wait_timeout(screen, wait).map(|(g, _)| g).unwrap_or_else(|p| {
            let (g, _) = p.into_inner();
            g
        });
        if s.stop.load(Ordering::SeqCst) {
            return;
        }
        if s.start.elapsed() >= s.after {
            draw(s, &mut screen);
        }
    }
}

fn draw(s: &Shared, screen: &mut Screen) {
    let total = s.total.load(Ordering::Relaxed);
    if screen.mid_line || total == 0 || s.stop.load(Ordering::SeqCst) {
        return;
    }
    let line = bar(s.read.load(Ordering::Relaxed), total, s.start.elapsed());
    // Straight to fd 2: the tool holds the standard error lock for its diagnostics.
    let _ = rustix::io::write(io::stderr().as_fd(), format!("\r\x1b[K{line}").as_bytes());
    screen.shown = true;
}

fn erase(screen: &mut Screen) {
    if screen.shown {
        let _ = rustix::io::write(io::stderr().as_fd(), b"\r\x1b[K");
        screen.shown = false;
    }
}

/// `  37%  412 of 1100 MB  380 MB/s  2 s left`
fn bar(read: u64, total: u64, elapsed: Duration) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let read = read.min(total);
    let pct = read * 100 / total.max(1);
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = read as f64 / secs;
    let left = if rate > 0.0 {
        format!("{:.0} s left", (total - read) as f64 / rate)
    } else {
        "time left unknown".to_string()
    };
    format!(
        "{pct:3}%  {:.0} of {:.0} MB  {:.0} MB/s  {left}",
        read as f64 / MB,
        total as f64 / MB,
        rate / MB
    )
}

/// A writer that erases the bar before it writes.
pub struct Guarded<W> {
    out: W,
    shared: Option<Arc<Shared>>,
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(s) = &self.shared else { return self.out.write(buf) };
        let mut screen = s.screen();
        erase(&mut screen);
        let n = self.out.write(buf)?;
        if n > 0 {
            screen.mid_line = buf[n - 1] != b'\n';
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_says_bytes_rate_and_time_left() {
        let mb = 1024 * 1024;
        let line = bar(300 * mb, 1200 * mb, Duration::from_secs(2));
        assert_eq!(line, " 25%  300 of 1200 MB  150 MB/s  6 s left");
        assert_eq!(bar(0, 10, Duration::ZERO), "  0%  0 of 0 MB  0 MB/s  time left unknown");
    }

    #[test]
    fn a_disabled_bar_passes_output_through() {
        let p = Progress::start(false);
        p.total(100);
        let mut out = p.guard(Vec::new(), true);
        out.write_all(b"x\n").unwrap();
        p.reached(50);
        assert_eq!(out.out, b"x\n");
    }
}
