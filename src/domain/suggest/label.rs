//! Which department a routed case really belonged to: the one that answered it, or, not
//! answered yet, the one that accepted it. Re-routes by the intake office, objections
//! upheld and transfers all move the case before that point, so staff corrections
//! become the label rather than the first rule's guess.

use crate::domain::timeline::EventData;

/// None while the case is still being placed (nobody accepted it yet).
pub fn handling_department<'a>(events: impl IntoIterator<Item = &'a EventData>) -> Option<String> {
    let mut holder: Option<&str> = None;
    let mut accepted_by: Option<&str> = None;
    for event in events {
        match event {
            EventData::Routed { department, .. }
            | EventData::Rerouted { department, .. }
            | EventData::AssignmentConfirmed { department, .. }
            | EventData::Transferred { department, .. } => holder = Some(department),
            EventData::Objected { .. } => holder = None,
            EventData::Accepted { .. } => accepted_by = holder,
            EventData::Answered { .. } => return holder.or(accepted_by).map(str::to_string),
            _ => {}
        }
    }
    accepted_by.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routing::RouteReason;
    use chrono::{TimeZone, Utc};

    fn routed(d: &str) -> EventData {
        EventData::Routed {
            department: d.into(),
            reason: RouteReason::NoRule,
        }
    }
    fn accepted() -> EventData {
        EventData::Accepted {
            answer_due: Utc
                .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
                .single()
                .expect("valid"),
        }
    }
    fn answered() -> EventData {
        EventData::Answered {
            outcome: crate::domain::case::Outcome::Supported,
            text: "答复".into(),
            legal_basis: "依据".into(),
        }
    }

    #[test]
    fn the_answering_department_is_the_label() {
        assert_eq!(
            handling_department(&[routed("a"), accepted(), answered()]),
            Some("a".into())
        );
    }

    #[test]
    fn a_re_route_by_the_intake_office_changes_the_label() {
        let e = [
            routed("intake"),
            EventData::Rerouted {
                from: "intake".into(),
                department: "b".into(),
                reason: "更合适".into(),
                category: None,
            },
            accepted(),
            answered(),
        ];
        assert_eq!(handling_department(&e), Some("b".into()));
    }

    #[test]
    fn an_upheld_objection_and_a_transfer_change_it_too() {
        let e = [
            routed("a"),
            EventData::Objected {
                department: "a".into(),
                reason: "不属本部门".into(),
            },
            EventData::Rerouted {
                from: "intake".into(),
                department: "b".into(),
                reason: "异议成立".into(),
                category: None,
            },
            accepted(),
            EventData::Transferred {
                from: "b".into(),
                department: "c".into(),
                reason: "转办".into(),
                acceptance_due: Utc
                    .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
                    .single()
                    .expect("valid"),
            },
            accepted(),
        ];
        assert_eq!(handling_department(&e), Some("c".into()));
    }

    #[test]
    fn a_review_after_the_answer_does_not() {
        let e = [
            routed("a"),
            accepted(),
            answered(),
            EventData::ReviewRequested {
                reason: "不满意".into(),
                department: "review".into(),
            },
        ];
        assert_eq!(handling_department(&e), Some("a".into()));
    }

    #[test]
    fn a_case_nobody_accepted_has_no_label() {
        assert_eq!(handling_department(&[routed("a")]), None);
        assert_eq!(handling_department(&[]), None);
    }
}
