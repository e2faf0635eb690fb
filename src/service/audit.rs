//! `huiying audit verify`: recompute every timeline's hash chain and report any row that
//! was altered, removed or inserted out of order.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::cases::{CaseRecord, EventRecord, all_case_ids, find_by_tracking_number};
use crate::db::schema::{case_events, cases};
use crate::db::{DbConn, DbError};
use crate::domain::timeline::{GENESIS, HashInput};

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

/// Checks one case's chain against the head recorded on the case row.
pub fn check_chain(case: &CaseRecord, events: &[EventRecord]) -> Vec<ChainBreak> {
    let mut breaks = Vec::new();
    let problem = |seq: Option<i32>, text: String| ChainBreak {
        tracking_number: case.tracking_number.clone(),
        seq,
        problem: text,
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
        let recomputed = HashInput {
            case_id: e.case_id,
            seq: e.seq,
            kind: &e.kind,
            visibility: &e.visibility,
            actor_kind: &e.actor_kind,
            actor_id: e.actor_id,
            payload: &e.payload,
            at: e.created_at.and_utc(),
            prev_hash: &e.prev_hash,
        }
        .hash();
        if recomputed != e.hash {
            breaks.push(problem(Some(e.seq), "content was altered (hash mismatch)".into()));
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
pub fn verify(conn: &mut DbConn, only: Option<&str>) -> Result<(usize, Vec<ChainBreak>), DbError> {
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
        return Ok((1, check_chain(&case, &events)));
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
        for case in &records {
            breaks.extend(check_chain(
                case,
                events.get(&case.id).map(Vec::as_slice).unwrap_or(&[]),
            ));
        }
        checked += records.len();
        after = last;
    }
    Ok((checked, breaks))
}
