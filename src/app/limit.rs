//! Per-address limits held in memory: one timestamp per client address. Each instance
//! counts for itself, so behind a load balancer the effective limit is per instance.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::domain::rate::{Gcra, RetryAfter};

/// Past this many remembered clients, the spent ones are forgotten.
const PRUNE_AT: usize = 4096;

#[derive(Debug)]
pub struct Limiter {
    rule: Option<Gcra>,
    clients: Mutex<HashMap<IpAddr, DateTime<Utc>>>,
}

impl Limiter {
    /// `count` per hour from one address; 0 turns the limit off.
    pub fn per_hour(count: u32) -> Limiter {
        Limiter {
            rule: Gcra::new(count, Duration::hours(1)),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `client`, or says how long it must wait.
    pub fn check(&self, client: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), RetryAfter> {
        let (Some(rule), Some(client)) = (self.rule, client) else {
            return Ok(());
        };
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let next = rule.check(clients.get(&client).copied(), now)?;
        if clients.len() >= PRUNE_AT {
            clients.retain(|_, stored| !Gcra::is_spent(*stored, now));
        }
        clients.insert(client, next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn addresses_are_counted_apart_and_spent_ones_forgotten() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).single().unwrap();
        let limiter = Limiter::per_hour(1);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert!(limiter.check(Some(a), now).is_ok());
        assert!(limiter.check(Some(a), now).is_err());
        assert!(limiter.check(Some(b), now).is_ok());
        // Unknown addresses are not limited (there is nothing to count them by).
        assert!(limiter.check(None, now).is_ok());
        assert!(limiter.check(None, now).is_ok());

        for i in 0..PRUNE_AT {
            let ip = IpAddr::from([10, 0, (i / 256) as u8, (i % 256) as u8]);
            limiter.check(Some(ip), now).unwrap();
        }
        let later = now + Duration::hours(2);
        limiter.check(Some(a), later).unwrap();
        assert!(limiter.clients.lock().unwrap().len() < 10, "spent entries pruned");
    }

    #[test]
    fn zero_is_no_limit() {
        let now = Utc::now();
        let limiter = Limiter::per_hour(0);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert!(limiter.check(Some(a), now).is_ok());
        }
    }
}
