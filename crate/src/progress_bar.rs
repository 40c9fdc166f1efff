//! One Keras-style progress bar, for anything counted in steps (batches of an epoch, bytes of a
//! download):
//!
//! ```text
//! 38/76 [==============>...............] - ETA: 3s - loss: 3.2150 - accuracy: 0.1050
//! 76/76 [==============================] - 2s 26ms/step - loss: 3.2150 - accuracy: 0.1050
//! ```
//!
//! In a terminal the bar is redrawn in place with `\r` (at most every 50 ms). Where the stream is
//! not a terminal (a Jupyter notebook under evcxr shows output a whole line at a time, and a log
//! file should not fill with redraws) it prints whole lines only: one every 10 seconds (or at
//! each tenth of the total, for downloads) plus the final line. The caller supplies what follows
//! the bar: the running metrics, or a download's rate.
//!
//! Training draws it through [`ProgbarLogger`](crate::callbacks::ProgbarLogger), downloads
//! through the downloader.

// What only downloads use (stderr, tenths, byte counts) is unused in a build without them.
#![cfg_attr(not(feature = "download"), allow(dead_code))]

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// The width of the bar between its brackets, in characters.
const WIDTH: usize = 30;

/// How often the bar is redrawn in place.
const REDRAW_EVERY: Duration = Duration::from_millis(50);

/// How often a whole line is printed when the stream is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(10);

/// Where the bar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Standard output (training, as Keras).
    Stdout,
    /// Standard error (downloads, so that standard output stays for results).
    Stderr,
}

/// How the bar is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// Redrawn in place when the stream is a terminal, else whole lines ([`Style::Lines`]).
    Auto,
    /// Redrawn in place with `\r`, terminal or not.
    InPlace,
    /// Whole lines: one every 10 seconds (or every tenth, see [`ProgressBar::lines_every_tenth`])
    /// and the final line.
    Lines,
    /// Only the final line, without the bar (Keras's `verbose=2`).
    FinalLine,
    /// Nothing at all.
    Silent,
}

/// When whole lines are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cadence {
    /// At most one line per interval.
    Every(Duration),
    /// A line each time another tenth of the total is done (every 10 s when the total is unknown).
    Tenths,
}

/// A progress bar over `total` steps (unknown totals show `N/Unknown`, as Keras).
pub(crate) struct ProgressBar {
    total: Option<u64>,
    style: Style,
    cadence: Cadence,
    counts: fn(u64, Option<u64>) -> String,
    per_step: bool,
    first: u64,
    start: Instant,
    last_draw: Instant,
    last_tenth: u64,
    out: Box<dyn Write + Send>,
}

impl ProgressBar {
    /// A bar on `stream`; [`Style::Auto`] is settled now, from whether `stream` is a terminal.
    pub(crate) fn new(total: Option<u64>, style: Style, stream: Stream) -> Self {
        let (out, terminal): (Box<dyn Write + Send>, bool) = match stream {
            Stream::Stdout => (Box::new(std::io::stdout()), std::io::stdout().is_terminal()),
            Stream::Stderr => (Box::new(std::io::stderr()), std::io::stderr().is_terminal()),
        };
        let style = match style {
            Style::Auto if terminal => Style::InPlace,
            Style::Auto => Style::Lines,
            style => style,
        };
        Self::to_writer(total, style, out)
    }

    /// A bar written to `out` (where [`Style::Auto`] means [`Style::Lines`]).
    pub(crate) fn to_writer(total: Option<u64>, style: Style, out: Box<dyn Write + Send>) -> Self {
        let now = Instant::now();
        let style = if style == Style::Auto { Style::Lines } else { style };
        ProgressBar {
            total,
            style,
            cadence: Cadence::Every(LINE_EVERY),
            counts: plain_counts,
            per_step: true,
            first: 0,
            start: now,
            last_draw: now,
            last_tenth: 0,
            out,
        }
    }

    /// Counts from `first` on (a resumed download): the ETA is reckoned on what this run did.
    pub(crate) fn starting_at(mut self, first: u64) -> Self {
        self.first = first;
        self.last_tenth = self.tenth(first);
        self
    }

    /// Whole lines at each tenth of the total instead of every 10 seconds.
    pub(crate) fn lines_every_tenth(mut self) -> Self {
        self.cadence = Cadence::Tenths;
        self
    }

    /// How the counts before the bar are written (default `done/total`, as Keras).
    pub(crate) fn counts(mut self, counts: fn(u64, Option<u64>) -> String) -> Self {
        self.counts = counts;
        self
    }

    /// Leaves the time per step out of the final line (for counts that are not steps, as bytes).
    pub(crate) fn without_per_step(mut self) -> Self {
        self.per_step = false;
        self
    }

    /// The style in use ([`Style::Auto`] settled).
    #[cfg(test)]
    pub(crate) fn style(&self) -> Style {
        self.style
    }

    /// Seconds since the bar was made.
    pub(crate) fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// `38/76 [==============>...............]`, or `1234/Unknown` without a total.
    pub(crate) fn bar(&self, done: u64) -> String {
        let counts = (self.counts)(done, self.total);
        let Some(total) = self.total else { return counts };
        let total = total.max(1);
        let width = (WIDTH as u64 * done.min(total) / total) as usize;
        let mut bar = String::new();
        if width > 0 {
            bar.push_str(&"=".repeat(width - 1));
            bar.push(if done < total { '>' } else { '=' });
        }
        format!("{counts} [{bar:.<WIDTH$}]")
    }

    /// Reports that `done` steps are finished; `suffix` follows the bar and the ETA. Drawn only
    /// when due (see the module docs), and never for the last step: [`finish`](Self::finish)
    /// draws that.
    pub(crate) fn update(&mut self, done: u64, suffix: &str) {
        if !matches!(self.style, Style::InPlace | Style::Lines) || self.total.is_some_and(|t| done >= t) {
            return;
        }
        let now = Instant::now();
        if !self.due(done, now) {
            return;
        }
        self.last_draw = now;
        let elapsed = (now - self.start).as_secs_f64();
        let line = match self.total {
            Some(total) => {
                let eta = elapsed / (done - self.first.min(done)).max(1) as f64 * (total - done) as f64;
                format!("{} - ETA: {eta:.0}s{suffix}", self.bar(done))
            }
            None => format!("{} - {elapsed:.0}s{suffix}", self.bar(done)),
        };
        if self.style == Style::InPlace {
            let _ = write!(self.out, "\r{line}\x1b[K");
        } else {
            let _ = writeln!(self.out, "{line}");
        }
        let _ = self.out.flush();
    }

    /// Prints the final line at `done` steps (the total when all went well): the bar, the time
    /// taken (and per step), then `suffix`.
    pub(crate) fn finish(&mut self, done: u64, suffix: &str) {
        if self.style == Style::Silent {
            return;
        }
        let elapsed = self.start.elapsed().as_secs_f64();
        let step = if self.per_step {
            let steps = self.total.unwrap_or(done).saturating_sub(self.first).max(1);
            format!(" {}", per_step(elapsed / steps as f64))
        } else {
            String::new()
        };
        let prefix = if self.style == Style::FinalLine { String::new() } else { format!("{} - ", self.bar(done)) };
        let (cr, clear) = if self.style == Style::InPlace { ("\r", "\x1b[K") } else { ("", "") };
        let _ = writeln!(self.out, "{cr}{prefix}{elapsed:.0}s{step}{suffix}{clear}");
        let _ = self.out.flush();
    }

    /// Whether a line is due at `done` steps, at `now`.
    fn due(&mut self, done: u64, now: Instant) -> bool {
        let since = now - self.last_draw;
        match (self.style, self.cadence, self.total) {
            (Style::InPlace, ..) => since >= REDRAW_EVERY,
            (_, Cadence::Tenths, Some(_)) => {
                let tenth = self.tenth(done);
                let due = tenth > self.last_tenth;
                self.last_tenth = self.last_tenth.max(tenth);
                due
            }
            (_, Cadence::Tenths, None) => since >= LINE_EVERY,
            (_, Cadence::Every(every), _) => since >= every,
        }
    }

    /// How many tenths of the total `done` is.
    fn tenth(&self, done: u64) -> u64 {
        self.total.map_or(0, |t| done.saturating_mul(10) / t.max(1))
    }
}

/// `done/total`, or `done/Unknown`.
fn plain_counts(done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("{done}/{total}"),
        None => format!("{done}/Unknown"),
    }
}

/// Formats a duration per step as Keras does: `26ms/step`, `850us/step`, `2s/step`.
pub(crate) fn per_step(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0}s/step")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms/step", seconds * 1e3)
    } else {
        format!("{:.0}us/step", seconds * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        /// What was written since the last call.
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
        }
    }

    fn bar(total: Option<u64>, style: Style) -> (ProgressBar, Captured) {
        let out = Captured::default();
        (ProgressBar::to_writer(total, style, Box::new(out.clone())), out)
    }

    /// Moves the bar's clock back by `seconds`, as if it had been running that long.
    fn age(bar: &mut ProgressBar, seconds: u64) {
        bar.start -= Duration::from_secs(seconds);
        bar.last_draw -= Duration::from_secs(seconds);
    }

    #[test]
    fn the_bar_fills_as_keras_draws_it() {
        let (p, _) = bar(Some(76), Style::Silent);
        assert_eq!(p.bar(0), "0/76 [..............................]");
        assert_eq!(p.bar(1), "1/76 [..............................]");
        assert_eq!(p.bar(3), "3/76 [>.............................]");
        assert_eq!(p.bar(38), "38/76 [==============>...............]");
        assert_eq!(p.bar(76), "76/76 [==============================]");
        assert_eq!(p.bar(80), "80/76 [==============================]");
        let (p, _) = bar(None, Style::Silent);
        assert_eq!(p.bar(1234), "1234/Unknown");
        let (p, _) = bar(Some(0), Style::Silent);
        assert_eq!(p.bar(0), "0/0 [..............................]");
    }

    #[test]
    fn in_place_it_redraws_with_a_carriage_return_and_ends_with_the_final_line() {
        let (mut p, out) = bar(Some(76), Style::InPlace);
        age(&mut p, 38);
        p.update(38, " - loss: 3.2150");
        assert_eq!(out.take(), "\r38/76 [==============>...............] - ETA: 38s - loss: 3.2150\x1b[K");
        p.update(76, " - loss: 3.2150");
        assert_eq!(out.take(), "", "the last step is the final line's");
        p.finish(76, " - loss: 3.2150 - accuracy: 0.1050");
        assert_eq!(
            out.take(),
            "\r76/76 [==============================] - 38s 500ms/step - loss: 3.2150 - accuracy: 0.1050\x1b[K\n"
        );
    }

    #[test]
    fn outside_a_terminal_it_prints_whole_lines_every_ten_seconds() {
        let (mut p, out) = bar(Some(76), Style::Auto);
        assert_eq!(p.style(), Style::Lines);
        age(&mut p, 9);
        p.update(20, "");
        assert_eq!(out.take(), "");
        age(&mut p, 1);
        p.update(38, " - loss: 3.2150");
        assert_eq!(out.take(), "38/76 [==============>...............] - ETA: 10s - loss: 3.2150\n");
        p.update(39, "");
        assert_eq!(out.take(), "", "a second line within 10 s");
        age(&mut p, 2);
        p.finish(76, " - loss: 3.2150");
        assert_eq!(out.take(), "76/76 [==============================] - 12s 158ms/step - loss: 3.2150\n");
    }

    #[test]
    fn one_line_silent_and_per_step_as_keras() {
        let (mut p, out) = bar(Some(76), Style::FinalLine);
        age(&mut p, 20);
        p.update(38, " - loss: 1.0000");
        p.finish(76, " - loss: 3.2150");
        assert_eq!(out.take(), "20s 263ms/step - loss: 3.2150\n");
        let (mut p, out) = bar(Some(76), Style::Silent);
        age(&mut p, 20);
        p.update(38, "x");
        p.finish(76, "x");
        assert_eq!(out.take(), "");
        assert_eq!(per_step(2.0), "2s/step");
        assert_eq!(per_step(0.026), "26ms/step");
        assert_eq!(per_step(0.00085), "850us/step");
    }

    #[test]
    fn lines_every_tenth_with_its_own_counts_from_a_resumed_start() {
        let mb = |done: u64, total: Option<u64>| format!("{done}/{} MB", total.unwrap_or(0));
        let out = Captured::default();
        let mut p = ProgressBar::to_writer(Some(100), Style::Lines, Box::new(out.clone()))
            .lines_every_tenth()
            .counts(mb)
            .without_per_step()
            .starting_at(25);
        p.update(29, "");
        assert_eq!(out.take(), "", "still in the same tenth as the start");
        age(&mut p, 3);
        p.update(30, " - 1.0 MB/s");
        assert_eq!(out.take(), "30/100 MB [========>.....................] - ETA: 42s - 1.0 MB/s\n");
        p.update(35, "");
        p.update(39, "");
        assert_eq!(out.take(), "");
        p.update(55, "");
        p.update(58, "");
        assert_eq!(out.take().lines().count(), 1, "one line for the jump over two tenths");
        p.finish(60, " - broke");
        assert_eq!(out.take(), "60/100 MB [=================>............] - 3s - broke\n");
    }

    #[test]
    fn an_unknown_total_counts_without_a_bar() {
        let (mut p, out) = bar(None, Style::InPlace);
        age(&mut p, 4);
        p.update(1234, " - x");
        assert_eq!(out.take(), "\r1234/Unknown - 4s - x\x1b[K");
        p.finish(2000, "");
        assert_eq!(out.take(), "\r2000/Unknown - 4s 2ms/step\x1b[K\n");
    }
}
