//! A rate limit as the generic cell rate algorithm: one timestamp per client (the
//! "theoretical arrival time") is all the state, and a burst is allowed up to the limit.

use chrono::{DateTime, Duration, Utc};

/// `count` requests per `period`, all of which may come at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    /// Time one request "costs".
    interval: Duration,
    /// How far ahead of now the arrival time may run: the burst, less one.
    tolerance: Duration,
}

/// The request is refused; the client may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least one (for a `Retry-After` header).
    pub fn secs(&self) -> u64 {
        u64::try_from(self.0.num_seconds()).unwrap_or(0).max(1)
    }
}

impl Gcra {
    /// `None` for a count of 0, which means "no limit".
    pub fn new(count: u32, period: Duration) -> Option<Gcra> {
        if count == 0 || period <= Duration::zero() {
            return None;
        }
        let interval = period / i32::try_from(count).unwrap_or(i32::MAX);
        Some(Gcra {
            interval,
            tolerance: interval * i32::try_from(count - 1).unwrap_or(i32::MAX),
        })
    }

    /// Decides one request given the client's stored arrival time; on success returns the
    /// time to store.
    pub fn check(
        &self,
        stored: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, RetryAfter> {
        let arrival = stored.map_or(now, |t| t.max(now));
        let earliest = arrival - self.tolerance;
        if earliest > now {
            return Err(RetryAfter(earliest - now));
        }
        Ok(arrival + self.interval)
    }

    /// Whether a stored time no longer affects any decision (and can be forgotten).
    pub fn is_spent(stored: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        stored <= now
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).single().unwrap()
    }

    fn run(limit: &Gcra, at: &[i64]) -> Vec<bool> {
        let mut stored = None;
        at.iter()
            .map(|minutes| {
                let now = t0() + Duration::minutes(*minutes);
                match limit.check(stored, now) {
                    Ok(next) => {
                        stored = Some(next);
                        true
                    }
                    Err(_) => false,
                }
            })
            .collect()
    }

    #[test]
    fn zero_means_no_limit() {
        assert_eq!(Gcra::new(0, Duration::hours(1)), None);
        assert_eq!(Gcra::new(5, Duration::zero()), None);
    }

    #[test]
    fn a_burst_up_to_the_count_passes_and_the_next_waits() {
        let limit = Gcra::new(5, Duration::hours(1)).unwrap();
        assert_eq!(
            run(&limit, &[0, 0, 0, 0, 0, 0]),
            [true, true, true, true, true, false]
        );
    }

    #[test]
    fn capacity_returns_at_the_steady_rate() {
        // One every 12 minutes once the burst is used.
        let limit = Gcra::new(5, Duration::hours(1)).unwrap();
        assert_eq!(
            run(&limit, &[0, 0, 0, 0, 0, 11, 12, 13, 24, 60]),
            [true, true, true, true, true, false, true, false, true, true]
        );
    }

    #[test]
    fn the_refusal_says_how_long_to_wait() {
        let limit = Gcra::new(2, Duration::hours(1)).unwrap();
        let first = limit.check(None, t0()).unwrap();
        let second = limit.check(Some(first), t0()).unwrap();
        let refused = limit.check(Some(second), t0()).unwrap_err();
        assert_eq!(refused, RetryAfter(Duration::minutes(30)));
        assert_eq!(refused.secs(), 1800);
        assert!(limit.check(Some(second), t0() + Duration::minutes(30)).is_ok());
    }

    #[test]
    fn a_quiet_client_starts_afresh() {
        let limit = Gcra::new(3, Duration::hours(1)).unwrap();
        assert_eq!(
            run(&limit, &[0, 0, 0, 0, 180, 180, 180, 180]),
            [true, true, true, false, true, true, true, false]
        );
    }

    #[test]
    fn spent_times_can_be_forgotten() {
        assert!(Gcra::is_spent(t0(), t0()));
        assert!(!Gcra::is_spent(t0() + Duration::seconds(1), t0()));
    }

    #[test]
    fn a_limit_of_one_is_one_per_period() {
        let limit = Gcra::new(1, Duration::hours(1)).unwrap();
        assert_eq!(run(&limit, &[0, 59, 60, 61]), [true, false, true, false]);
    }
}
