//! `huiying audit verify`: recompute every timeline's hash chain under the audit key and
//! report any row that was altered, removed or inserted out of order, and any chain
//! recomputed without the key. Also the one-time sealing of chains begun before the key.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::audit::{
    Anchor, anchors_of, heads_after, insert_anchors, key_check_value, set_key_check_value,
};
use crate::db::cases::{CaseRecord, EventRecord, all_case_ids, find_by_tracking_number};
use crate::db::schema::{case_events, cases};
use crate::db::{DbConn, DbError};
use crate::domain::timeline::{ChainKey, GENESIS, HashInput};

/// Why the key cannot be used with this database.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the audit key is not the one this database's timelines were sealed with; start with \
         the original key (HUIYING_AUDIT_KEY or <data dir>/audit.key), or no event can be verified"
    )]
    Mismatch,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Whether `key` is the one the database was sealed with (a database never sealed has
/// nothing keyed to check yet).
pub fn check_key(conn: &mut DbConn, key: &ChainKey) -> Result<(), KeyError> {
    match key_check_value(conn)? {
        Some(value) if value != key.check_value() => Err(KeyError::Mismatch),
        _ => Ok(()),
    }
}

/// Makes sure the database is sealed with `key`: the first time, every chain begun before
/// the key is anchored (its head sealed) and the key's fingerprint kept; afterwards, a
/// different key is refused. Returns how many chains were anchored. Run before anything
/// writes an event.
pub fn seal_with(
    conn: &mut DbConn,
    key: &ChainKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, KeyError> {
    match key_check_value(conn)? {
        Some(value) if value == key.check_value() => return Ok(0),
        Some(_) => return Err(KeyError::Mismatch),
        None => {}
    }
    const PAGE: i64 = 5_000;
    let (mut anchored, mut after) = (0, 0);
    loop {
        let heads = heads_after(conn, after, PAGE)?;
        let Some(last) = heads.last().map(|h| h.0) else {
            break;
        };
        let anchors: Vec<Anchor> = heads
            .into_iter()
            .map(|(case_id, seq, hash)| Anchor {
                seal: key.anchor_seal(case_id, seq, &hash),
                case_id,
                seq,
                hash,
            })
            .collect();
        anchored += insert_anchors(conn, &anchors)?;
        after = last;
    }
    set_key_check_value(conn, &key.check_value(), now.naive_utc())?;
    Ok(anchored)
}

/// One problem found in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub tracking_number: String,
    /// The event at which the chain breaks (`None`: the case row's own record of its head).
    pub seq: Option<i32>,
    pub problem: String,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "case {} event {}: {}", self.tracking_number, seq, self.problem),
            None => write!(f, "case {}: {}", self.tracking_number, self.problem),
        }
    }
}

/// Checks one case's chain against the head recorded on the case row: every event keyed,
/// except those up to a valid anchor, which carry the plain hashes of before the key.
pub fn check_chain(
    key: &ChainKey,
    case: &CaseRecord,
    events: &[EventRecord],
    anchor: Option<&Anchor>,
) -> Vec<ChainBreak> {
    let mut breaks = Vec::new();
    let problem = |seq: Option<i32>, text: String| ChainBreak {
        tracking_number: case.tracking_number.clone(),
        seq,
        problem: text,
    };
    let legacy_until = match anchor {
        Some(a) if a.seal == key.anchor_seal(a.case_id, a.seq, &a.hash) => a.seq,
        Some(_) => {
            breaks.push(problem(
                None,
                "the seal over its events from before the audit key is not valid".into(),
            ));
            0
        }
        None => 0,
    };
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i32 + 1;
        if e.seq != expected_seq {
            breaks.push(problem(
                Some(expected_seq),
                format!("missing (the next stored event is {})", e.seq),
            ));
            return breaks;
        }
        if e.prev_hash != prev {
            breaks.push(problem(
                Some(e.seq),
                "does not link to the event before it".into(),
            ));
        }
        let input = HashInput {
            case_id: e.case_id,
            seq: e.seq,
            kind: &e.kind,
            visibility: &e.visibility,
            actor_kind: &e.actor_kind,
            actor_id: e.actor_id,
            payload: &e.payload,
            at: e.created_at.and_utc(),
            prev_hash: &e.prev_hash,
        };
        let recomputed = if e.seq <= legacy_until {
            input.legacy_hash()
        } else {
            input.hash(key)
        };
        if recomputed != e.hash {
            breaks.push(problem(
                Some(e.seq),
                "content was altered, or its hash recomputed without the audit key".into(),
            ));
        }
        if e.seq == legacy_until && anchor.is_some_and(|a| a.hash != e.hash) {
            breaks.push(problem(
                Some(e.seq),
                "does not match the head sealed when the key was introduced".into(),
            ));
        }
        prev = e.hash.clone();
    }
    if case.last_event_seq != events.len() as i32 {
        breaks.push(problem(
            None,
            format!(
                "the case records {} events but {} are stored",
                case.last_event_seq,
                events.len()
            ),
        ));
    } else if case.last_event_hash != prev {
        breaks.push(problem(
            None,
            "the last event does not match the head recorded on the case".into(),
        ));
    }
    breaks
}

/// Verifies one case (by tracking number) or every case, a batch at a time.
pub fn verify(
    conn: &mut DbConn,
    key: &ChainKey,
    only: Option<&str>,
) -> Result<(usize, Vec<ChainBreak>), DbError> {
    verify_with_progress(conn, key, only, &|_| {})
}

/// [`verify`], saying how many cases are checked after each batch. Memory stays bounded
/// by the batch, whatever the number of cases.
pub fn verify_with_progress(
    conn: &mut DbConn,
    key: &ChainKey,
    only: Option<&str>,
    progress: &dyn Fn(usize),
) -> Result<(usize, Vec<ChainBreak>), DbError> {
    if let Some(number) = only {
        let Some(case) = find_by_tracking_number(conn, number)? else {
            return Ok((
                0,
                vec![ChainBreak {
                    tracking_number: number.to_string(),
                    seq: None,
                    problem: "no such case".into(),
                }],
            ));
        };
        let events = crate::db::cases::events_of(conn, case.id)?;
        let anchors = anchors_of(conn, &[case.id])?;
        return Ok((1, check_chain(key, &case, &events, anchors.get(&case.id))));
    }
    const BATCH: i64 = 500;
    let mut checked = 0;
    let mut breaks = Vec::new();
    let mut after = 0;
    loop {
        let ids = all_case_ids(conn, after, BATCH)?;
        let Some(&last) = ids.last() else { break };
        let records: Vec<CaseRecord> = cases::table
            .filter(cases::id.eq_any(&ids))
            .order(cases::id)
            .select(CaseRecord::as_select())
            .load(conn)?;
        let mut events: BTreeMap<i64, Vec<EventRecord>> = BTreeMap::new();
        for e in case_events::table
            .filter(case_events::case_id.eq_any(&ids))
            .order((case_events::case_id, case_events::seq))
            .select(EventRecord::as_select())
            .load::<EventRecord>(conn)?
        {
            events.entry(e.case_id).or_default().push(e);
        }
        let anchors = anchors_of(conn, &ids)?;
        for case in &records {
            breaks.extend(check_chain(
                key,
                case,
                events.get(&case.id).map(Vec::as_slice).unwrap_or(&[]),
                anchors.get(&case.id),
            ));
        }
        checked += records.len();
        progress(checked);
        after = last;
    }
    Ok((checked, breaks))
}
