//! The case state machine. [`decide`] is the only place that rules whether an actor may
//! apply an action to a case in its current state at time `now`, and what follows.
//!
//! Who may act: staff and heads of the department holding the case do its work; heads
//! also rule on extensions; the intake office places and re-places cases and works those
//! it holds; leaders may add notes to any case; administrators run the system and act on
//! no case. Residents (through the private link or their account) withdraw, confirm,
//! evaluate and ask for review. The system closes cases whose window has run out.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::calendar::Calendar;
use super::case::{CaseState, Outcome, Rating, Role, Visibility};
use super::catalog::Catalog;
use super::deadline::{end_of_day, local_date};
use super::field_error::{FieldError, FieldErrors};
use super::text::{Lines, bounded_text};
use super::timeline::{CloseReason, EventData};

/// Days a filing waits for its email confirmation; unconfirmed after that, it lapses.
pub const CONFIRM_DAYS: i64 = 7;

mod access;
mod input;
mod mediation;
mod policy;

pub use access::{available, check, may_attach_agreement, may_see_identity, may_view};
pub use input::ActionInput;
pub use mediation::{COURT_CONFIRMATION_DAYS, MEDIATION_BASIS, Mediation};
pub use policy::{OBJECTION_WORKING_DAYS, Policies, Policy};

bounded_text!(
    /// Why: for a refusal, an objection, a transfer, an extension, a review request.
    Reason, 2, 1000, Lines::Multi
);
bounded_text!(
    /// The written answer (处理意见): the request, the facts and reasons, the decision.
    AnswerText, 10, 10000, Lines::Multi
);
bounded_text!(LegalBasis, 2, 2000, Lines::Multi);
bounded_text!(NoteText, 1, 5000, Lines::Multi);
bounded_text!(Comment, 0, 1000, Lines::Multi);

/// Someone working in the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    pub user_id: i32,
    pub role: Role,
    pub department: Option<String>,
}

impl StaffActor {
    /// A member of the intake office: its role, or any account of its department.
    pub fn is_intake(&self, intake: &str) -> bool {
        self.role == Role::Intake || self.department.as_deref() == Some(intake)
    }

    /// Works for the department `code` (intake staff work for the intake office).
    pub fn works_for(&self, code: &str, intake: &str) -> bool {
        match self.role {
            // A liaison holds what is routed to their office, if they have one.
            Role::Staff | Role::Head | Role::Liaison => self.department.as_deref() == Some(code),
            Role::Intake => code == intake,
            Role::Leader | Role::Admin => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The resident who filed the case (private link or account).
    Resident,
    Staff(StaffActor),
    /// Scheduled work (the deadline scan).
    System,
}

impl Actor {
    pub fn staff(&self) -> Option<&StaffActor> {
        match self {
            Actor::Staff(s) => Some(s),
            _ => None,
        }
    }
}

super::case::text_enum! {
    /// Every action, named as in the API (`POST /api/v1/cases/{n}/<name>`).
    ActionKind {
        Accept = "accept",
        NotAccept = "not-accept",
        Object = "object",
        Reroute = "reroute",
        ConfirmAssignment = "confirm-assignment",
        Transfer = "transfer",
        Start = "start",
        RequestExtension = "extension",
        ApproveExtension = "extension/approve",
        RefuseExtension = "extension/refuse",
        Answer = "answer",
        Note = "notes",
        Withdraw = "withdraw",
        Confirm = "confirm",
        Evaluate = "evaluation",
        RequestReview = "review-request",
        AcceptReview = "review/accept",
        AnswerReview = "review/answer",
        RequestReReview = "re-review-request",
        AcceptReReview = "re-review/accept",
        AnswerReReview = "re-review/answer",
        /// A review hearing (听证) starts: the clock stops.
        HearingStart = "hearing/start",
        /// The hearing is over: the clock runs again, the deadline later by the pause.
        HearingEnd = "hearing/end",
        /// A major or urgent matter (重大、紧急事项, 信访工作条例 art. 25): raised at once.
        MarkMajor = "major",
        ClearMajor = "major/clear",
        /// Settled by mediation between the parties (人民调解), or a mediation that failed.
        Mediate = "mediation",
        CloseExpired = "close-expired",
    }
}

/// A reasoned written decision: an answer, or a review or re-review answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub outcome: Outcome,
    pub text: AnswerText,
    pub legal_basis: LegalBasis,
}

/// An action with its (already parsed) content.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Accept,
    NotAccept {
        reason: Reason,
        channel: String,
    },
    Object {
        reason: Reason,
    },
    /// `category`: the intake office corrects the category too.
    Reroute {
        department: String,
        reason: Reason,
        category: Option<String>,
    },
    ConfirmAssignment {
        reason: Reason,
    },
    Transfer {
        department: String,
        reason: Reason,
    },
    Start,
    RequestExtension {
        days: u32,
        reason: Reason,
    },
    ApproveExtension,
    RefuseExtension {
        reason: Reason,
    },
    Answer(Written),
    Note {
        text: NoteText,
    },
    Withdraw,
    Confirm,
    Evaluate {
        rating: Rating,
        comment: Comment,
    },
    RequestReview {
        reason: Reason,
    },
    AcceptReview,
    AnswerReview(Written),
    RequestReReview {
        reason: Reason,
    },
    AcceptReReview,
    AnswerReReview(Written),
    HearingStart,
    HearingEnd,
    MarkMajor {
        reason: Reason,
    },
    ClearMajor {
        reason: Reason,
    },
    Mediate(Mediation),
    CloseExpired,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::NotAccept { .. } => ActionKind::NotAccept,
            Action::Object { .. } => ActionKind::Object,
            Action::Reroute { .. } => ActionKind::Reroute,
            Action::ConfirmAssignment { .. } => ActionKind::ConfirmAssignment,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Start => ActionKind::Start,
            Action::RequestExtension { .. } => ActionKind::RequestExtension,
            Action::ApproveExtension => ActionKind::ApproveExtension,
            Action::RefuseExtension { .. } => ActionKind::RefuseExtension,
            Action::Answer(_) => ActionKind::Answer,
            Action::Note { .. } => ActionKind::Note,
            Action::Withdraw => ActionKind::Withdraw,
            Action::Confirm => ActionKind::Confirm,
            Action::Evaluate { .. } => ActionKind::Evaluate,
            Action::RequestReview { .. } => ActionKind::RequestReview,
            Action::AcceptReview => ActionKind::AcceptReview,
            Action::AnswerReview(_) => ActionKind::AnswerReview,
            Action::RequestReReview { .. } => ActionKind::RequestReReview,
            Action::AcceptReReview => ActionKind::AcceptReReview,
            Action::AnswerReReview(_) => ActionKind::AnswerReReview,
            Action::HearingStart => ActionKind::HearingStart,
            Action::HearingEnd => ActionKind::HearingEnd,
            Action::MarkMajor { .. } => ActionKind::MarkMajor,
            Action::ClearMajor { .. } => ActionKind::ClearMajor,
            Action::Mediate(_) => ActionKind::Mediate,
            Action::CloseExpired => ActionKind::CloseExpired,
        }
    }
}

super::case::text_enum! {
    /// The one-time extension of the answer deadline.
    Extension {
        Requested = "requested",
        Approved = "approved",
        Refused = "refused",
    }
}

/// The part of a case the machine changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub state: CaseState,
    /// Who holds the case now.
    pub department: String,
    /// The deadline of the step now open, whoever must act.
    pub due_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    /// A department's objection the intake office has yet to rule on.
    pub objection_from: Option<String>,
    pub extension: Option<Extension>,
}

/// What the machine needs to know about a case: its status and what its timeline says.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub status: Status,
    pub category: String,
    pub confidential: bool,
    /// When the department holding the case received it.
    pub assigned_at: DateTime<Utc>,
    /// Departments that objected to this case before (one objection each).
    pub objected_by: Vec<String>,
    pub extension_request: Option<(u32, String)>,
    /// When the latest answer (or review answer) was given.
    pub answered_at: Option<DateTime<Utc>>,
    pub evaluated_since_answer: bool,
    /// A hearing in progress: when it started and the deadline it set aside.
    pub hearing: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// In a report about an official, the department the resident named as concerned:
    /// it never sees the case and the case never goes to it.
    pub concerned: Option<String>,
    /// The member of staff who recorded the case for the resident (a call, a letter, a
    /// liaison's visit), if one did.
    pub recorded_by: Option<i32>,
    /// Marked as a major matter and not cleared since.
    pub major: bool,
    /// Settled by an agreed mediation.
    pub mediated: bool,
}

impl Facts {
    /// Reads the derived facts off the timeline (oldest event first).
    pub fn from_timeline(
        status: Status,
        category: String,
        confidential: bool,
        events: &[(DateTime<Utc>, EventData)],
    ) -> Facts {
        let mut facts = Facts {
            status,
            category,
            confidential,
            assigned_at: events
                .first()
                .map(|(at, _)| *at)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            objected_by: Vec::new(),
            extension_request: None,
            answered_at: None,
            evaluated_since_answer: false,
            hearing: None,
            concerned: None,
            recorded_by: None,
            major: false,
            mediated: false,
        };
        for (at, event) in events {
            match event {
                EventData::Routed { .. }
                | EventData::Rerouted { .. }
                | EventData::AssignmentConfirmed { .. }
                | EventData::Transferred { .. }
                | EventData::Confirmed
                | EventData::ReviewRequested { .. }
                | EventData::ReReviewRequested { .. } => facts.assigned_at = *at,
                EventData::Objected { department, .. } => facts.objected_by.push(department.clone()),
                EventData::ExtensionRequested { days, reason } => {
                    facts.extension_request = Some((*days, reason.clone()))
                }
                EventData::Answered { .. }
                | EventData::ReviewAnswered { .. }
                | EventData::ReReviewAnswered { .. } => {
                    facts.answered_at = Some(*at);
                    facts.evaluated_since_answer = false;
                }
                EventData::Evaluated { .. } => facts.evaluated_since_answer = true,
                EventData::HearingStarted { due_at } => facts.hearing = Some((*at, *due_at)),
                EventData::HearingEnded { .. } => facts.hearing = None,
                EventData::MarkedMajor { .. } => facts.major = true,
                EventData::ClearedMajor { .. } => facts.major = false,
                EventData::Mediated { .. } => facts.mediated = true,
                _ => {}
            }
        }
        facts
    }
}

/// The world a decision is made in.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub calendar: &'a Calendar,
    /// The policy of the case's category.
    pub policy: &'a Policy,
    pub catalog: &'a Catalog,
}

/// Whole local days between two instants (0 if `to` is not later).
pub fn paused_days(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> u32 {
    (local_date(to, tz) - local_date(from, tz)).num_days().max(0) as u32
}

impl Context<'_> {
    fn intake(&self) -> &str {
        &self.catalog.intake().code
    }

    /// End of the last day of `days` days after `from`, counted as the policy says:
    /// calendar days with a last day on a rest day moved to the next working day, or
    /// working days.
    pub fn due(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let start = local_date(from, self.tz);
        let last = if self.policy.working_days {
            self.calendar.add_working_days(start, days)
        } else {
            self.calendar.add_calendar_days(start, days)
        };
        end_of_day(last, self.tz)
    }

    /// A deadline pushed back by the days a hearing paused the clock (whole local days
    /// from `paused_at` to `resumed_at`), its last day again on a working day.
    pub fn resume(
        &self,
        due: DateTime<Utc>,
        paused_at: DateTime<Utc>,
        resumed_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let paused = paused_days(paused_at, resumed_at, self.tz);
        let shifted = local_date(due, self.tz) + chrono::Duration::days(i64::from(paused));
        end_of_day(self.calendar.working_day_on_or_after(shifted), self.tz)
    }

    /// End of the last of `days` working days after `from`.
    pub fn due_working(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        end_of_day(
            self.calendar.add_working_days(local_date(from, self.tz), days),
            self.tz,
        )
    }
}

/// Why an action was refused; the key names the message shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// Not this actor's to do (HTTP 403).
    Forbidden { key: &'static str },
    /// Not possible in the case's current state or at this time (HTTP 409).
    Conflict { key: &'static str },
    /// The content of the action is wrong (HTTP 422).
    Invalid(FieldErrors),
}

/// What follows an action: the new status and the events to append.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub status: Status,
    pub events: Vec<(EventData, Visibility)>,
}

fn invalid(field: &str, key: &'static str) -> Denial {
    Denial::Invalid(FieldErrors::single(field, FieldError::new(key)))
}

/// Rules on `action` by `actor` and says what follows.
pub fn decide(actor: &Actor, action: &Action, facts: &Facts, ctx: &Context) -> Result<Decision, Denial> {
    check(actor, action.kind(), facts, ctx)?;
    effect(action, facts, ctx)
}

/// States a department still handles a case in: an administrator's bulk move (before
/// retiring the department) takes these, as a transfer would.
pub fn is_movable(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Routed | CaseState::Accepted | CaseState::InProgress
    )
}

/// An administrator moves an open case to another department (a catalogue change): the
/// same effect as a transfer, whoever the department's staff are.
pub fn moved(facts: &Facts, department: &str, reason: Reason, ctx: &Context) -> Result<Decision, Denial> {
    if !is_movable(facts.status.state) {
        return Err(Denial::Conflict { key: "deny.state" });
    }
    let transfer = Action::Transfer {
        department: department.to_string(),
        reason,
    };
    effect(&transfer, facts, ctx)
}

/// What an allowed action does to the case.
fn effect(action: &Action, facts: &Facts, ctx: &Context) -> Result<Decision, Denial> {
    let now = ctx.now;
    let policy = ctx.policy;
    let mut status = facts.status.clone();
    let current = facts.status.department.clone();
    let event = |data: EventData, visibility: Visibility| vec![(data, visibility)];
    let events = match action {
        Action::Accept => {
            let answer_due = ctx.due(now, policy.answer_days);
            status.state = CaseState::Accepted;
            status.answer_due_at = Some(answer_due);
            status.due_at = Some(answer_due);
            status.objection_from = None;
            event(EventData::Accepted { answer_due }, Visibility::Public)
        }
        Action::NotAccept { reason, channel } => {
            let offered = ctx.catalog.category(&facts.category).map(|c| &c.channel_codes);
            if !offered.is_some_and(|list| list.contains(channel)) {
                return Err(invalid("channel", "err.channel"));
            }
            status.state = CaseState::NotAccepted;
            status.due_at = None;
            status.objection_from = None;
            event(
                EventData::NotAccepted {
                    reason: reason.to_string(),
                    channel: channel.clone(),
                },
                Visibility::Public,
            )
        }
        Action::Object { reason } => {
            status.department = ctx.intake().to_string();
            status.objection_from = Some(current.clone());
            event(
                EventData::Objected {
                    department: current,
                    reason: reason.to_string(),
                },
                Visibility::Internal,
            )
        }
        Action::Reroute {
            department,
            reason,
            category,
        } => {
            if ctx.catalog.department(department).is_none() || department == ctx.intake() {
                return Err(invalid("department", "err.department"));
            }
            // A report about an official stays one, and nothing else becomes one here:
            // those go to the supervisory body by their own rule.
            let reports = |code: &str| ctx.catalog.category(code).map(|c| c.supervisor.is_some());
            if let Some(c) = category
                && (reports(c) != Some(false) || reports(&facts.category) != Some(false))
            {
                return Err(invalid("category", "err.unknown_category"));
            }
            if facts.concerned.as_ref() == Some(department) {
                return Err(invalid("department", "err.concerned_department"));
            }
            status.department = department.clone();
            status.objection_from = None;
            event(
                EventData::Rerouted {
                    from: current,
                    department: department.clone(),
                    reason: reason.to_string(),
                    category: category.clone().filter(|c| *c != facts.category),
                },
                Visibility::Public,
            )
        }
        Action::ConfirmAssignment { reason } => {
            let back = facts.status.objection_from.clone().unwrap_or(current);
            status.department = back.clone();
            status.objection_from = None;
            event(
                EventData::AssignmentConfirmed {
                    department: back,
                    reason: reason.to_string(),
                },
                Visibility::Internal,
            )
        }
        Action::Transfer { department, reason } => {
            if !ctx.catalog.department(department).is_some_and(|d| d.active) || *department == current {
                return Err(invalid("department", "err.department"));
            }
            if facts.concerned.as_ref() == Some(department) {
                return Err(invalid("department", "err.concerned_department"));
            }
            let acceptance_due = ctx.due(now, policy.acceptance_days);
            status.state = CaseState::Routed;
            status.department = department.clone();
            status.due_at = Some(acceptance_due);
            status.answer_due_at = None;
            status.objection_from = None;
            status.extension = None;
            event(
                EventData::Transferred {
                    from: current,
                    department: department.clone(),
                    reason: reason.to_string(),
                    acceptance_due,
                },
                Visibility::Public,
            )
        }
        Action::Start => {
            status.state = CaseState::InProgress;
            event(EventData::Started, Visibility::Public)
        }
        Action::RequestExtension { days, reason } => {
            if *days == 0 || *days > policy.max_extension_days {
                return Err(Denial::Invalid(FieldErrors::single(
                    "days",
                    FieldError::new("err.range")
                        .with("min", 1)
                        .with("max", policy.max_extension_days),
                )));
            }
            status.extension = Some(Extension::Requested);
            event(
                EventData::ExtensionRequested {
                    days: *days,
                    reason: reason.to_string(),
                },
                Visibility::Internal,
            )
        }
        Action::ApproveExtension => {
            let (days, reason) = facts.extension_request.clone().unwrap_or((0, String::new()));
            let base = facts.status.answer_due_at.unwrap_or(now);
            let answer_due = ctx.due(base, days);
            status.extension = Some(Extension::Approved);
            status.answer_due_at = Some(answer_due);
            status.due_at = Some(answer_due);
            event(
                EventData::ExtensionApproved {
                    days,
                    reason,
                    answer_due,
                },
                Visibility::Public,
            )
        }
        Action::RefuseExtension { reason } => {
            status.extension = Some(Extension::Refused);
            event(
                EventData::ExtensionRefused {
                    reason: reason.to_string(),
                },
                Visibility::Internal,
            )
        }
        Action::Answer(w) => {
            status.state = CaseState::Answered;
            status.due_at = Some(ctx.due(now, policy.review_window_days));
            event(
                EventData::Answered {
                    outcome: w.outcome,
                    text: w.text.to_string(),
                    legal_basis: w.legal_basis.to_string(),
                },
                Visibility::Public,
            )
        }
        Action::Note { text } => event(
            EventData::Note {
                text: text.to_string(),
            },
            Visibility::Internal,
        ),
        Action::MarkMajor { reason } => event(
            EventData::MarkedMajor {
                reason: reason.to_string(),
            },
            Visibility::Internal,
        ),
        Action::ClearMajor { reason } => event(
            EventData::ClearedMajor {
                reason: reason.to_string(),
            },
            Visibility::Internal,
        ),
        Action::Mediate(Mediation::Agreed {
            facts,
            agreement,
            performance_deadline,
            performance,
        }) => {
            // Settled: answered as mediated, so the resident may still evaluate it.
            status.state = CaseState::Answered;
            status.due_at = Some(ctx.due(now, policy.review_window_days));
            let confirm_by = crate::domain::deadline::local_date(now, ctx.tz)
                + chrono::Duration::days(COURT_CONFIRMATION_DAYS);
            vec![
                (
                    EventData::Mediated {
                        facts: facts.to_string(),
                        agreement: agreement.to_string(),
                        performance_deadline: *performance_deadline,
                        performance: performance.to_string(),
                        court_confirmation_by: confirm_by,
                    },
                    Visibility::Public,
                ),
                (
                    EventData::Answered {
                        outcome: Outcome::Mediated,
                        text: agreement.to_string(),
                        legal_basis: MEDIATION_BASIS.to_string(),
                    },
                    Visibility::Public,
                ),
            ]
        }
        Action::Mediate(Mediation::Failed { facts, reason }) => event(
            EventData::MediationFailed {
                facts: facts.to_string(),
                reason: reason.to_string(),
            },
            Visibility::Public,
        ),
        Action::Withdraw => {
            status.state = CaseState::Withdrawn;
            status.due_at = None;
            event(EventData::Withdrawn, Visibility::Public)
        }
        Action::Confirm => {
            status.state = CaseState::Routed;
            status.due_at = Some(ctx.due(now, policy.acceptance_days));
            event(EventData::Confirmed, Visibility::Public)
        }
        Action::Evaluate { rating, comment } => {
            let mut events = event(
                EventData::Evaluated {
                    rating: *rating,
                    comment: comment.to_string(),
                },
                Visibility::Public,
            );
            if *rating != Rating::Unsatisfied {
                status.state = CaseState::Closed;
                status.due_at = None;
                events.push((
                    EventData::Closed {
                        after: CloseReason::Satisfied,
                    },
                    Visibility::Public,
                ));
            }
            events
        }
        Action::RequestReview { reason } | Action::RequestReReview { reason } => {
            let reviewer = ctx.catalog.reviewer_of(&current).to_string();
            let review = matches!(action, Action::RequestReview { .. });
            status.state = if review {
                CaseState::ReviewRequested
            } else {
                CaseState::ReReviewRequested
            };
            status.department = reviewer.clone();
            status.due_at = Some(ctx.due(now, policy.acceptance_days));
            let data = if review {
                EventData::ReviewRequested {
                    reason: reason.to_string(),
                    department: reviewer,
                }
            } else {
                EventData::ReReviewRequested {
                    reason: reason.to_string(),
                    department: reviewer,
                }
            };
            event(data, Visibility::Public)
        }
        Action::AcceptReview | Action::AcceptReReview => {
            let answer_due = ctx.due(now, policy.review_answer_days);
            status.due_at = Some(answer_due);
            if matches!(action, Action::AcceptReview) {
                status.state = CaseState::UnderReview;
                event(EventData::ReviewAccepted { answer_due }, Visibility::Public)
            } else {
                status.state = CaseState::UnderReReview;
                event(EventData::ReReviewAccepted { answer_due }, Visibility::Public)
            }
        }
        Action::AnswerReview(w) => {
            status.state = CaseState::ReviewAnswered;
            status.due_at = Some(ctx.due(now, policy.review_window_days));
            event(
                EventData::ReviewAnswered {
                    outcome: w.outcome,
                    text: w.text.to_string(),
                    legal_basis: w.legal_basis.to_string(),
                },
                Visibility::Public,
            )
        }
        Action::AnswerReReview(w) => {
            status.state = CaseState::Final;
            status.due_at = None;
            event(
                EventData::ReReviewAnswered {
                    outcome: w.outcome,
                    text: w.text.to_string(),
                    legal_basis: w.legal_basis.to_string(),
                },
                Visibility::Public,
            )
        }
        Action::HearingStart => {
            let due_at = facts.status.due_at;
            status.due_at = None;
            event(EventData::HearingStarted { due_at }, Visibility::Public)
        }
        Action::HearingEnd => {
            let (started, set_aside) = facts.hearing.unwrap_or((now, None));
            let due_at = set_aside.map(|due| ctx.resume(due, started, now));
            status.due_at = due_at;
            event(
                EventData::HearingEnded {
                    paused_days: paused_days(started, now, ctx.tz),
                    due_at,
                },
                Visibility::Public,
            )
        }
        Action::CloseExpired => {
            let after = if status.state == CaseState::Unconfirmed {
                CloseReason::NotConfirmed
            } else {
                CloseReason::WindowExpired
            };
            status.state = CaseState::Closed;
            status.due_at = None;
            event(EventData::Closed { after }, Visibility::Public)
        }
    };
    Ok(Decision { status, events })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet, VecDeque};

    use chrono::{Duration, TimeZone};
    use chrono_tz::Asia::Shanghai;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::calendar::official;
    use crate::domain::catalog::{Category, CategoryGroup, Department};
    use crate::domain::locale::Names;

    fn dept(code: &str, intake: bool, reviewer: Option<&str>) -> Department {
        Department {
            code: code.into(),
            names: Names::new(code, code),
            email: None,
            is_intake: intake,
            reviewer: reviewer.map(Into::into),
            leader: None,
            contact: Default::default(),
            active: true,
        }
    }

    fn catalog() -> Catalog {
        Catalog::new(
            vec![
                dept("intake", true, None),
                dept("env", false, Some("gov")),
                dept("transport", false, Some("gov")),
                dept("gov", false, None),
            ],
            vec![],
            vec![CategoryGroup {
                code: "g".into(),
                names: Names::new("g", "g"),
                active: true,
            }],
            ["noise", "roads", "report"]
                .into_iter()
                .map(|code| Category {
                    code: code.into(),
                    group_code: "g".into(),
                    names: Names::new(code, code),
                    urgent: false,
                    channel_codes: vec!["court".into()],
                    supervisor: (code == "report").then(|| "gov".into()),
                    active: true,
                })
                .collect(),
            vec![crate::domain::catalog::LawfulChannel {
                code: "court".into(),
                names: Names::new("法院", "Court"),
                descriptions: Names::new("诉讼", "Lawsuits"),
                reach: Names::new("", ""),
                active: true,
            }],
            vec![],
        )
        .expect("catalog")
    }

    /// Thursday 26 Nov 2026, 10:00 in Shanghai.
    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0)
            .single()
            .expect("valid")
    }

    fn staff(id: i32, role: Role, department: Option<&str>) -> Actor {
        Actor::Staff(StaffActor {
            user_id: id,
            role,
            department: department.map(Into::into),
        })
    }

    fn env_staff() -> Actor {
        staff(1, Role::Staff, Some("env"))
    }
    fn env_head() -> Actor {
        staff(2, Role::Head, Some("env"))
    }
    fn intake() -> Actor {
        staff(3, Role::Intake, None)
    }
    fn gov_staff() -> Actor {
        staff(4, Role::Staff, Some("gov"))
    }
    fn other_staff() -> Actor {
        staff(5, Role::Staff, Some("transport"))
    }
    fn leader() -> Actor {
        staff(6, Role::Leader, None)
    }
    fn admin() -> Actor {
        staff(7, Role::Admin, None)
    }

    fn routed_to(department: &str) -> Facts {
        Facts {
            status: Status {
                state: CaseState::Routed,
                department: department.into(),
                due_at: None,
                answer_due_at: None,
                objection_from: None,
                extension: None,
            },
            category: "noise".into(),
            confidential: false,
            assigned_at: t0(),
            objected_by: vec![],
            extension_request: None,
            answered_at: None,
            evaluated_since_answer: false,
            hearing: None,
            concerned: None,
            recorded_by: None,
            major: false,
            mediated: false,
        }
    }

    fn reason() -> Reason {
        Reason::parse("理由充分的说明").expect("valid")
    }

    fn written() -> Written {
        Written {
            outcome: Outcome::Explained,
            text: AnswerText::parse("经现场核查，已责令施工单位整改。").expect("valid"),
            legal_basis: LegalBasis::parse("《环境噪声污染防治法》").expect("valid"),
        }
    }

    struct World {
        calendar: Calendar,
        policy: Policy,
        catalog: Catalog,
    }

    impl World {
        fn new() -> Self {
            World {
                calendar: official(),
                policy: Policy::default(),
                catalog: catalog(),
            }
        }

        fn ctx(&self, now: DateTime<Utc>) -> Context<'_> {
            Context {
                now,
                tz: Shanghai,
                calendar: &self.calendar,
                policy: &self.policy,
                catalog: &self.catalog,
            }
        }
    }

    /// Applies a decision the way the service does: new status, events on the timeline.
    fn apply(facts: &Facts, decision: Decision, at: DateTime<Utc>) -> Facts {
        let mut timeline: Vec<(DateTime<Utc>, EventData)> = Vec::new();
        // Rebuild the derived facts from a synthetic timeline that preserves them.
        timeline.push((
            facts.assigned_at,
            EventData::Routed {
                department: facts.status.department.clone(),
                reason: crate::domain::routing::RouteReason::NoRule,
            },
        ));
        for d in &facts.objected_by {
            timeline.push((
                facts.assigned_at,
                EventData::Objected {
                    department: d.clone(),
                    reason: String::new(),
                },
            ));
        }
        if let Some((days, reason)) = &facts.extension_request {
            timeline.push((
                facts.assigned_at,
                EventData::ExtensionRequested {
                    days: *days,
                    reason: reason.clone(),
                },
            ));
        }
        if let Some(answered) = facts.answered_at {
            timeline.push((
                answered,
                EventData::Answered {
                    outcome: Outcome::Explained,
                    text: String::new(),
                    legal_basis: String::new(),
                },
            ));
            if facts.evaluated_since_answer {
                timeline.push((
                    answered,
                    EventData::Evaluated {
                        rating: Rating::Unsatisfied,
                        comment: String::new(),
                    },
                ));
            }
        }
        if let Some((started, due_at)) = facts.hearing {
            timeline.push((started, EventData::HearingStarted { due_at }));
        }
        timeline.extend(decision.events.into_iter().map(|(e, _)| (at, e)));
        Facts {
            concerned: facts.concerned.clone(),
            ..Facts::from_timeline(
                decision.status,
                facts.category.clone(),
                facts.confidential,
                &timeline,
            )
        }
    }

    /// Every actor and a valid instance of every action.
    fn moves() -> Vec<(Actor, Action)> {
        let actors = [
            env_staff(),
            env_head(),
            intake(),
            gov_staff(),
            other_staff(),
            leader(),
            admin(),
            Actor::Resident,
            Actor::System,
        ];
        let actions = vec![
            Action::Accept,
            Action::NotAccept {
                reason: reason(),
                channel: "court".into(),
            },
            Action::Object { reason: reason() },
            Action::Reroute {
                department: "env".into(),
                reason: reason(),
                category: None,
            },
            Action::Reroute {
                department: "transport".into(),
                reason: reason(),
                category: Some("roads".into()),
            },
            Action::ConfirmAssignment { reason: reason() },
            Action::Transfer {
                department: "transport".into(),
                reason: reason(),
            },
            Action::Transfer {
                department: "env".into(),
                reason: reason(),
            },
            Action::Start,
            Action::RequestExtension {
                days: 20,
                reason: reason(),
            },
            Action::ApproveExtension,
            Action::RefuseExtension { reason: reason() },
            Action::Answer(written()),
            Action::Note {
                text: NoteText::parse("内部备注").expect("valid"),
            },
            Action::Withdraw,
            Action::Confirm,
            Action::Evaluate {
                rating: Rating::Unsatisfied,
                comment: Comment::parse("").expect("valid"),
            },
            Action::Evaluate {
                rating: Rating::Satisfied,
                comment: Comment::parse("").expect("valid"),
            },
            Action::RequestReview { reason: reason() },
            Action::AcceptReview,
            Action::AnswerReview(written()),
            Action::RequestReReview { reason: reason() },
            Action::AcceptReReview,
            Action::AnswerReReview(written()),
            Action::HearingStart,
            Action::HearingEnd,
            Action::CloseExpired,
        ];
        actors
            .iter()
            .flat_map(|a| actions.iter().map(move |x| (a.clone(), x.clone())))
            .collect()
    }

    /// The transitions PRODUCT.md describes ("The life of a case"), self-loops aside.
    fn allowed_edges() -> HashSet<(CaseState, CaseState)> {
        use CaseState::*;
        [
            (Submitted, Withdrawn),
            (Unconfirmed, Routed),
            (Unconfirmed, Withdrawn),
            (Unconfirmed, Closed),
            (Routed, Accepted),
            (Routed, NotAccepted),
            (Routed, Withdrawn),
            (Accepted, InProgress),
            (Accepted, Answered),
            (Accepted, Routed),
            (Accepted, Withdrawn),
            (InProgress, Answered),
            (InProgress, Routed),
            (InProgress, Withdrawn),
            (Answered, Closed),
            (Answered, ReviewRequested),
            (ReviewRequested, UnderReview),
            (UnderReview, ReviewAnswered),
            (ReviewAnswered, Closed),
            (ReviewAnswered, ReReviewRequested),
            (ReReviewRequested, UnderReReview),
            (UnderReReview, Final),
        ]
        .into_iter()
        .collect()
    }

    /// Explores every state reachable from a routed case (and an unconfirmed one) by
    /// every actor and action, at the filing time and 40 days later.
    fn explore() -> (BTreeSet<&'static str>, Vec<(CaseState, CaseState, ActionKind)>) {
        let world = World::new();
        let mut seen_states = BTreeSet::new();
        let mut edges = Vec::new();
        let mut unconfirmed = routed_to("env");
        unconfirmed.status.state = CaseState::Unconfirmed;
        let mut queue: VecDeque<(Facts, DateTime<Utc>)> =
            VecDeque::from([(routed_to("env"), t0()), (unconfirmed, t0())]);
        let mut visited: HashSet<String> = HashSet::new();
        while let Some((facts, now)) = queue.pop_front() {
            // What the machine can tell apart: the status, the derived facts (times only
            // as "set or not"), and how far the clock has moved.
            let key = format!(
                "{:?}|{:?}|{:?}|{}|{}|{}|{}",
                facts.status.state,
                facts.status.department,
                (
                    &facts.status.objection_from,
                    facts.status.extension,
                    facts.status.due_at.is_some()
                ),
                facts.objected_by.len(),
                facts.answered_at.is_some() as u8 * 2 + facts.evaluated_since_answer as u8,
                facts.hearing.is_some(),
                (now - t0()).num_days(),
            );
            if !visited.insert(key) || visited.len() > 50_000 {
                continue;
            }
            seen_states.insert(facts.status.state.as_str());
            for later in [now, now + Duration::days(40)] {
                let ctx = world.ctx(later);
                for (actor, action) in moves() {
                    if let Ok(decision) = decide(&actor, &action, &facts, &ctx) {
                        let next = apply(&facts, decision, later);
                        edges.push((facts.status.state, next.status.state, action.kind()));
                        queue.push_back((next, later));
                    }
                }
            }
        }
        (seen_states, edges)
    }

    #[test]
    fn every_state_after_filing_is_reachable_and_no_illegal_transition_is() {
        let (states, edges) = explore();
        let expected: BTreeSet<&str> = CaseState::ALL
            .iter()
            .filter(|s| **s != CaseState::Submitted)
            .map(|s| s.as_str())
            .collect();
        assert_eq!(states, expected);
        let allowed = allowed_edges();
        for (from, to, kind) in &edges {
            assert!(
                from == to || allowed.contains(&(*from, *to)),
                "{kind:?} took {from:?} to {to:?}"
            );
        }
        // And every transition PRODUCT.md names was taken by some action.
        let taken: HashSet<(CaseState, CaseState)> = edges.iter().map(|(a, b, _)| (*a, *b)).collect();
        for edge in allowed.iter().filter(|(from, _)| *from != CaseState::Submitted) {
            assert!(taken.contains(edge), "never reached {edge:?}");
        }
    }

    #[test]
    fn the_department_a_report_concerns_never_sees_it_nor_receives_it() {
        let world = World::new();
        let ctx = world.ctx(t0());
        let mut report = routed_to("gov");
        report.concerned = Some("transport".into());
        let transport_head = staff(8, Role::Head, Some("transport"));
        let transport_intake = staff(9, Role::Intake, Some("transport"));
        for actor in [other_staff(), transport_head, transport_intake] {
            assert!(!may_view(&actor, &report, &world.catalog), "{actor:?}");
            assert!(!may_see_identity(&actor, &report, &world.catalog));
            assert!(available(&actor, &report, &ctx).is_empty());
        }
        assert!(may_view(&gov_staff(), &report, &world.catalog));
        assert!(may_view(&intake(), &report, &world.catalog));
        assert!(may_view(&leader(), &report, &world.catalog));

        let to_transport = Action::Transfer {
            department: "transport".into(),
            reason: reason(),
        };
        let denied = decide(&gov_staff(), &to_transport, &report, &ctx).unwrap_err();
        assert_eq!(denied, invalid("department", "err.concerned_department"));
        let to_env = Action::Transfer {
            department: "env".into(),
            reason: reason(),
        };
        let moved = decide(&gov_staff(), &to_env, &report, &ctx).expect("elsewhere is fine");
        assert_eq!(moved.status.department, "env");

        let mut at_intake = routed_to("intake");
        at_intake.concerned = Some("transport".into());
        let reroute = Action::Reroute {
            department: "transport".into(),
            reason: reason(),
            category: None,
        };
        assert_eq!(
            decide(&intake(), &reroute, &at_intake, &ctx).unwrap_err(),
            invalid("department", "err.concerned_department")
        );
    }

    #[test]
    fn the_intake_office_may_correct_the_category_when_it_re_routes() {
        let world = World::new();
        let ctx = world.ctx(t0());
        let reroute = |category: Option<&str>| Action::Reroute {
            department: "transport".into(),
            reason: reason(),
            category: category.map(str::to_string),
        };
        let at_intake = routed_to("intake");
        let category_of = |d: Decision| match &d.events[0].0 {
            EventData::Rerouted { category, .. } => category.clone(),
            other => panic!("{other:?}"),
        };
        let moved = decide(&intake(), &reroute(Some("roads")), &at_intake, &ctx).expect("corrected");
        assert_eq!(category_of(moved), Some("roads".into()));
        let same = decide(&intake(), &reroute(Some("noise")), &at_intake, &ctx).expect("unchanged");
        assert_eq!(category_of(same), None, "the same category is no correction");
        for wrong in ["report", "nonsense"] {
            assert_eq!(
                decide(&intake(), &reroute(Some(wrong)), &at_intake, &ctx).unwrap_err(),
                invalid("category", "err.unknown_category"),
                "{wrong}"
            );
        }
        let mut report = routed_to("intake");
        report.category = "report".into();
        assert!(
            decide(&intake(), &reroute(Some("roads")), &report, &ctx).is_err(),
            "a report stays one"
        );
    }

    #[test]
    fn terminal_states_allow_nothing_but_notes() {
        let world = World::new();
        for state in CaseState::ALL.iter().filter(|s| s.is_terminal()) {
            let mut facts = routed_to("env");
            facts.status.state = *state;
            facts.answered_at = Some(t0());
            let ctx = world.ctx(t0());
            for (actor, action) in moves() {
                if decide(&actor, &action, &facts, &ctx).is_ok() {
                    assert_eq!(
                        action.kind(),
                        ActionKind::Note,
                        "{actor:?} did {action:?} in {state:?}"
                    );
                }
            }
        }
    }

    /// Who may do what on a case the environment bureau holds (own) and on one the
    /// transport bureau holds (other), in a state where the action is legal.
    #[test]
    fn the_permission_grid() {
        use ActionKind as K;
        let world = World::new();
        let ctx = world.ctx(t0());
        let mut accepted = routed_to("env");
        accepted.status.state = CaseState::Accepted;
        let mut pending = accepted.clone();
        pending.status.extension = Some(Extension::Requested);
        pending.extension_request = Some((10, "x".into()));
        let grid: &[(ActionKind, &Facts, &[&str])] = &[
            (K::Accept, &routed_to("env"), &["env_staff", "env_head"]),
            (K::NotAccept, &routed_to("env"), &["env_staff", "env_head"]),
            (K::Object, &routed_to("env"), &["env_staff", "env_head"]),
            (K::Transfer, &accepted, &["env_staff", "env_head"]),
            (K::Start, &accepted, &["env_staff", "env_head"]),
            (K::RequestExtension, &accepted, &["env_staff", "env_head"]),
            (K::ApproveExtension, &pending, &["env_head"]),
            (K::RefuseExtension, &pending, &["env_head"]),
            (K::Answer, &accepted, &["env_staff", "env_head"]),
            (K::Note, &accepted, &["env_staff", "env_head", "intake", "leader"]),
            (K::Accept, &routed_to("intake"), &["intake"]),
            (K::Reroute, &routed_to("intake"), &["intake"]),
            (K::Withdraw, &accepted, &["resident"]),
        ];
        let actors = [
            ("env_staff", env_staff()),
            ("env_head", env_head()),
            ("intake", intake()),
            ("other_staff", other_staff()),
            ("leader", leader()),
            ("admin", admin()),
            ("resident", Actor::Resident),
            ("system", Actor::System),
        ];
        for (kind, facts, may) in grid {
            for (name, actor) in &actors {
                let result = check(actor, *kind, facts, &ctx);
                if may.contains(name) {
                    assert_eq!(result, Ok(()), "{name} should be able to {kind:?}");
                } else {
                    assert!(
                        matches!(result, Err(Denial::Forbidden { .. })),
                        "{name} must not {kind:?}: {result:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn another_departments_staff_are_told_it_is_not_their_case() {
        let world = World::new();
        let ctx = world.ctx(t0());
        assert_eq!(
            check(&other_staff(), ActionKind::Accept, &routed_to("env"), &ctx),
            Err(Denial::Forbidden {
                key: "deny.not_your_case"
            })
        );
        assert_eq!(
            check(&leader(), ActionKind::Accept, &routed_to("env"), &ctx),
            Err(Denial::Forbidden { key: "deny.role" })
        );
    }

    #[test]
    fn objections_are_possible_for_five_working_days_once() {
        let world = World::new();
        let facts = routed_to("env");
        // Thu 26 Nov → five working days end Thu 3 Dec 2026, 23:59:59 Shanghai.
        let last = Utc
            .with_ymd_and_hms(2026, 12, 3, 15, 59, 59)
            .single()
            .expect("valid");
        assert_eq!(
            check(&env_staff(), ActionKind::Object, &facts, &world.ctx(last)),
            Ok(())
        );
        assert_eq!(
            check(
                &env_staff(),
                ActionKind::Object,
                &facts,
                &world.ctx(last + Duration::seconds(1))
            ),
            Err(Denial::Conflict {
                key: "deny.objection_window"
            })
        );
        let objected = decide(
            &env_staff(),
            &Action::Object { reason: reason() },
            &facts,
            &world.ctx(t0()),
        )
        .expect("ok");
        assert_eq!(objected.status.department, "intake");
        assert_eq!(objected.status.objection_from.as_deref(), Some("env"));
        let after = apply(&facts, objected, t0());
        let confirmed = decide(
            &intake(),
            &Action::ConfirmAssignment { reason: reason() },
            &after,
            &world.ctx(t0()),
        )
        .expect("ok");
        assert_eq!(confirmed.status.department, "env");
        let back = apply(&after, confirmed, t0());
        assert_eq!(
            check(&env_staff(), ActionKind::Object, &back, &world.ctx(t0())),
            Err(Denial::Conflict {
                key: "deny.objected_once"
            })
        );
    }

    #[test]
    fn an_extension_is_asked_once_and_adds_exactly_its_days() {
        let world = World::new();
        let ctx = world.ctx(t0());
        let accepted = apply(
            &routed_to("env"),
            decide(&env_staff(), &Action::Accept, &routed_to("env"), &ctx).expect("ok"),
            t0(),
        );
        let answer_due = accepted.status.answer_due_at.expect("set");
        // 60 days after 26 Nov 2026 is Mon 25 Jan 2027, a working day.
        assert_eq!(
            local_date(answer_due, Shanghai),
            chrono::NaiveDate::from_ymd_opt(2027, 1, 25).expect("valid")
        );
        let asked = decide(
            &env_staff(),
            &Action::RequestExtension {
                days: 30,
                reason: reason(),
            },
            &accepted,
            &ctx,
        )
        .expect("ok");
        let asked = apply(&accepted, asked, t0());
        assert_eq!(
            check(&env_staff(), ActionKind::RequestExtension, &asked, &ctx),
            Err(Denial::Conflict {
                key: "deny.extension_once"
            })
        );
        assert_eq!(
            check(&env_staff(), ActionKind::ApproveExtension, &asked, &ctx),
            Err(Denial::Forbidden { key: "deny.role" })
        );
        let approved = decide(&env_head(), &Action::ApproveExtension, &asked, &ctx).expect("ok");
        let new_due = approved.status.answer_due_at.expect("set");
        assert_eq!(
            local_date(new_due, Shanghai),
            chrono::NaiveDate::from_ymd_opt(2027, 2, 24).expect("valid")
        );
        assert_eq!(approved.status.due_at, Some(new_due));
        let too_long = decide(
            &env_staff(),
            &Action::RequestExtension {
                days: 31,
                reason: reason(),
            },
            &accepted,
            &ctx,
        );
        assert!(matches!(too_long, Err(Denial::Invalid(_))));
    }

    #[test]
    fn not_accepting_needs_a_channel_of_the_category() {
        let world = World::new();
        let ctx = world.ctx(t0());
        let bad = decide(
            &env_staff(),
            &Action::NotAccept {
                reason: reason(),
                channel: "police".into(),
            },
            &routed_to("env"),
            &ctx,
        );
        assert!(matches!(bad, Err(Denial::Invalid(_))));
        let ok = decide(
            &env_staff(),
            &Action::NotAccept {
                reason: reason(),
                channel: "court".into(),
            },
            &routed_to("env"),
            &ctx,
        )
        .expect("ok");
        assert_eq!(ok.status.state, CaseState::NotAccepted);
        assert_eq!(ok.events[0].1, Visibility::Public);
    }

    #[test]
    fn review_goes_to_the_reviewer_within_the_window_only() {
        let world = World::new();
        let mut answered = routed_to("env");
        answered.status.state = CaseState::Answered;
        answered.answered_at = Some(t0());
        // 30 days after 26 Nov 2026 is Sat 26 Dec → rolls to Mon 28 Dec.
        let last = Utc
            .with_ymd_and_hms(2026, 12, 28, 15, 59, 59)
            .single()
            .expect("valid");
        let review = decide(
            &Actor::Resident,
            &Action::RequestReview { reason: reason() },
            &answered,
            &world.ctx(last),
        )
        .expect("ok");
        assert_eq!(review.status.state, CaseState::ReviewRequested);
        assert_eq!(review.status.department, "gov");
        assert_eq!(
            check(
                &Actor::Resident,
                ActionKind::RequestReview,
                &answered,
                &world.ctx(last + Duration::seconds(1))
            ),
            Err(Denial::Conflict {
                key: "deny.window_closed"
            })
        );
        assert_eq!(
            check(
                &Actor::System,
                ActionKind::CloseExpired,
                &answered,
                &world.ctx(last)
            ),
            Err(Denial::Conflict {
                key: "deny.window_open"
            })
        );
        let closed = decide(
            &Actor::System,
            &Action::CloseExpired,
            &answered,
            &world.ctx(last + Duration::seconds(1)),
        )
        .expect("ok");
        assert_eq!(closed.status.state, CaseState::Closed);
    }

    #[test]
    fn an_unconfirmed_filing_lapses_after_its_confirmation_days_quietly() {
        let world = World::new();
        let mut unconfirmed = routed_to("env");
        unconfirmed.status.state = CaseState::Unconfirmed;
        let lapse = unconfirmed.assigned_at + Duration::days(CONFIRM_DAYS);
        assert_eq!(
            check(
                &Actor::System,
                ActionKind::CloseExpired,
                &unconfirmed,
                &world.ctx(lapse - Duration::seconds(1))
            ),
            Err(Denial::Conflict {
                key: "deny.window_open"
            })
        );
        let closed = decide(
            &Actor::System,
            &Action::CloseExpired,
            &unconfirmed,
            &world.ctx(lapse),
        )
        .expect("ok");
        assert_eq!(closed.status.state, CaseState::Closed);
        assert_eq!(
            closed.events,
            vec![(
                EventData::Closed {
                    after: CloseReason::NotConfirmed
                },
                Visibility::Public
            )]
        );
        // Only the system closes it; confirming is bounded by the mailed link's own expiry.
        assert!(
            check(
                &Actor::Resident,
                ActionKind::CloseExpired,
                &unconfirmed,
                &world.ctx(lapse)
            )
            .is_err()
        );
        assert!(
            check(
                &Actor::Resident,
                ActionKind::Confirm,
                &unconfirmed,
                &world.ctx(lapse)
            )
            .is_ok()
        );
    }

    #[test]
    fn confidential_identities_are_for_the_intake_office_only() {
        let catalog = catalog();
        let mut facts = routed_to("env");
        assert!(may_see_identity(&env_staff(), &facts, &catalog));
        assert!(!may_see_identity(&other_staff(), &facts, &catalog));
        assert!(may_see_identity(&leader(), &facts, &catalog));
        assert!(!may_see_identity(&admin(), &facts, &catalog));
        facts.confidential = true;
        assert!(!may_see_identity(&leader(), &facts, &catalog));
        assert!(!may_see_identity(&env_staff(), &facts, &catalog));
        assert!(!may_see_identity(&env_head(), &facts, &catalog));
        assert!(may_see_identity(&intake(), &facts, &catalog));
        assert!(!may_view(&admin(), &facts, &catalog));
        assert!(may_view(&leader(), &facts, &catalog));
        assert!(!may_view(&other_staff(), &facts, &catalog));
    }

    #[test]
    fn actions_parse_from_typed_input_and_report_each_problem() {
        let input = ActionInput {
            reason: "不属于本部门职责".into(),
            department: "transport".into(),
            ..ActionInput::default()
        };
        assert!(matches!(
            Action::parse(ActionKind::Transfer, &input),
            Ok(Action::Transfer { .. })
        ));
        let json: ActionInput =
            serde_json::from_str(r#"{"days": 20, "reason": "需要补充鉴定材料"}"#).expect("json");
        assert!(matches!(
            Action::parse(ActionKind::RequestExtension, &json),
            Ok(Action::RequestExtension { days: 20, .. })
        ));
        let form: ActionInput =
            serde_json::from_str(r#"{"days": "20", "reason": "需要补充鉴定材料"}"#).expect("json");
        assert_eq!(form.days, "20");
        let empty = Action::parse(ActionKind::Answer, &ActionInput::default()).unwrap_err();
        let fields: Vec<&str> = empty.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["legal_basis", "outcome", "text"]);
        let bad_days = Action::parse(
            ActionKind::RequestExtension,
            &ActionInput {
                days: "ten".into(),
                ..input.clone()
            },
        );
        assert_eq!(bad_days.unwrap_err().get("days").map(|e| e.key), Some("err.days"));
        assert!(matches!(
            Action::parse(ActionKind::Accept, &ActionInput::default()),
            Ok(Action::Accept)
        ));
    }

    #[test]
    fn urgent_categories_have_their_own_defaults_and_policies_override() {
        let mut catalog = catalog();
        let mut hazard = catalog.categories[0].clone();
        hazard.code = "hazard".into();
        hazard.urgent = true;
        catalog = Catalog::new(
            catalog.departments.clone(),
            vec![],
            catalog.groups.clone(),
            vec![catalog.categories[0].clone(), hazard],
            catalog.channels.clone(),
            vec![],
        )
        .expect("catalog");
        let mut policies = Policies::default();
        assert_eq!(policies.for_category(&catalog, "noise").acceptance_days, 15);
        assert_eq!(policies.for_category(&catalog, "hazard").acceptance_days, 1);
        policies.by_category.insert(
            "noise".into(),
            Policy {
                working_days: true,
                acceptance_days: 10,
                ..Policy::default()
            },
        );
        assert!(policies.for_category(&catalog, "noise").working_days);
    }

    #[test]
    fn a_hearing_pauses_the_review_clock_by_exactly_its_length() {
        let world = World::new();
        let mut facts = routed_to("gov");
        facts.status.state = CaseState::UnderReview;
        let due = Utc
            .with_ymd_and_hms(2026, 12, 28, 15, 59, 59)
            .single()
            .expect("valid");
        facts.status.due_at = Some(due);
        let started = decide(&gov_staff(), &Action::HearingStart, &facts, &world.ctx(t0())).expect("ok");
        assert_eq!(started.status.due_at, None, "no deadline runs during the hearing");
        let paused = apply(&facts, started, t0());
        assert_eq!(
            check(&gov_staff(), ActionKind::AnswerReview, &paused, &world.ctx(t0())),
            Err(Denial::Conflict {
                key: "deny.hearing_in_progress"
            })
        );
        // Ten days of hearing: Mon 28 Dec 2026 + 10 = Thu 7 Jan 2027.
        let ended = decide(
            &gov_staff(),
            &Action::HearingEnd,
            &paused,
            &world.ctx(t0() + Duration::days(10)),
        )
        .expect("ok");
        assert_eq!(
            local_date(ended.status.due_at.expect("resumed"), Shanghai),
            chrono::NaiveDate::from_ymd_opt(2027, 1, 7).expect("valid")
        );
    }

    fn policy_strategy() -> impl Strategy<Value = (u32, bool)> {
        (1u32..90, any::<bool>())
    }

    proptest! {
        /// Deadlines never come earlier than the plain count, grow with the days given,
        /// and always end on a working day.
        #[test]
        fn deadlines_are_monotonic_and_never_earlier_than_the_plain_count(
            offset in 0i64..700,
            (days, working_days) in policy_strategy(),
        ) {
            let world = World::new();
            let policy = Policy { working_days, ..Policy::default() };
            let ctx = Context { policy: &policy, ..world.ctx(t0() - Duration::days(300) + Duration::days(offset)) };
            let due = ctx.due(ctx.now, days);
            let later = ctx.due(ctx.now, days + 1);
            // Two counts can land on the same weekend and roll to the same Monday.
            prop_assert!(later >= due);
            if working_days {
                prop_assert!(later > due);
            }
            let plain = end_of_day(local_date(ctx.now, Shanghai) + Duration::days(i64::from(days)), Shanghai);
            prop_assert!(due >= plain);
            prop_assert!(world.calendar.is_working_day(local_date(due, Shanghai)));
        }

        /// An approved extension moves the answer deadline by exactly its days (then to a
        /// working day, when the exact day is a rest day).
        #[test]
        fn an_extension_adds_exactly_its_days(offset in 0i64..600, days in 1u32..=30) {
            let world = World::new();
            let now = t0() - Duration::days(300) + Duration::days(offset);
            let ctx = world.ctx(now);
            let mut facts = routed_to("env");
            facts.status.state = CaseState::InProgress;
            let old_due = ctx.due(now, 60);
            facts.status.answer_due_at = Some(old_due);
            facts.status.extension = Some(Extension::Requested);
            facts.extension_request = Some((days, "理由".into()));
            let decision = decide(&env_head(), &Action::ApproveExtension, &facts, &ctx).expect("approved");
            let new_due = local_date(decision.status.answer_due_at.expect("set"), Shanghai);
            let exact = local_date(old_due, Shanghai) + Duration::days(i64::from(days));
            prop_assert_eq!(new_due, world.calendar.working_day_on_or_after(exact));
            if world.calendar.is_working_day(exact) {
                prop_assert_eq!(new_due, exact);
            }
        }

        /// A hearing of n days moves the deadline by exactly n days (then to a working day).
        #[test]
        fn a_pause_shifts_the_deadline_by_exactly_its_length(due_offset in 0i64..300, start in 0i64..30, length in 0i64..60) {
            let world = World::new();
            let ctx = world.ctx(t0());
            let due = end_of_day(local_date(t0(), Shanghai) + Duration::days(due_offset), Shanghai);
            let paused_at = t0() + Duration::days(start);
            let resumed = ctx.resume(due, paused_at, paused_at + Duration::days(length));
            let exact = local_date(due, Shanghai) + Duration::days(length);
            prop_assert_eq!(local_date(resumed, Shanghai), world.calendar.working_day_on_or_after(exact));
            prop_assert!(resumed >= due);
        }
    }

    fn any_move() -> impl Strategy<Value = (usize, i64)> {
        (0..moves().len(), 0i64..45)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Random walks: every step the machine allows is an edge of the product's graph,
        /// a pending objection always sits with the intake office, and a refused step
        /// changes nothing.
        #[test]
        fn random_walks_stay_on_the_map(steps in proptest::collection::vec(any_move(), 1..40)) {
            let world = World::new();
            let all = moves();
            let allowed = allowed_edges();
            let mut facts = routed_to("env");
            let mut now = t0();
            for (index, days) in steps {
                now += Duration::hours(days);
                let (actor, action) = &all[index];
                match decide(actor, action, &facts, &world.ctx(now)) {
                    Ok(decision) => {
                        let from = facts.status.state;
                        let to = decision.status.state;
                        prop_assert!(from == to || allowed.contains(&(from, to)), "{:?}: {:?} -> {:?}", action.kind(), from, to);
                        prop_assert!(!decision.events.is_empty());
                        facts = apply(&facts, decision, now);
                        if facts.status.objection_from.is_some() {
                            prop_assert_eq!(facts.status.department.as_str(), "intake");
                        }
                        if facts.status.state.is_terminal() {
                            prop_assert!(facts.status.due_at.is_none());
                        }
                    }
                    Err(Denial::Invalid(_)) | Err(Denial::Forbidden { .. }) | Err(Denial::Conflict { .. }) => {}
                }
            }
        }
    }
}
