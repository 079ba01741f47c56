//! The generic cell rate algorithm with reservations: a rate is an interval between requests and
//! a burst a client may send at once; the state is the time the next request is due.

use std::time::{Duration, Instant};

/// Requests per second and the burst allowed at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Time between two requests at the steady rate.
    pub interval: Duration,
    /// How many requests may go at once before the interval applies (at least 1).
    pub burst: u32,
}

impl Rate {
    /// `per_second` requests a second, with a burst of one second's worth (at least 1).
    pub fn per_second(per_second: f64) -> Rate {
        let per_second = per_second.max(1e-3);
        Rate { interval: Duration::from_secs_f64(1.0 / per_second), burst: (per_second.floor() as u32).max(1) }
    }

    /// A pace safely below a server's limit of `per_second`: 90% of the rate, half the burst
    /// (at least 1). A client at exactly the limit meets it at the server's edge, where a request
    /// that travels a little faster than the one before it is refused.
    pub fn below(per_second: f64) -> Rate {
        let limit = Rate::per_second(per_second);
        Rate { interval: limit.interval.mul_f64(1.0 / 0.9), burst: (limit.burst / 2).max(1) }
    }

    /// This rate `factor` times faster, its burst `factor` times larger.
    pub fn scaled(self, factor: f64) -> Rate {
        Rate { interval: self.interval.div_f64(factor.max(1e-3)), burst: ((f64::from(self.burst) * factor).floor() as u32).max(1) }
    }

    /// How far ahead of its due time a request may go: the burst beyond the first.
    pub fn tolerance(&self) -> Duration {
        self.interval * self.burst.saturating_sub(1)
    }

    /// Reserves the next slot: `due` is when the next request is due (the stored state), `now`
    /// the time of asking. Returns how long to wait and the new due time.
    pub fn reserve(&self, due: Instant, now: Instant) -> (Duration, Instant) {
        let due = due.max(now);
        let allowed_at = due.checked_sub(self.tolerance()).unwrap_or(now);
        (allowed_at.saturating_duration_since(now), due + self.interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_interval() {
        let rate = Rate::per_second(2.0);
        assert_eq!((rate.interval, rate.burst), (Duration::from_millis(500), 2));
        let now = Instant::now();
        let (first, due) = rate.reserve(now, now);
        let (second, due) = rate.reserve(due, now);
        let (third, due) = rate.reserve(due, now);
        let (fourth, _) = rate.reserve(due, now);
        assert_eq!((first, second), (Duration::ZERO, Duration::ZERO));
        assert_eq!((third, fourth), (Duration::from_millis(500), Duration::from_millis(1000)));
        // After a quiet second the burst is back.
        let later = now + Duration::from_secs(10);
        assert_eq!(rate.reserve(due, later).0, Duration::ZERO);
    }

    #[test]
    fn a_fraction_per_second_is_one_at_a_time() {
        let rate = Rate::per_second(0.25);
        assert_eq!((rate.interval, rate.burst), (Duration::from_secs(4), 1));
        assert_eq!(Rate::per_second(2.0).scaled(10.0), Rate::per_second(20.0));
        let below = Rate::below(20.0);
        assert_eq!((below.burst, below.interval.as_micros()), (10, 55_555));
    }
}
