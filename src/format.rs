//! Dates and names as the reader expects them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::domain::case::Outcome;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::routing::RouteReason;
use crate::domain::timeline::{CloseReason, EventData};
use crate::i18n::Tr;

/// `2026年12月11日` or `11 Dec 2026`, in the deployment's time zone.
pub fn date(locale: Locale, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    match locale {
        Locale::ZhCn => local.format("%Y年%-m月%-d日").to_string(),
        Locale::En => local.format("%-d %b %Y").to_string(),
    }
}

/// A calendar day (already local).
pub fn local_day(locale: Locale, day: chrono::NaiveDate) -> String {
    match locale {
        Locale::ZhCn => day.format("%Y年%-m月%-d日").to_string(),
        Locale::En => day.format("%-d %b %Y").to_string(),
    }
}

/// Date and time to the minute.
pub fn date_time(locale: Locale, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    match locale {
        Locale::ZhCn => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
        Locale::En => local.format("%-d %b %Y, %H:%M").to_string(),
    }
}

/// Machine-readable instant for `<time datetime>` and the API.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn department_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    catalog
        .department(code)
        .map(|d| d.names.get(locale).to_string())
        .unwrap_or_else(|| code.to_string())
}

pub fn category_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    catalog
        .category(code)
        .map(|c| c.names.get(locale).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The area with its ancestors: `临江市 › 青山镇 › 石口村`.
pub fn area_path_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    match catalog.area_path(code) {
        Some(path) => path
            .iter()
            .rev()
            .filter_map(|c| catalog.area(c))
            .map(|a| a.names.get(locale))
            .collect::<Vec<_>>()
            .join(" › "),
        None => code.to_string(),
    }
}

pub fn state_name(tr: Tr, state: crate::domain::case::CaseState) -> &'static str {
    tr.t(&format!("state.{}", state.as_str()))
}

/// A timeline event told in the reader's language: one sentence, and for answers and
/// notes the full text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventText {
    pub summary: String,
    pub detail: Option<String>,
}

fn channel_name(catalog: &Catalog, locale: Locale, code: &str) -> String {
    catalog
        .channel(code)
        .map(|c| c.names.get(locale).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// One sentence telling what a timeline event means, in the reader's language.
pub fn event_text(tr: Tr, catalog: &Catalog, tz: Tz, kind: &str, data: Option<&EventData>) -> EventText {
    let locale = tr.locale();
    let dept = |code: &str| department_name(catalog, locale, code);
    let day = |at: DateTime<Utc>| date(locale, at, tz);
    let plain = |summary: String| EventText {
        summary,
        detail: None,
    };
    let written = |key: &str, outcome: &Outcome, text: &str, basis: &str| EventText {
        summary: tr.f(
            key,
            &[("outcome", tr.t(&format!("outcome.{}", outcome.as_str())))],
        ),
        detail: Some(format!("{text}\n\n{}{basis}", tr.t("event.legal_basis"))),
    };
    match data {
        Some(EventData::Received {
            channel,
            contacted_at,
            ..
        }) => EventText {
            summary: tr.f(
                "event.received",
                &[("channel", tr.t(&format!("channel.{}", channel.as_str())))],
            ),
            detail: contacted_at.map(|at| tr.f("event.contacted_at", &[("at", &date_time(locale, at, tz))])),
        },
        Some(EventData::Routed { department, reason }) => {
            let department = dept(department);
            plain(match reason {
                RouteReason::Rule { category, area, .. } => {
                    let category = category
                        .as_deref()
                        .map(|c| category_name(catalog, locale, c))
                        .unwrap_or_else(|| tr.t("event.any_category").to_string());
                    let area = area
                        .as_deref()
                        .map(|a| area_path_name(catalog, locale, a))
                        .unwrap_or_else(|| tr.t("event.any_area").to_string());
                    tr.f(
                        "event.routed_rule",
                        &[
                            ("department", &department),
                            ("category", &category),
                            ("area", &area),
                        ],
                    )
                }
                RouteReason::NoRule => tr.f("event.routed_intake", &[("department", &department)]),
                RouteReason::Supervisor => tr.f("event.routed_supervisor", &[("department", &department)]),
            })
        }
        Some(EventData::Accepted { answer_due }) => {
            plain(tr.f("event.accepted", &[("due", &day(*answer_due))]))
        }
        Some(EventData::NotAccepted { reason, channel }) => plain(tr.f(
            "event.not_accepted",
            &[
                ("reason", reason),
                ("channel", &channel_name(catalog, locale, channel)),
            ],
        )),
        Some(EventData::Objected { department, reason }) => plain(tr.f(
            "event.objected",
            &[("department", &dept(department)), ("reason", reason)],
        )),
        Some(EventData::Rerouted {
            department,
            reason,
            category: None,
            ..
        }) => plain(tr.f(
            "event.rerouted",
            &[("department", &dept(department)), ("reason", reason)],
        )),
        Some(EventData::Rerouted {
            department,
            reason,
            category: Some(category),
            ..
        }) => plain(tr.f(
            "event.rerouted_category",
            &[
                ("department", &dept(department)),
                ("reason", reason),
                ("category", &category_name(catalog, locale, category)),
            ],
        )),
        Some(EventData::AssignmentConfirmed { department, reason }) => plain(tr.f(
            "event.assignment_confirmed",
            &[("department", &dept(department)), ("reason", reason)],
        )),
        Some(EventData::Transferred {
            from,
            department,
            reason,
            ..
        }) => plain(tr.f(
            "event.transferred",
            &[
                ("from", &dept(from)),
                ("department", &dept(department)),
                ("reason", reason),
            ],
        )),
        Some(EventData::Started) => plain(tr.t("event.started").to_string()),
        Some(EventData::ExtensionRequested { days, reason }) => plain(tr.f(
            "event.extension_requested",
            &[("days", &days.to_string()), ("reason", reason)],
        )),
        Some(EventData::ExtensionApproved {
            days,
            reason,
            answer_due,
        }) => plain(tr.f(
            "event.extension_approved",
            &[
                ("days", &days.to_string()),
                ("due", &day(*answer_due)),
                ("reason", reason),
            ],
        )),
        Some(EventData::ExtensionRefused { reason }) => {
            plain(tr.f("event.extension_refused", &[("reason", reason)]))
        }
        Some(EventData::Answered {
            outcome,
            text,
            legal_basis,
        }) => written("event.answered", outcome, text, legal_basis),
        Some(EventData::Note { text }) => EventText {
            summary: tr.t("event.note").to_string(),
            detail: Some(text.clone()),
        },
        Some(EventData::Withdrawn) => plain(tr.t("event.withdrawn").to_string()),
        Some(EventData::Confirmed) => plain(tr.t("event.confirmed").to_string()),
        Some(EventData::Evaluated { rating, comment }) => EventText {
            summary: tr.f(
                "event.evaluated",
                &[("rating", tr.t(&format!("rating.{}", rating.as_str())))],
            ),
            detail: (!comment.is_empty()).then(|| comment.clone()),
        },
        Some(EventData::ReviewRequested { reason, department }) => plain(tr.f(
            "event.review_requested",
            &[("department", &dept(department)), ("reason", reason)],
        )),
        Some(EventData::ReviewAccepted { answer_due }) => {
            plain(tr.f("event.review_accepted", &[("due", &day(*answer_due))]))
        }
        Some(EventData::ReviewAnswered {
            outcome,
            text,
            legal_basis,
        }) => written("event.review_answered", outcome, text, legal_basis),
        Some(EventData::ReReviewRequested { reason, department }) => plain(tr.f(
            "event.re_review_requested",
            &[("department", &dept(department)), ("reason", reason)],
        )),
        Some(EventData::ReReviewAccepted { answer_due }) => {
            plain(tr.f("event.re_review_accepted", &[("due", &day(*answer_due))]))
        }
        Some(EventData::ReReviewAnswered {
            outcome,
            text,
            legal_basis,
        }) => written("event.re_review_answered", outcome, text, legal_basis),
        Some(EventData::HearingStarted { .. }) => plain(tr.t("event.hearing_started").to_string()),
        Some(EventData::MarkedMajor { reason }) => plain(tr.f("event.marked_major", &[("reason", reason)])),
        Some(EventData::ClearedMajor { reason }) => plain(tr.f("event.cleared_major", &[("reason", reason)])),
        Some(EventData::Mediated {
            facts,
            agreement,
            performance_deadline,
            performance,
            court_confirmation_by,
        }) => EventText {
            summary: tr.f(
                "event.mediated",
                &[
                    ("deadline", &performance_deadline.to_string()),
                    ("performance", performance),
                    ("confirm_by", &court_confirmation_by.to_string()),
                ],
            ),
            detail: Some(format!("{facts}\n\n{agreement}")),
        },
        Some(EventData::MediationFailed { facts, reason }) => EventText {
            summary: tr.f("event.mediation_failed", &[("reason", reason)]),
            detail: Some(facts.clone()),
        },
        Some(EventData::HearingEnded { paused_days, due_at }) => plain(match due_at {
            Some(due) => tr.f(
                "event.hearing_ended",
                &[("days", &paused_days.to_string()), ("due", &day(*due))],
            ),
            None => tr.f(
                "event.hearing_ended_no_due",
                &[("days", &paused_days.to_string())],
            ),
        }),
        Some(EventData::Closed { after }) => plain(
            tr.t(match after {
                CloseReason::Satisfied => "event.closed_satisfied",
                CloseReason::WindowExpired => "event.closed_expired",
                CloseReason::NotConfirmed => "event.closed_not_confirmed",
            })
            .to_string(),
        ),
        Some(EventData::ReceptionBooked {
            date,
            starts_at,
            place,
            leader,
        }) => plain(tr.f(
            "event.reception_booked",
            &[
                ("date", &local_day(locale, *date)),
                ("time", starts_at),
                ("place", place),
                ("leader", leader),
            ],
        )),
        Some(EventData::ReceptionCancelled { date }) => plain(tr.f(
            "event.reception_cancelled",
            &[("date", &local_day(locale, *date))],
        )),
        Some(EventData::ReceptionDayCancelled { date, reason }) => plain(tr.f(
            "event.reception_day_cancelled",
            &[("date", &local_day(locale, *date)), ("reason", reason)],
        )),
        Some(EventData::ReceptionHeld {
            date,
            leader,
            attended,
            outcome,
        }) => EventText {
            summary: tr.f(
                if *attended {
                    "event.reception_held"
                } else {
                    "event.reception_missed"
                },
                &[("date", &local_day(locale, *date)), ("leader", leader)],
            ),
            detail: (!outcome.is_empty()).then(|| outcome.clone()),
        },
        Some(EventData::Supervised { leader }) => plain(tr.f("event.supervised", &[("leader", leader)])),
        Some(EventData::IdentityRemoved { years }) => {
            plain(tr.f("event.identity_removed", &[("years", &years.to_string())]))
        }
        None => plain(tr.f("event.unknown", &[("kind", kind)])),
    }
}

/// An event as the resident reads it on their own case: what they did is said to them
/// ("您评价了答复"), and routing is told without the rule behind it.
pub fn resident_event_text(
    tr: Tr,
    catalog: &Catalog,
    tz: Tz,
    kind: &str,
    data: Option<&EventData>,
) -> EventText {
    let locale = tr.locale();
    let plain = |summary: String| EventText {
        summary,
        detail: None,
    };
    let dept = |code: &str| department_name(catalog, locale, code);
    match data {
        Some(EventData::Received {
            channel,
            contacted_at,
            ..
        }) => EventText {
            summary: tr.f(
                "you.received",
                &[("channel", tr.t(&format!("channel.{}", channel.as_str())))],
            ),
            detail: contacted_at.map(|at| tr.f("event.contacted_at", &[("at", &date_time(locale, at, tz))])),
        },
        Some(EventData::Routed {
            department,
            reason: RouteReason::Rule { .. } | RouteReason::NoRule,
        }) => plain(tr.f("you.routed", &[("department", &dept(department))])),
        Some(EventData::Withdrawn) => plain(tr.t("you.withdrawn").to_string()),
        Some(EventData::Confirmed) => plain(tr.t("you.confirmed").to_string()),
        Some(EventData::Evaluated { rating, comment }) => EventText {
            summary: tr.f(
                "you.evaluated",
                &[("rating", tr.t(&format!("rating.{}", rating.as_str())))],
            ),
            detail: (!comment.is_empty()).then(|| comment.clone()),
        },
        Some(EventData::ReviewRequested { reason, department }) => EventText {
            summary: tr.f("you.review_requested", &[("department", &dept(department))]),
            detail: Some(reason.clone()),
        },
        Some(EventData::ReReviewRequested { reason, department }) => EventText {
            summary: tr.f("you.re_review_requested", &[("department", &dept(department))]),
            detail: Some(reason.clone()),
        },
        Some(EventData::Closed {
            after: CloseReason::Satisfied,
        }) => plain(tr.t("you.closed_satisfied").to_string()),
        Some(EventData::ReceptionBooked {
            date,
            starts_at,
            place,
            leader,
        }) => plain(tr.f(
            "you.reception_booked",
            &[
                ("date", &local_day(locale, *date)),
                ("time", starts_at),
                ("place", place),
                ("leader", leader),
            ],
        )),
        Some(EventData::ReceptionCancelled { date }) => {
            plain(tr.f("you.reception_cancelled", &[("date", &local_day(locale, *date))]))
        }
        Some(EventData::ReceptionHeld {
            date,
            leader,
            attended,
            outcome,
        }) => EventText {
            summary: tr.f(
                if *attended {
                    "you.reception_held"
                } else {
                    "you.reception_missed"
                },
                &[("date", &local_day(locale, *date)), ("leader", leader)],
            ),
            detail: (!outcome.is_empty()).then(|| outcome.clone()),
        },
        _ => event_text(tr, catalog, tz, kind, data),
    }
}

/// RFC 3986 unreserved characters stay as they are (tokens are base64url).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}
