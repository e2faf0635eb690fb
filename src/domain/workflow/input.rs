//! An action's content as typed (form fields or JSON), and parsing it into an [`Action`].

use super::*;
use crate::domain::case::{Outcome, Rating};
use crate::domain::field_error::{FieldError, FieldErrors};

/// An action's content as typed (form fields or JSON), before parsing.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ActionInput {
    pub reason: String,
    pub channel: String,
    pub department: String,
    #[serde(deserialize_with = "crate::domain::text::number_or_text")]
    pub days: String,
    pub outcome: String,
    pub text: String,
    pub legal_basis: String,
    pub rating: String,
    pub comment: String,
    /// A re-route's corrected category (empty: unchanged).
    pub category: String,
    /// A mediation: both parties agree to mediate (required), what happened, what was
    /// agreed, by when and how it is performed; `outcome: "failed"` with a `reason` when
    /// it did not settle.
    pub parties_consent: bool,
    pub facts: String,
    pub agreement: String,
    pub performance_deadline: String,
    pub performance: String,
}

impl Action {
    /// Parses the content an action of `kind` needs; every problem is reported per field.
    pub fn parse(kind: ActionKind, input: &ActionInput) -> Result<Action, FieldErrors> {
        use ActionKind as K;
        let mut errors = FieldErrors::new();
        let reason = |errors: &mut FieldErrors| errors.check("reason", Reason::parse(&input.reason));
        let department = |errors: &mut FieldErrors| match input.department.trim() {
            "" => errors.check::<String>("department", Err(FieldError::new("err.department"))),
            code => Some(code.to_string()),
        };
        let written = |errors: &mut FieldErrors| {
            let outcome = errors.check(
                "outcome",
                Outcome::parse(input.outcome.trim()).ok_or_else(|| FieldError::new("err.outcome")),
            );
            let text = errors.check("text", AnswerText::parse(&input.text));
            let basis = errors.check("legal_basis", LegalBasis::parse(&input.legal_basis));
            match (outcome, text, basis) {
                (Some(outcome), Some(text), Some(legal_basis)) => Some(Written {
                    outcome,
                    text,
                    legal_basis,
                }),
                _ => None,
            }
        };
        let action = match kind {
            K::Accept => Some(Action::Accept),
            K::Start => Some(Action::Start),
            K::ApproveExtension => Some(Action::ApproveExtension),
            K::Withdraw => Some(Action::Withdraw),
            K::Confirm => Some(Action::Confirm),
            K::AcceptReview => Some(Action::AcceptReview),
            K::AcceptReReview => Some(Action::AcceptReReview),
            K::HearingStart => Some(Action::HearingStart),
            K::HearingEnd => Some(Action::HearingEnd),
            K::CloseExpired => Some(Action::CloseExpired),
            K::NotAccept => {
                let reason = reason(&mut errors);
                let channel = match input.channel.trim() {
                    "" => errors.check::<String>("channel", Err(FieldError::new("err.channel"))),
                    code => Some(code.to_string()),
                };
                reason
                    .zip(channel)
                    .map(|(reason, channel)| Action::NotAccept { reason, channel })
            }
            K::Object => reason(&mut errors).map(|reason| Action::Object { reason }),
            K::ConfirmAssignment => reason(&mut errors).map(|reason| Action::ConfirmAssignment { reason }),
            K::RefuseExtension => reason(&mut errors).map(|reason| Action::RefuseExtension { reason }),
            K::RequestReview => reason(&mut errors).map(|reason| Action::RequestReview { reason }),
            K::RequestReReview => reason(&mut errors).map(|reason| Action::RequestReReview { reason }),
            K::Reroute => {
                let department = department(&mut errors);
                reason(&mut errors)
                    .zip(department)
                    .map(|(reason, department)| Action::Reroute {
                        department,
                        reason,
                        category: Some(input.category.trim().to_string()).filter(|c| !c.is_empty()),
                    })
            }
            K::Transfer => {
                let department = department(&mut errors);
                reason(&mut errors)
                    .zip(department)
                    .map(|(reason, department)| Action::Transfer { department, reason })
            }
            K::RequestExtension => {
                let days = errors.check(
                    "days",
                    input
                        .days
                        .trim()
                        .parse::<u32>()
                        .map_err(|_| FieldError::new("err.days")),
                );
                reason(&mut errors)
                    .zip(days)
                    .map(|(reason, days)| Action::RequestExtension { days, reason })
            }
            K::Answer => written(&mut errors).map(Action::Answer),
            K::AnswerReview => written(&mut errors).map(Action::AnswerReview),
            K::AnswerReReview => written(&mut errors).map(Action::AnswerReReview),
            K::MarkMajor => reason(&mut errors).map(|reason| Action::MarkMajor { reason }),
            K::ClearMajor => reason(&mut errors).map(|reason| Action::ClearMajor { reason }),
            K::Mediate => mediation(input, &mut errors).map(Action::Mediate),
            K::Note => errors
                .check("text", NoteText::parse(&input.text))
                .map(|text| Action::Note { text }),
            K::Evaluate => {
                let rating = errors.check(
                    "rating",
                    Rating::parse(input.rating.trim()).ok_or_else(|| FieldError::new("err.rating")),
                );
                let comment = errors.check("comment", Comment::parse(&input.comment));
                rating
                    .zip(comment)
                    .map(|(rating, comment)| Action::Evaluate { rating, comment })
            }
        };
        match action {
            Some(action) if errors.is_empty() => Ok(action),
            _ => Err(errors),
        }
    }
}

/// A mediation's record from its fields: consent first, then what the outcome needs.
fn mediation(input: &ActionInput, errors: &mut FieldErrors) -> Option<Mediation> {
    if !input.parties_consent {
        errors.add("parties_consent", FieldError::new("err.parties_consent"));
    }
    let facts = errors.check("facts", NoteText::parse(&input.facts));
    if input.outcome.trim() == "failed" {
        let reason = errors.check("reason", Reason::parse(&input.reason));
        return facts
            .zip(reason)
            .map(|(facts, reason)| Mediation::Failed { facts, reason });
    }
    let agreement = errors.check("agreement", AnswerText::parse(&input.agreement));
    let deadline = errors.check(
        "performance_deadline",
        chrono::NaiveDate::parse_from_str(input.performance_deadline.trim(), "%Y-%m-%d")
            .map_err(|_| FieldError::new("err.date")),
    );
    let performance = errors.check("performance", NoteText::parse(&input.performance));
    match (facts, agreement, deadline, performance) {
        (Some(facts), Some(agreement), Some(performance_deadline), Some(performance)) => {
            Some(Mediation::Agreed {
                facts,
                agreement,
                performance_deadline,
                performance,
            })
        }
        _ => None,
    }
}
