//! Waiting for work Databricks finishes later (a workspace being provisioned, a private endpoint
//! being approved): the object is read again, with a growing pause, until it reaches its goal,
//! fails, or the time allowed is over — the wait the caller asked for, never past the run's
//! deadline ([`super::deadline`]). Running out of time is not an error: the caller gets the last
//! state it saw and learns that the work goes on, so that a flow never repeats a create that
//! Databricks is still carrying out.

use super::Session;
use crate::wit::CardError;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// Time kept for the last read when a wait runs up to the run's deadline.
const LAST_READ: Duration = Duration::from_secs(1);
/// The longest pause between two reads (the SDKs' waiters pause at most 10 s too).
const MAX_PAUSE: Duration = Duration::from_secs(10);
/// A shorter pause than this before the wait's end is not worth another read.
const MIN_PAUSE: Duration = Duration::from_millis(100);
/// How long a wait lasts when neither the caller nor the run bounds it (the SDKs' default).
const UNBOUNDED: Duration = Duration::from_secs(20 * 60);

/// Where an object stands, as the waiting card reads it.
pub enum Progress {
    /// It reached the goal (a workspace `RUNNING`, a rule `ESTABLISHED`).
    Finished,
    /// Databricks is still at it: what waits (`workspace`) and its status as Databricks spells
    /// it, for the host's progress line.
    Going { what: &'static str, status: String },
    /// It ended elsewhere (a workspace `FAILED`): the card fails with this error.
    Failed(CardError),
}

/// How a wait ended: the object as last seen and how long the card waited for it.
pub struct Waited<T> {
    pub last: T,
    /// Whether it reached the goal.
    pub done: bool,
    pub waited: Duration,
    /// When the wait asked for was longer than the run allows: the wait it was cut to.
    pub shortened_to: Option<Duration>,
    /// The error of the read that ended the wait early (already without secrets).
    pub read_error: Option<CardError>,
}

impl<T> Waited<T> {
    /// The object without waiting: done when it already stands at its goal.
    pub fn at_once(last: T, progress: &impl Fn(&T) -> Progress) -> Waited<T> {
        let done = matches!(progress(&last), Progress::Finished);
        Waited { last, done, waited: Duration::ZERO, shortened_to: None, read_error: None }
    }

    /// The wait in whole seconds, as the cards report it.
    pub fn waited_seconds(&self) -> u32 {
        seconds(self.waited)
    }

    /// The shortened wait in whole seconds.
    pub fn shortened_to_seconds(&self) -> Option<u32> {
        self.shortened_to.map(seconds)
    }

    /// One sentence on how it went: `what` names the object (`workspace 123`), `state` is its
    /// last state as Databricks spells it, `goal` the state waited for and `then` what a flow
    /// can do next while the work goes on (`wait for it with wait-for-workspace`).
    pub fn describe(&self, what: &str, state: &str, goal: &str, then: &str) -> String {
        let mut text = match (self.done, &self.read_error) {
            (true, _) if self.waited.is_zero() => format!("{what} is {state}"),
            (true, _) => format!("{what} is {state} after {} s", self.waited_seconds()),
            (false, Some(error)) => format!(
                "{what} was {state} when reading it failed after {} s ({}); Databricks goes on with it: {then}",
                self.waited_seconds(),
                super::errors::message_of(error)
            ),
            (false, None) if self.waited.is_zero() => {
                format!("{what} is {state}; Databricks goes on until it is {goal}: {then}")
            }
            (false, None) => format!(
                "{what} is still {state} after {} s; Databricks goes on until it is {goal} (do not create it again): {then}",
                self.waited_seconds()
            ),
        };
        if let Some(cut) = self.shortened_to {
            text.push_str(&format!(" (the wait asked for was cut to {} s, what this run's time limit allows)", seconds(cut)));
        }
        text
    }
}

/// Waits up to `wanted` (as long as the run allows when `None`) for the object to finish, reading
/// it with `read`; `last` is the object as just seen (it is read first when there is none). A
/// read that fails once the object has been seen ends the wait with what was seen; a failure
/// before that is the card's error.
pub fn until<T>(
    s: &Session,
    wanted: Option<Duration>,
    mut last: Option<T>,
    mut read: impl FnMut() -> Result<T, CardError>,
    progress: impl Fn(&T) -> Progress,
) -> Result<Waited<T>, CardError> {
    let started = Instant::now();
    let run_end = s.deadline().end();
    let end = s.deadline().bound(started, wanted.unwrap_or(UNBOUNDED));
    // The last read must fit before the run's own end, so a wait that reaches it ends earlier.
    let end = if Some(end) == run_end { end.checked_sub(LAST_READ).unwrap_or(started).max(started) } else { end };
    let shortened_to = wanted.filter(|wanted| started + *wanted > end).map(|_| end - started);
    let finish = |last: T, done: bool, read_error: Option<CardError>| Waited {
        last,
        done,
        waited: started.elapsed(),
        shortened_to,
        read_error: read_error.map(|error| s.sanitize(error)),
    };
    if let Some(seen) = last.take() {
        match progress(&seen) {
            Progress::Finished => return Ok(finish(seen, true, None)),
            Progress::Failed(error) => return Err(error),
            Progress::Going { .. } => last = Some(seen),
        }
    }
    let mut reads = 0;
    loop {
        match s.ending_by(run_end, &mut read) {
            Ok(seen) => match progress(&seen) {
                Progress::Finished => return Ok(finish(seen, true, None)),
                Progress::Failed(error) => return Err(error),
                Progress::Going { what, status } => {
                    let elapsed_ms = crate::progress::millis(started.elapsed());
                    crate::progress::report(&crate::progress::Progress::Waiting { what, status: &status, elapsed_ms });
                    last = Some(seen);
                }
            },
            Err(error) => match last.take() {
                Some(seen) => return Ok(finish(seen, false, Some(error))),
                None => return Err(error),
            },
        }
        reads += 1;
        let Some(pause) = next_pause(reads, Instant::now(), end) else {
            return Ok(finish(last.take().expect("seen above"), false, None));
        };
        std::thread::sleep(pause);
    }
}

/// The pause after the `reads`-th read: about `reads` seconds (at most [`MAX_PAUSE`], plus up to
/// a fifth at random so that many flows do not read in step), cut to the wait's `end`; `None`
/// when too little time is left for another read.
fn next_pause(reads: u32, now: Instant, end: Instant) -> Option<Duration> {
    let step = Duration::from_secs(u64::from(reads.max(1))).min(MAX_PAUSE);
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let pause = step + step.mul_f64((random % 1000) as f64 / 5000.0);
    let left = end.saturating_duration_since(now);
    (left >= MIN_PAUSE).then(|| pause.min(left))
}

fn seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_ten_seconds_and_stop_at_the_end() {
        let now = Instant::now();
        let far = now + Duration::from_secs(3600);
        for (reads, low) in [(1, 1), (2, 2), (5, 5), (10, 10), (40, 10)] {
            let pause = next_pause(reads, now, far).unwrap();
            let low = Duration::from_secs(low);
            assert!(pause >= low && pause <= low.mul_f64(1.2), "{reads}: {pause:?}");
        }
        assert_eq!(next_pause(3, now, now + Duration::from_millis(700)), Some(Duration::from_millis(700)), "cut to the end");
        assert_eq!(next_pause(3, now, now + Duration::from_millis(50)), None, "too little left for a read");
        assert_eq!(next_pause(3, now + Duration::from_secs(5), now), None, "past the end");
    }

    #[test]
    fn the_sentence_says_whether_the_work_goes_on() {
        let waited = |done: bool, secs: u64, cut: Option<u64>| Waited {
            last: (),
            done,
            waited: Duration::from_secs(secs),
            shortened_to: cut.map(Duration::from_secs),
            read_error: None,
        };
        let say = |w: Waited<()>| {
            let state = if w.done { "RUNNING" } else { "PROVISIONING" };
            w.describe("workspace 7", state, "RUNNING", "wait for it with wait-for-workspace")
        };
        assert_eq!(say(waited(true, 0, None)), "workspace 7 is RUNNING");
        assert_eq!(say(waited(true, 12, None)), "workspace 7 is RUNNING after 12 s");
        let going = say(waited(false, 54, Some(54)));
        assert!(going.starts_with("workspace 7 is still PROVISIONING after 54 s"), "{going}");
        assert!(going.contains("do not create it again") && going.ends_with("cut to 54 s, what this run's time limit allows)"), "{going}");
        assert!(say(waited(false, 0, None)).contains("wait for it with wait-for-workspace"));
    }
}
