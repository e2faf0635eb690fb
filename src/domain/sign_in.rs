//! When a staff sign-in may be tried: throttling that slows guessing without letting a
//! stranger lock real users out.
//!
//! - From an address that has signed in as this user before (within [`KNOWN_DAYS`]), only
//!   that address's own failures count: [`PER_PAIR`] in [`WINDOW_MINUTES`]. Nobody
//!   elsewhere can use them up.
//! - From any other address, three budgets apply, each over the same window: this
//!   (user, address) pair's [`PER_PAIR`], all such strangers' attempts on the user
//!   together, [`PER_USER_FROM_STRANGERS`] (so a burst from many addresses still runs at
//!   most that many password checks), and the address's attempts on users it is not known
//!   for, [`PER_ADDRESS`] (so one address cannot try name after name; an office behind one
//!   proxy whose staff sign in as themselves is not counted here).
//!
//! Every attempt is counted before the password is checked (a reservation that a success
//! removes), so concurrent tries cannot all pass the check at once.

use chrono::{DateTime, Duration, Utc};

use super::rate::RetryAfter;

pub const WINDOW_MINUTES: i64 = 15;
pub const PER_PAIR: usize = 5;
pub const PER_USER_FROM_STRANGERS: usize = 5;
pub const PER_ADDRESS: usize = 30;
/// How long a successful sign-in makes its address known for the user.
pub const KNOWN_DAYS: i64 = 90;

pub fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

/// The attempts that count against a new one, each list holding the times within the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    /// Whether the address has signed in as this user within [`KNOWN_DAYS`].
    pub known_address: bool,
    /// This user from this address.
    pub pair: Vec<DateTime<Utc>>,
    /// This user from addresses not known for it.
    pub strangers: Vec<DateTime<Utc>>,
    /// This address, on users it is not known for.
    pub address: Vec<DateTime<Utc>>,
}

/// Whether one more attempt may be made now; if not, when the earliest budget frees up.
pub fn may_try(recent: &Recent, now: DateTime<Utc>) -> Result<(), RetryAfter> {
    let mut budgets = vec![(&recent.pair, PER_PAIR)];
    if !recent.known_address {
        budgets.push((&recent.strangers, PER_USER_FROM_STRANGERS));
        budgets.push((&recent.address, PER_ADDRESS));
    }
    let waits: Vec<Duration> = budgets
        .into_iter()
        .filter_map(|(times, limit)| wait_for(times, limit, now))
        .collect();
    match waits.into_iter().max() {
        Some(wait) => Err(RetryAfter(wait)),
        None => Ok(()),
    }
}

/// How long until fewer than `limit` of `times` fall in the window, if they do not already.
fn wait_for(times: &[DateTime<Utc>], limit: usize, now: DateTime<Utc>) -> Option<Duration> {
    let start = now - window();
    let mut live: Vec<DateTime<Utc>> = times.iter().copied().filter(|t| *t > start).collect();
    if live.len() < limit {
        return None;
    }
    live.sort();
    // The attempt that must leave the window before one more fits.
    let frees = live[live.len() - limit] + window();
    Some((frees - now).max(Duration::seconds(1)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).single().unwrap()
    }

    fn ago(minutes: &[i64]) -> Vec<DateTime<Utc>> {
        minutes.iter().map(|m| now() - Duration::minutes(*m)).collect()
    }

    #[test]
    fn a_fresh_user_may_try() {
        assert_eq!(may_try(&Recent::default(), now()), Ok(()));
    }

    #[test]
    fn five_failures_from_one_address_stop_it_until_the_oldest_leaves_the_window() {
        let recent = Recent {
            pair: ago(&[1, 2, 3, 4, 10]),
            strangers: ago(&[1, 2, 3, 4, 10]),
            address: ago(&[1, 2, 3, 4, 10]),
            ..Recent::default()
        };
        assert_eq!(may_try(&recent, now()), Err(RetryAfter(Duration::minutes(5))));
        let four = Recent {
            pair: ago(&[1, 2, 3, 4, 16]),
            strangers: ago(&[1, 2, 3, 4, 16]),
            address: ago(&[1, 2, 3, 4, 16]),
            ..Recent::default()
        };
        assert_eq!(may_try(&four, now()), Ok(()));
    }

    #[test]
    fn strangers_on_many_addresses_share_one_budget() {
        let recent = Recent {
            strangers: ago(&[0, 0, 0, 0, 0]),
            ..Recent::default()
        };
        assert_eq!(may_try(&recent, now()), Err(RetryAfter(Duration::minutes(15))));
    }

    #[test]
    fn an_address_known_for_the_user_is_not_locked_out_by_strangers() {
        let recent = Recent {
            known_address: true,
            pair: vec![],
            strangers: ago(&[0; 50]),
            address: ago(&[0; 100]),
        };
        assert_eq!(may_try(&recent, now()), Ok(()));
        let own = Recent {
            known_address: true,
            pair: ago(&[0, 1, 2, 3, 4]),
            ..recent
        };
        assert_eq!(may_try(&own, now()), Err(RetryAfter(Duration::minutes(11))));
    }

    #[test]
    fn an_address_trying_many_names_is_stopped_at_thirty() {
        let recent = Recent {
            address: ago(&[1; 30]),
            ..Recent::default()
        };
        assert_eq!(may_try(&recent, now()), Err(RetryAfter(Duration::minutes(14))));
        let fewer = Recent {
            address: ago(&[1; 29]),
            ..Recent::default()
        };
        assert_eq!(may_try(&fewer, now()), Ok(()));
    }

    #[test]
    fn the_longest_wait_is_the_answer() {
        let recent = Recent {
            pair: ago(&[1, 1, 1, 1, 1]),
            strangers: ago(&[14, 14, 14, 14, 14]),
            ..Recent::default()
        };
        assert_eq!(may_try(&recent, now()), Err(RetryAfter(Duration::minutes(14))));
    }

    #[test]
    fn old_attempts_do_not_count() {
        let recent = Recent {
            pair: ago(&[15, 20, 30, 40, 50, 60]),
            ..Recent::default()
        };
        assert_eq!(may_try(&recent, now()), Ok(()));
    }
}
