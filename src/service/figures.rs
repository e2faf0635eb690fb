//! The monthly review's figures kept as cases change: each case's facts are read off its
//! timeline after every change and the difference is added to per-day rows, in the same
//! transaction, so a month's review sums a few thousand rows whatever the volume.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::ServiceError;
use crate::db::cases::{CaseRecord, EventRecord, events_of_cases};
use crate::db::figures::{self as kept, FactsRow};
use crate::db::{Db, DbConn, DbError};
use crate::domain::case::{CaseState, Outcome, Rating};
use crate::domain::metrics::{CaseFacts, Period, Review, Sums, days_of, median, review_of_sums};
use crate::domain::tally::Tally;
use crate::domain::timeline::EventData;

/// Cases tallied per transaction when the figures are rebuilt.
const REBUILD_BATCH: i64 = 2_000;

/// Each case's parsed timeline, oldest first.
pub(crate) fn parse_events(events: Vec<EventRecord>) -> HashMap<i64, Vec<(DateTime<Utc>, EventData)>> {
    let mut by_case: HashMap<i64, Vec<(DateTime<Utc>, EventData)>> = HashMap::new();
    for e in events {
        if let Ok(data) = serde_json::from_str::<EventData>(&e.payload) {
            by_case
                .entry(e.case_id)
                .or_default()
                .push((e.created_at.and_utc(), data));
        }
    }
    by_case
}

/// What the review counts of `case`, read off its timeline.
pub(crate) fn facts_of(case: &CaseRecord, events: &[(DateTime<Utc>, EventData)]) -> CaseFacts {
    let state = CaseState::parse(&case.state);
    let open_due = state
        .filter(|s| s.awaits_department())
        .and(case.due_at)
        .map(|d| d.and_utc());
    CaseFacts::from_timeline(
        &case.department_code,
        &case.category_code,
        &case.area_code,
        case.concerned_department.as_deref(),
        case.submitted_at.and_utc(),
        case.acceptance_due_at.map(|d| d.and_utc()),
        open_due,
        events,
    )
}

fn row_of(case_id: i64, f: &CaseFacts) -> FactsRow {
    let naive = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
    FactsRow {
        case_id,
        department: f.department.clone(),
        category: f.category.clone(),
        area: f.area.clone(),
        concerned: f.concerned.clone().unwrap_or_default(),
        submitted_at: f.submitted_at.naive_utc(),
        acceptance_due_at: naive(f.acceptance_due_at),
        decided_at: naive(f.decided_at),
        accepted_at: naive(f.accepted_at),
        answered_at: naive(f.answered_at),
        answer_due_at: naive(f.answer_due_at),
        answer_seconds: f.answered_at.map(|a| (a - f.submitted_at).num_seconds()),
        outcome: f.outcome.map(|o| o.as_str().to_string()),
        rated_at: naive(f.rated.map(|(at, _)| at)),
        rating: f.rated.map(|(_, r)| r.as_str().to_string()),
        ended_at: naive(f.ended_at),
    }
}

fn facts_of_row(r: &FactsRow) -> CaseFacts {
    let utc = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc());
    CaseFacts {
        department: r.department.clone(),
        category: r.category.clone(),
        area: r.area.clone(),
        concerned: Some(r.concerned.clone()).filter(|c| !c.is_empty()),
        submitted_at: r.submitted_at.and_utc(),
        acceptance_due_at: utc(r.acceptance_due_at),
        decided_at: utc(r.decided_at),
        accepted_at: utc(r.accepted_at),
        answered_at: utc(r.answered_at),
        answer_due_at: utc(r.answer_due_at),
        outcome: r.outcome.as_deref().and_then(Outcome::parse),
        rated: utc(r.rated_at).zip(r.rating.as_deref().and_then(Rating::parse)),
        ended_at: utc(r.ended_at),
        open_due_at: None,
    }
}

/// Facts only for cases that reached a department (the review counts no others).
fn counted(case: &CaseRecord, events: &[(DateTime<Utc>, EventData)]) -> Option<CaseFacts> {
    case.acceptance_due_at.is_some().then(|| facts_of(case, events))
}

/// Brings case `case_id`'s kept figures up to date after a change. Call in the
/// transaction of the change.
pub fn refresh(conn: &mut DbConn, tz: Tz, case_id: i64) -> Result<(), ServiceError> {
    let Some(case) = crate::db::cases::find_by_id(conn, case_id)? else {
        return Ok(());
    };
    let events = parse_events(crate::db::cases::events_of(conn, case_id)?);
    let new = counted(&case, events.get(&case_id).map(Vec::as_slice).unwrap_or_default());
    let old = kept::stored(conn, case_id)?;
    let new_row = new.as_ref().map(|f| row_of(case_id, f));
    // Most steps (a reminder, a meeting, personal charge) change nothing counted.
    if old == new_row {
        return Ok(());
    }
    let tally = Tally::between(old.as_ref().map(facts_of_row).as_ref(), new.as_ref(), tz);
    match new_row {
        Some(row) => kept::store(conn, &row)?,
        None => kept::forget(conn, case_id)?,
    }
    // The shared day rows last, as in a filing.
    kept::apply(conn, &tally)?;
    Ok(())
}

/// A case just filed, tallied from what the filing holds in memory (no reads), for
/// `db::cases::insert_case_with_timeline` to store with the case.
pub fn of_filing(tz: Tz, case_id: i64, facts: &CaseFacts) -> crate::db::figures::FilingFigures {
    crate::db::figures::FilingFigures {
        facts: row_of(case_id, facts),
        tally: Tally::of(facts, tz),
    }
}

/// Tallies every stored case afresh, a batch per transaction; `progress` hears how many
/// are done. Until it finishes, the figures are marked incomplete (a start resumes it).
pub fn rebuild(db: &Db, tz: Tz, progress: &dyn Fn(u64)) -> Result<u64, ServiceError> {
    db.write_blocking(|conn| -> Result<(), DbError> {
        kept::mark_built(conn, false)?;
        kept::clear(conn)?;
        // Each batch reads its cases' timelines by key. Right after a bulk load PostgreSQL
        // has no statistics yet and planned a parallel scan of the whole timeline for
        // every batch (4 s each at a million cases).
        crate::db::plan::analyze_after_load(conn)
    })?;
    let (mut after, mut done) = (0_i64, 0_u64);
    loop {
        let (last, n) = db.write_blocking(move |conn| -> Result<(Option<i64>, u64), ServiceError> {
            let cases = kept::cases_after(conn, after, REBUILD_BATCH)?;
            let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
            let events = parse_events(events_of_cases(conn, &ids)?);
            let mut tally = Tally::default();
            let mut rows = Vec::with_capacity(cases.len());
            for case in &cases {
                if let Some(facts) =
                    counted(case, events.get(&case.id).map(Vec::as_slice).unwrap_or_default())
                {
                    tally.add(&facts, 1, tz);
                    rows.push(row_of(case.id, &facts));
                }
            }
            kept::store_new(conn, &rows)?;
            kept::apply(conn, &tally)?;
            Ok((ids.last().copied(), ids.len() as u64))
        })?;
        done += n;
        progress(done);
        match last {
            Some(last) => after = last,
            None => break,
        }
    }
    db.write_blocking(|conn| -> Result<(), DbError> {
        kept::mark_built(conn, true)?;
        crate::db::plan::analyze_after_load(conn)
    })?;
    Ok(done)
}

/// Rebuilds the figures if they do not hold every case yet (an upgraded database, an
/// interrupted load).
pub fn ensure_built(db: &Db, tz: Tz) -> Result<(), ServiceError> {
    let built = {
        let mut conn = db.get()?;
        kept::built(&mut conn)?
    };
    if !built {
        let started = std::time::Instant::now();
        let cases = rebuild(db, tz, &|_| {})?;
        tracing::info!(
            cases,
            seconds = started.elapsed().as_secs_f64(),
            "tallied the review's figures"
        );
    }
    Ok(())
}

/// Which cases a review counts: a leader does not see reports about their own
/// department; the public does not see reports about officials.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub not_concerning: Option<String>,
    pub without_categories: Vec<String>,
}

impl Scope {
    fn keeps(&self, category: &str, concerned: &str) -> bool {
        let about_own = self.not_concerning.as_deref().is_some_and(|own| own == concerned);
        !about_own && !self.without_categories.iter().any(|c| c == category)
    }
}

/// The local days of `period` as `[first, after last)`.
fn days_of_period(period: Period, tz: Tz) -> (NaiveDate, NaiveDate) {
    let day = |at| crate::domain::deadline::local_date(at, tz);
    (day(period.start), day(period.end))
}

/// The review of `period` from the kept figures, as of `now`.
pub fn review(
    conn: &mut DbConn,
    departments: &[String],
    scope: &Scope,
    period: Period,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Review, ServiceError> {
    let (from, until) = days_of_period(period, tz);
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    let mut categories: BTreeMap<String, u32> = BTreeMap::new();
    for (department, category, concerned, counts) in kept::day_groups(conn, from, until)? {
        if scope.keeps(&category, &concerned) {
            sums.entry(department).or_default().counts.add(&counts, 1);
            total.counts.add(&counts, 1);
            if counts.received > 0 {
                *categories.entry(category).or_default() += clamp(counts.received);
            }
        }
    }
    let (start, end) = (period.start.naive_utc(), period.end.naive_utc());
    for (department, category, concerned, n) in kept::undecided_due(conn, start, end, now.naive_utc())? {
        if scope.keeps(&category, &concerned) {
            sums.entry(department).or_default().undecided_due += n;
            total.undecided_due += n;
        }
    }
    let waiting: Vec<String> = CaseState::ALL
        .iter()
        .filter(|s| s.awaits_department())
        .map(|s| s.as_str().to_string())
        .collect();
    for (department, category, concerned, n) in kept::overdue_now(conn, waiting, end, now.naive_utc())? {
        if scope.keeps(&category, &concerned) {
            sums.entry(department).or_default().overdue_now += n;
            total.overdue_now += n;
        }
    }
    let mut days: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut all_days = Vec::new();
    for (department, category, concerned, seconds) in kept::answer_seconds(conn, start, end)? {
        if scope.keeps(&category, &concerned) {
            days.entry(department).or_default().push(days_of(seconds));
            all_days.push(days_of(seconds));
        }
    }
    for (department, values) in days {
        sums.entry(department).or_default().median_days_to_answer = median(values);
    }
    total.median_days_to_answer = median(all_days);
    let mut areas: BTreeMap<String, u32> = BTreeMap::new();
    for (area, category, concerned, n) in kept::area_received(conn, from, until)? {
        if scope.keeps(&category, &concerned) && n > 0 {
            *areas.entry(area).or_default() += clamp(n);
        }
    }
    categories.retain(|_, n| *n > 0);
    areas.retain(|_, n| *n > 0);
    Ok(review_of_sums(departments, &sums, &total, categories, areas))
}

fn clamp(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Received and answered in each period, from the kept day rows.
pub fn trend(
    conn: &mut DbConn,
    scope: &Scope,
    periods: &[Period],
    tz: Tz,
) -> Result<Vec<(u32, u32)>, ServiceError> {
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Ok(Vec::new());
    };
    let bounds: Vec<(NaiveDate, NaiveDate)> = periods.iter().map(|p| days_of_period(*p, tz)).collect();
    let mut counts = vec![(0_i64, 0_i64); periods.len()];
    let rows =
        kept::daily_received_answered(conn, days_of_period(*first, tz).0, days_of_period(*last, tz).1)?;
    for (day, category, concerned, received, answered) in rows {
        if !scope.keeps(&category, &concerned) {
            continue;
        }
        if let Some(i) = bounds
            .iter()
            .position(|(from, until)| *from <= day && day < *until)
        {
            counts[i].0 += received;
            counts[i].1 += answered;
        }
    }
    Ok(counts.into_iter().map(|(r, a)| (clamp(r), clamp(a))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_leaves_out_reports_about_the_leaders_department_or_about_officials() {
        let everyone = Scope::default();
        assert!(everyone.keeps("noise", "") && everyone.keeps("conduct", "env"));
        let leader = Scope {
            not_concerning: Some("env".into()),
            without_categories: Vec::new(),
        };
        assert!(leader.keeps("noise", "") && leader.keeps("conduct", "transport"));
        assert!(!leader.keeps("conduct", "env"));
        let public = Scope {
            not_concerning: None,
            without_categories: vec!["conduct".into()],
        };
        assert!(public.keeps("noise", "") && !public.keeps("conduct", "env"));
    }
}
