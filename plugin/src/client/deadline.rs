//! When the run ends, as far as the guest can tell. The host tells the guest its run's time limit
//! in one environment variable ([`VARIABLE`], milliseconds) and stops the run when it passes; a
//! card that waits (for a workspace to be running, say) must return its last status before then,
//! never be cut off mid-wait. The deadline here is that limit less a safety margin (a tenth of it,
//! at least a second), counted from the card's start.
//!
//! A host that sets no limit (or an unreadable one) gives no deadline: waits then last as long as
//! the caller asked.

use std::time::{Duration, Instant};

/// The environment variable that carries the run's time limit (host-harness's
/// `TIME_LIMIT_VARIABLE`).
pub const VARIABLE: &str = "DATABRICKS_ACCOUNT_RUN_TIME_LIMIT_MS";

/// The least time kept between the guest's deadline and the host's.
const MIN_MARGIN: Duration = Duration::from_secs(1);

/// The instant by which a card must have returned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Deadline {
    end: Option<Instant>,
}

impl Deadline {
    /// The deadline of a run that started at `started`, from the host's time limit.
    pub fn of_run(started: Instant) -> Deadline {
        let limit = std::env::var(VARIABLE).ok().and_then(|ms| ms.trim().parse::<u64>().ok()).map(Duration::from_millis);
        Deadline::within(started, limit)
    }

    /// The deadline of a run that started at `started` and may last `limit`: the limit less
    /// its margin, a tenth of the limit and at least [`MIN_MARGIN`] (all of a shorter limit).
    pub fn within(started: Instant, limit: Option<Duration>) -> Deadline {
        let end = limit.map(|limit| started + limit.saturating_sub((limit / 10).max(MIN_MARGIN)));
        Deadline { end }
    }

    /// The instant itself, when there is one.
    pub fn end(&self) -> Option<Instant> {
        self.end
    }

    /// The earlier of this deadline and `now + wanted`: when a wait of `wanted` must end.
    pub fn bound(&self, now: Instant, wanted: Duration) -> Instant {
        let asked = now + wanted;
        self.end.map_or(asked, |end| end.min(asked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_a_tenth_of_the_limit_and_at_least_a_second() {
        let start = Instant::now();
        let end = |limit_ms: u64| Deadline::within(start, Some(Duration::from_millis(limit_ms))).end().unwrap() - start;
        assert_eq!(end(60_000), Duration::from_secs(54));
        assert_eq!(end(5_000), Duration::from_secs(4), "a second, more than a tenth of 5 s");
        assert_eq!(end(800), Duration::ZERO, "a limit shorter than the margin leaves no time");
        assert_eq!(Deadline::within(start, None).end(), None);
    }

    #[test]
    fn a_wait_ends_at_the_deadline_or_when_asked_whichever_is_first() {
        let start = Instant::now();
        let deadline = Deadline::within(start, Some(Duration::from_secs(20)));
        assert_eq!(deadline.bound(start, Duration::from_secs(5)), start + Duration::from_secs(5));
        assert_eq!(deadline.bound(start, Duration::from_secs(600)), start + Duration::from_secs(18));
        let unbounded = Deadline::within(start, None);
        assert_eq!(unbounded.bound(start, Duration::from_secs(600)), start + Duration::from_secs(600));
    }
}
