//! Who may see a case, who may know who filed it, and which actions the state and the
//! actor allow now.

use super::*;
use crate::domain::case::{CaseState, Role};
use crate::domain::catalog::Catalog;

/// Whether `actor` may see the case at all (staff pages and API).
pub fn may_view(actor: &Actor, facts: &Facts, catalog: &Catalog) -> bool {
    match actor {
        Actor::Resident | Actor::System => true,
        // Whatever the role: the department a report is about never reads it.
        Actor::Staff(s) if s.department.is_some() && s.department == facts.concerned => false,
        // A liaison: what they recorded and what their office holds, never a report
        // about an official.
        Actor::Staff(s) if s.role == Role::Liaison => {
            let report = catalog
                .category(&facts.category)
                .is_some_and(|c| c.supervisor.is_some());
            !report
                && (facts.recorded_by == Some(s.user_id)
                    || s.works_for(&facts.status.department, &catalog.intake().code))
        }
        Actor::Staff(s) => match s.role {
            Role::Leader => true,
            Role::Admin => false,
            _ => {
                s.is_intake(&catalog.intake().code)
                    || s.works_for(&facts.status.department, &catalog.intake().code)
            }
        },
    }
}

/// Whether `actor` may see who the resident is. Confidential cases: the intake office only.
pub fn may_see_identity(actor: &Actor, facts: &Facts, catalog: &Catalog) -> bool {
    match actor {
        Actor::Resident => true,
        Actor::System => false,
        Actor::Staff(s) => {
            if facts.confidential {
                s.is_intake(&catalog.intake().code)
            } else {
                may_view(actor, facts, catalog)
            }
        }
    }
}

/// Whether `actor` may add the signed mediation agreement to the case: whoever may
/// mediate it, once an agreement was recorded.
pub fn may_attach_agreement(actor: &Actor, facts: &Facts, intake: &str) -> bool {
    facts.mediated && permitted(actor, ActionKind::Mediate, facts, intake)
}

/// Who may take `kind` on this case, whatever its state.
fn permitted(actor: &Actor, kind: ActionKind, facts: &Facts, intake: &str) -> bool {
    use ActionKind as K;
    match actor {
        Actor::System => kind == K::CloseExpired,
        Actor::Resident => matches!(
            kind,
            K::Withdraw | K::Confirm | K::Evaluate | K::RequestReview | K::RequestReReview
        ),
        Actor::Staff(s) => {
            let holder = s.works_for(&facts.status.department, intake);
            match kind {
                K::Accept
                | K::NotAccept
                | K::Transfer
                | K::Start
                | K::RequestExtension
                | K::Answer
                | K::AcceptReview
                | K::AnswerReview
                | K::AcceptReReview
                | K::AnswerReReview
                | K::HearingStart
                | K::HearingEnd => holder,
                K::Object => holder && !s.is_intake(intake),
                K::Reroute | K::ConfirmAssignment => {
                    s.is_intake(intake) && matches!(s.role, Role::Intake | Role::Staff | Role::Head)
                }
                K::ApproveExtension | K::RefuseExtension => holder && s.role == Role::Head,
                K::Note => matches!(s.role, Role::Leader) || s.is_intake(intake) || holder,
                // Whoever may see it and works on cases may raise it; clearing it too.
                K::MarkMajor | K::ClearMajor => holder || s.is_intake(intake) || s.role == Role::Liaison,
                // The holder, or the liaison who recorded it and mediates on the spot.
                K::Mediate => holder || (s.role == Role::Liaison && facts.recorded_by == Some(s.user_id)),
                K::Withdraw
                | K::Confirm
                | K::Evaluate
                | K::RequestReview
                | K::RequestReReview
                | K::CloseExpired => false,
            }
        }
    }
}

fn conflict(key: &'static str) -> Result<(), Denial> {
    Err(Denial::Conflict { key })
}

/// Whether the case's state (and the clock) allows `kind` now.
fn legal(kind: ActionKind, facts: &Facts, ctx: &Context) -> Result<(), Denial> {
    use ActionKind as K;
    use CaseState as S;
    let state = facts.status.state;
    let in_states = |states: &[CaseState]| states.contains(&state);
    let window_open = || {
        facts
            .answered_at
            .is_some_and(|at| ctx.now <= ctx.due(at, ctx.policy.review_window_days))
    };
    match kind {
        K::Accept | K::NotAccept if !in_states(&[S::Routed]) => conflict("deny.state"),
        K::Object => {
            if !in_states(&[S::Routed]) {
                conflict("deny.state")
            } else if facts.objected_by.contains(&facts.status.department) {
                conflict("deny.objected_once")
            } else if ctx.now > ctx.due_working(facts.assigned_at, OBJECTION_WORKING_DAYS) {
                conflict("deny.objection_window")
            } else {
                Ok(())
            }
        }
        K::Reroute if !(in_states(&[S::Routed]) && facts.status.department == ctx.intake()) => {
            conflict("deny.state")
        }
        K::ConfirmAssignment if !(in_states(&[S::Routed]) && facts.status.objection_from.is_some()) => {
            conflict("deny.no_objection")
        }
        K::Transfer if !in_states(&[S::Routed, S::Accepted, S::InProgress]) => conflict("deny.state"),
        K::Start if !in_states(&[S::Accepted]) => conflict("deny.state"),
        K::RequestExtension => {
            if !in_states(&[S::Accepted, S::InProgress]) {
                conflict("deny.state")
            } else if facts.status.extension.is_some() {
                conflict("deny.extension_once")
            } else {
                Ok(())
            }
        }
        K::ApproveExtension | K::RefuseExtension => {
            if !in_states(&[S::Accepted, S::InProgress]) {
                conflict("deny.state")
            } else if facts.status.extension != Some(Extension::Requested) {
                conflict("deny.no_extension_request")
            } else {
                Ok(())
            }
        }
        K::Answer if !in_states(&[S::Accepted, S::InProgress]) => conflict("deny.state"),
        K::Mediate if !in_states(&[S::Routed, S::Accepted, S::InProgress]) => conflict("deny.state"),
        K::MarkMajor | K::ClearMajor
            if in_states(&[S::Closed, S::Final, S::Withdrawn, S::NotAccepted, S::Unconfirmed]) =>
        {
            conflict("deny.state")
        }
        K::MarkMajor if facts.major => conflict("deny.major_already"),
        K::ClearMajor if !facts.major => conflict("deny.not_major"),
        K::Withdraw
            if !in_states(&[
                S::Submitted,
                S::Unconfirmed,
                S::Routed,
                S::Accepted,
                S::InProgress,
            ]) =>
        {
            conflict("deny.withdraw_after_answer")
        }
        K::Confirm if !in_states(&[S::Unconfirmed]) => conflict("deny.state"),
        K::Evaluate => {
            if !in_states(&[S::Answered, S::ReviewAnswered]) {
                conflict("deny.state")
            } else if facts.evaluated_since_answer {
                conflict("deny.evaluated_once")
            } else if !window_open() {
                conflict("deny.window_closed")
            } else {
                Ok(())
            }
        }
        K::RequestReview | K::RequestReReview => {
            let from = if kind == K::RequestReview {
                S::Answered
            } else {
                S::ReviewAnswered
            };
            if state != from {
                conflict("deny.state")
            } else if !window_open() {
                conflict("deny.window_closed")
            } else {
                Ok(())
            }
        }
        K::AcceptReview if !in_states(&[S::ReviewRequested]) => conflict("deny.state"),
        K::HearingStart | K::HearingEnd if !in_states(&[S::UnderReview, S::UnderReReview]) => {
            conflict("deny.state")
        }
        K::HearingStart if facts.hearing.is_some() => conflict("deny.hearing_in_progress"),
        K::HearingEnd if facts.hearing.is_none() => conflict("deny.no_hearing"),
        K::AnswerReview | K::AnswerReReview if facts.hearing.is_some() => {
            conflict("deny.hearing_in_progress")
        }
        K::AnswerReview if !in_states(&[S::UnderReview]) => conflict("deny.state"),
        K::AcceptReReview if !in_states(&[S::ReReviewRequested]) => conflict("deny.state"),
        K::AnswerReReview if !in_states(&[S::UnderReReview]) => conflict("deny.state"),
        K::CloseExpired if in_states(&[S::Unconfirmed]) => {
            if ctx.now < facts.assigned_at + chrono::Duration::days(CONFIRM_DAYS) {
                conflict("deny.window_open")
            } else {
                Ok(())
            }
        }
        K::CloseExpired => {
            if !in_states(&[S::Answered, S::ReviewAnswered]) {
                conflict("deny.state")
            } else if window_open() {
                conflict("deny.window_open")
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// Whether `actor` may take `kind` now, leaving aside what the action says.
pub fn check(actor: &Actor, kind: ActionKind, facts: &Facts, ctx: &Context) -> Result<(), Denial> {
    if !may_view(actor, facts, ctx.catalog) {
        return Err(Denial::Forbidden {
            key: "deny.not_your_case",
        });
    }
    if !permitted(actor, kind, facts, ctx.intake()) {
        let key = match actor {
            Actor::Staff(s)
                if matches!(s.role, Role::Staff | Role::Head | Role::Intake)
                    && !s.works_for(&facts.status.department, ctx.intake()) =>
            {
                "deny.not_your_case"
            }
            _ => "deny.role",
        };
        return Err(Denial::Forbidden { key });
    }
    legal(kind, facts, ctx)
}

/// The actions `actor` could take on the case now (for pages to offer).
pub fn available(actor: &Actor, facts: &Facts, ctx: &Context) -> Vec<ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|kind| check(actor, *kind, facts, ctx).is_ok())
        .collect()
}
