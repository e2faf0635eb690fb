//! What a fault run must show, worked out from what the load generator was told, what the
//! database holds and what the SMTP sink received. No I/O: the run gathers, this judges.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::db::chaos::NoticeRow;

/// Everything the run observed.
#[derive(Debug, Default)]
pub struct Observed {
    /// Tracking numbers of the filings answered `201`.
    pub acknowledged: Vec<String>,
    /// Which of them the database holds.
    pub stored: HashSet<String>,
    /// Staff actions answered `200`: the case and the event the action writes.
    pub actions: Vec<(String, String)>,
    /// `(tracking number, event kind)` in the timelines of the run's cases.
    pub events: HashSet<(String, String)>,
    /// The cases stored during the run: id and whether the resident gave an address.
    pub filed: Vec<(i64, bool)>,
    /// Every notice written during the run.
    pub notices: Vec<NoticeRow>,
    /// The Message-ID of every message the sink accepted, repeats kept.
    pub delivered: Vec<String>,
    /// Cases `audit verify` checked, and the chains it found broken.
    pub chains_checked: usize,
    pub chain_breaks: usize,
}

/// The counts to print, and what failed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub lines: Vec<String>,
    pub failures: Vec<String>,
}

/// Kinds of mail written by the deadline scan and the digest: each must be written once.
const SCANNED: [&str; 3] = ["reminder", "escalation", "digest"];

/// The outbox id in a Message-ID the portal wrote (`<outbox-42@host>`).
pub fn outbox_id(message_id: &str) -> Option<i64> {
    message_id
        .trim()
        .strip_prefix("<outbox-")?
        .split_once('@')?
        .0
        .parse()
        .ok()
}

pub fn judge(seen: &Observed) -> Report {
    let mut report = Report::default();

    let lost: Vec<&String> = seen
        .acknowledged
        .iter()
        .filter(|n| !seen.stored.contains(*n))
        .collect();
    report.lines.push(format!(
        "filings: {} acknowledged, {} stored, {} lost",
        seen.acknowledged.len(),
        seen.acknowledged.len() - lost.len(),
        lost.len()
    ));
    if seen.acknowledged.is_empty() {
        report
            .failures
            .push("no filing was acknowledged: the run loaded nothing".into());
    }
    if let Some(first) = lost.first() {
        report.failures.push(format!(
            "{} acknowledged filings are not stored (first: {first})",
            lost.len()
        ));
    }

    let unrecorded = seen
        .actions
        .iter()
        .filter(|(n, kind)| !seen.events.contains(&(n.clone(), kind.clone())))
        .count();
    report.lines.push(format!(
        "staff actions: {} acknowledged, {} in their case's timeline, {unrecorded} lost",
        seen.actions.len(),
        seen.actions.len() - unrecorded
    ));
    if unrecorded > 0 {
        report.failures.push(format!(
            "{unrecorded} acknowledged staff actions are not in the timelines"
        ));
    }

    let times: HashMap<i64, usize> =
        seen.delivered
            .iter()
            .filter_map(|m| outbox_id(m))
            .fold(HashMap::new(), |mut times, id| {
                *times.entry(id).or_default() += 1;
                times
            });
    let by_id: HashMap<i64, &NoticeRow> = seen.notices.iter().map(|n| (n.id, n)).collect();
    receipts(seen, &times, &by_id, &mut report);
    scanned(seen, &times, &mut report);

    let resent = times.values().filter(|t| **t == 2).count();
    let too_often = times.values().filter(|t| **t > 2).count();
    let foreign = seen.delivered.iter().filter(|m| outbox_id(m).is_none()).count();
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &seen.notices {
        *states.entry(n.state.as_str()).or_default() += 1;
    }
    let unsent = seen.notices.iter().filter(|n| n.state != "sent").count();
    report.lines.push(format!(
        "mail: {} messages at the sink, {} Message-IDs, {resent} of them twice, {too_often} more often; {} notices written during the run, {unsent} not sent ({})",
        seen.delivered.len(),
        times.len(),
        seen.notices.len(),
        states
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if too_often > 0 {
        report.failures.push(format!(
            "{too_often} Message-IDs reached the sink more than twice"
        ));
    }
    if foreign > 0 {
        report
            .failures
            .push(format!("{foreign} messages without an outbox Message-ID"));
    }
    if unsent > 0 {
        report
            .failures
            .push(format!("{unsent} notices of the run were not sent"));
    }

    report.lines.push(format!(
        "audit verify: {} cases checked, {} broken chains",
        seen.chains_checked, seen.chain_breaks
    ));
    if seen.chain_breaks > 0 {
        report
            .failures
            .push(format!("{} timeline chains are broken", seen.chain_breaks));
    }
    report
}

/// Every case filed with an address has exactly one receipt written, delivered under one
/// Message-ID (at most twice: a worker killed between the relay's answer and its own
/// record sends it again).
fn receipts(
    seen: &Observed,
    times: &HashMap<i64, usize>,
    by_id: &HashMap<i64, &NoticeRow>,
    report: &mut Report,
) {
    let mut written: HashMap<i64, Vec<i64>> = HashMap::new();
    for n in seen.notices.iter().filter(|n| n.kind == "receipt") {
        if let Some(case) = n.case_id {
            written.entry(case).or_default().push(n.id);
        }
    }
    let mut delivered: HashMap<i64, usize> = HashMap::new();
    let mut resent = 0;
    for (id, count) in times {
        if let Some(n) = by_id.get(id).filter(|n| n.kind == "receipt")
            && let Some(case) = n.case_id
        {
            *delivered.entry(case).or_default() += 1;
            resent += usize::from(*count > 1);
        }
    }
    let expected: Vec<i64> = seen
        .filed
        .iter()
        .filter(|(_, email)| *email)
        .map(|(id, _)| *id)
        .collect();
    let none = expected.iter().filter(|c| !written.contains_key(c)).count();
    let one = expected
        .iter()
        .filter(|c| written.get(c).is_some_and(|ids| ids.len() == 1))
        .count();
    let two = written.values().filter(|ids| ids.len() > 1).count();
    let undelivered = expected.iter().filter(|c| !delivered.contains_key(c)).count();
    let different = delivered.values().filter(|n| **n > 1).count();
    report.lines.push(format!(
        "receipts: {} cases filed with an address, {one} with exactly one receipt, {none} with none, {two} with more; {} delivered, {resent} of them twice under the same Message-ID, {different} cases sent two different receipts, {undelivered} never delivered",
        expected.len(),
        delivered.len(),
    ));
    for (count, what) in [
        (none, "cases have no receipt"),
        (two, "cases have more than one receipt"),
        (different, "cases were sent two different receipts"),
        (undelivered, "receipts never reached the sink"),
    ] {
        if count > 0 {
            report.failures.push(format!("{count} {what}"));
        }
    }
}

/// The scan's and the digest's mail: one notice per case (or leader) and kind in the run,
/// however many workers scanned at once or died scanning.
fn scanned(seen: &Observed, times: &HashMap<i64, usize>, report: &mut Report) {
    let mut parts = Vec::new();
    for kind in SCANNED {
        let mut per_subject: HashMap<(Option<i64>, &str), usize> = HashMap::new();
        let mut sent = 0;
        for n in seen.notices.iter().filter(|n| n.kind == kind) {
            *per_subject.entry((n.case_id, n.recipient.as_str())).or_default() += 1;
            sent += usize::from(times.contains_key(&n.id));
        }
        let twice = per_subject.values().filter(|n| **n > 1).count();
        parts.push(format!("{kind} {sent} sent, {twice} twice"));
        if twice > 0 {
            report.failures.push(format!(
                "{twice} {kind} notices were written twice for one case and recipient"
            ));
        }
    }
    report.lines.push(format!("scan mail: {}", parts.join("; ")));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(id: i64, kind: &str, case_id: Option<i64>, recipient: &str) -> NoticeRow {
        NoticeRow {
            id,
            kind: kind.into(),
            case_id,
            recipient: recipient.into(),
            state: "sent".into(),
        }
    }

    fn mid(id: i64) -> String {
        format!("<outbox-{id}@linjiang.example>")
    }

    /// Two filings, both stored, each with one receipt delivered; one action recorded;
    /// one reminder; every chain intact.
    fn clean() -> Observed {
        Observed {
            acknowledged: vec!["A1".into(), "A2".into()],
            stored: ["A1".to_string(), "A2".to_string()].into(),
            actions: vec![("A1".into(), "accepted".into())],
            events: [("A1".to_string(), "accepted".to_string())].into(),
            filed: vec![(1, true), (2, true)],
            notices: vec![
                notice(10, "receipt", Some(1), "r@example.cn"),
                notice(11, "assignment", Some(1), "d@example.cn"),
                notice(12, "receipt", Some(2), "r@example.cn"),
                notice(13, "reminder", Some(9), "d@example.cn"),
            ],
            delivered: vec![mid(10), mid(11), mid(12), mid(13)],
            chains_checked: 3,
            chain_breaks: 0,
        }
    }

    #[test]
    fn a_clean_run_passes_and_says_what_it_counted() {
        let report = judge(&clean());
        assert_eq!(report.failures, Vec::<String>::new());
        assert_eq!(report.lines[0], "filings: 2 acknowledged, 2 stored, 0 lost");
        assert!(report.lines.iter().any(|l| l.starts_with("receipts: 2 cases filed with an address, 2 with exactly one receipt, 0 with none, 0 with more; 2 delivered, 0 of them twice")));
        assert!(report.lines.iter().any(|l| l
            == "scan mail: reminder 1 sent, 0 twice; escalation 0 sent, 0 twice; digest 0 sent, 0 twice"));
    }

    #[test]
    fn the_same_message_id_twice_is_allowed_but_not_three_times() {
        let mut seen = clean();
        seen.delivered.push(mid(10));
        assert!(judge(&seen).failures.is_empty());
        seen.delivered.push(mid(10));
        assert_eq!(
            judge(&seen).failures,
            vec!["1 Message-IDs reached the sink more than twice"]
        );
    }

    #[test]
    fn a_lost_filing_a_lost_action_and_a_broken_chain_fail() {
        let mut seen = clean();
        seen.acknowledged.push("A3".into());
        seen.actions.push(("A2".into(), "answered".into()));
        seen.chain_breaks = 1;
        let failures = judge(&seen).failures;
        assert!(failures.contains(&"1 acknowledged filings are not stored (first: A3)".to_string()));
        assert!(failures.contains(&"1 acknowledged staff actions are not in the timelines".to_string()));
        assert!(failures.contains(&"1 timeline chains are broken".to_string()));
    }

    #[test]
    fn two_different_receipts_for_one_case_fail() {
        let mut seen = clean();
        seen.notices.push(notice(14, "receipt", Some(1), "r@example.cn"));
        seen.delivered.push(mid(14));
        let failures = judge(&seen).failures;
        assert!(failures.contains(&"1 cases have more than one receipt".to_string()));
        assert!(failures.contains(&"1 cases were sent two different receipts".to_string()));
    }

    #[test]
    fn a_case_without_a_receipt_or_with_it_unsent_fails() {
        let mut seen = clean();
        seen.filed.push((3, true));
        seen.filed.push((4, false));
        seen.notices[2].state = "pending".into();
        seen.delivered.retain(|m| m != &mid(12));
        let failures = judge(&seen).failures;
        assert!(
            failures.contains(&"1 cases have no receipt".to_string()),
            "{failures:?}"
        );
        assert!(
            failures.contains(&"2 receipts never reached the sink".to_string()),
            "{failures:?}"
        );
        assert!(
            failures.contains(&"1 notices of the run were not sent".to_string()),
            "{failures:?}"
        );
    }

    #[test]
    fn a_reminder_written_twice_fails_even_if_each_went_once() {
        let mut seen = clean();
        seen.notices.push(notice(15, "reminder", Some(9), "d@example.cn"));
        seen.delivered.push(mid(15));
        assert_eq!(
            judge(&seen).failures,
            vec!["1 reminder notices were written twice for one case and recipient"]
        );
    }

    #[test]
    fn a_run_that_filed_nothing_fails() {
        let failures = judge(&Observed::default()).failures;
        assert!(failures.contains(&"no filing was acknowledged: the run loaded nothing".to_string()));
    }

    #[test]
    fn outbox_ids_are_read_from_the_portals_message_ids_only() {
        assert_eq!(outbox_id("<outbox-42@linjiang.example>"), Some(42));
        assert_eq!(outbox_id(" <outbox-7@x> "), Some(7));
        assert_eq!(outbox_id("<42@linjiang.example>"), None);
        assert_eq!(outbox_id("<outbox-x@y>"), None);
        assert_eq!(outbox_id(""), None);
    }
}
