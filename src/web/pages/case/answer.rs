//! The head of an answered case's page: the answer itself, then what the resident can do
//! about it; and, once they asked for a review, where that stands.

use chrono_tz::Tz;

use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::timeline::EventData;
use crate::domain::workflow::ActionKind;
use crate::format::{date, department_name, rfc3339};
use crate::i18n::Tr;
use crate::service::cases::ResidentCase;

/// The latest written answer (or review or re-review decision), and the way on from it.
pub struct AnswerBox {
    pub heading: String,
    pub outcome: String,
    pub outcome_code: &'static str,
    pub text: String,
    pub legal_basis: String,
    pub at: String,
    pub at_iso: String,
    /// What the resident may do now, in sentences, above the forms.
    pub next: Vec<String>,
    /// Where a review the resident asked for stands.
    pub review: Option<String>,
}

impl AnswerBox {
    pub fn new(catalog: &Catalog, tr: Tr, tz: Tz, case: &ResidentCase) -> Option<Self> {
        let locale = tr.locale();
        let (heading, at, outcome, text, legal_basis) = case.timeline.iter().rev().find_map(|e| {
            let (key, outcome, text, basis) = match e.data.as_ref()? {
                EventData::Answered {
                    outcome,
                    text,
                    legal_basis,
                } => ("case.answer_heading", outcome, text, legal_basis),
                EventData::ReviewAnswered {
                    outcome,
                    text,
                    legal_basis,
                } => ("case.review_heading", outcome, text, legal_basis),
                EventData::ReReviewAnswered {
                    outcome,
                    text,
                    legal_basis,
                } => ("case.re_review_heading", outcome, text, legal_basis),
                _ => return None,
            };
            Some((key, e.at, outcome, text, basis))
        })?;
        let day = |at| date(locale, at, tz);
        let holder = &case.public.department_code;
        let reviewer = department_name(catalog, locale, catalog.reviewer_of(holder));
        let can = |kind: ActionKind| case.available.contains(&kind);
        let mut next = Vec::new();
        if can(ActionKind::Evaluate) {
            next.push(tr.t("case.next_evaluate").to_string());
        }
        if let Some(end) = case.window_end {
            if can(ActionKind::RequestReview) {
                next.push(tr.f("case.next_review", &[("due", &day(end)), ("reviewer", &reviewer)]));
            } else if can(ActionKind::RequestReReview) {
                next.push(tr.f(
                    "case.next_re_review",
                    &[("due", &day(end)), ("reviewer", &reviewer)],
                ));
            }
        }
        let holder_name = department_name(catalog, locale, holder);
        let due = case.due_at.map(day).unwrap_or_default();
        let review = match case.public.state {
            CaseState::ReviewRequested => Some("case.review_requested_status"),
            CaseState::UnderReview => Some("case.under_review_status"),
            CaseState::ReReviewRequested => Some("case.re_review_requested_status"),
            CaseState::UnderReReview => Some("case.under_re_review_status"),
            _ => None,
        }
        .map(|key| tr.f(key, &[("department", &holder_name), ("due", &due)]));
        Some(AnswerBox {
            heading: tr.t(heading).to_string(),
            outcome: tr.t(&format!("outcome.{}", outcome.as_str())).to_string(),
            outcome_code: outcome.as_str(),
            text: text.clone(),
            legal_basis: legal_basis.clone(),
            at: day(at),
            at_iso: rfc3339(at),
            next,
            review,
        })
    }
}
