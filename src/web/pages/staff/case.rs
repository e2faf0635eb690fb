//! A case as staff see it, with a form for every action they may take.

use std::collections::BTreeMap;

use askama::Template;

use super::hint::{HintLine, hint_line};
use crate::domain::case::{CaseState, Outcome, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::timeline::EventData;
use crate::domain::workflow::{ActionInput, ActionKind};
use crate::format::{
    EventText, area_path_name, category_name, date, date_time, department_name, event_text, state_name,
};
use crate::service::templates::AnswerTemplate;
use crate::service::workflow::{Identity, StaffCase};
use crate::web::App;
use crate::web::pages::PageCtx;
use crate::web::pages::error_summary::ErrorSummary;
use crate::web::pages::file::Opt;

/// One input of an action form.
pub enum Field {
    Reason,
    Note,
    Text,
    LegalBasis,
    Days(u32),
    Outcome(Vec<Opt>),
    Department(Vec<Opt>),
    /// A re-route's corrected category (none chosen: unchanged).
    Category(Vec<Opt>),
    Channel(Vec<Opt>),
    /// A mediation: agreed or failed, with both parties' consent and what was settled.
    MediationOutcome(Vec<Opt>),
    Consent,
    Facts,
    Agreement,
    PerformanceDeadline,
    Performance,
}

pub struct ActionForm {
    /// The action's name in URLs (`extension/approve`).
    pub path: String,
    /// For element ids (`extension-approve`).
    pub id: String,
    pub label: String,
    pub fields: Vec<Field>,
    pub values: ActionInput,
    pub errors: BTreeMap<String, String>,
    pub open: bool,
    /// Answer templates to start from (written answers only).
    pub templates: Vec<Opt>,
}

impl ActionForm {
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

pub struct StaffEvent {
    pub at: String,
    pub text: EventText,
    pub internal: bool,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "staff_case.html")]
pub(super) struct CasePage {
    page: PageCtx,
    number: String,
    title: String,
    description: String,
    address: Option<String>,
    area: String,
    category: String,
    channel: String,
    state: String,
    state_code: String,
    department: String,
    submitted_at: String,
    due: Option<String>,
    overdue: bool,
    answer_due: Option<String>,
    confidential: bool,
    objection_from: Option<String>,
    extension: Option<String>,
    /// A report about an official: the department it concerns.
    concerned: Option<String>,
    /// The leader who has the case in personal charge.
    supervisor: Option<String>,
    can_supervise: bool,
    attachments: Vec<crate::web::pages::case::AttachmentLine>,
    may_see_identity: bool,
    identity: Option<Identity>,
    timeline: Vec<StaffEvent>,
    forms: Vec<ActionForm>,
    done: Option<String>,
    hint: Option<HintLine>,
    /// What went wrong with the action just sent, at the top of the page.
    error_summary: Option<ErrorSummary>,
    /// A requested extension the reader may decide: its days and reason.
    pending_extension: Option<String>,
    /// The signed mediation agreement may be added, and why the last upload failed.
    agreement_upload: bool,
    upload_error: Option<String>,
}

fn fields_for(
    kind: ActionKind,
    case: &StaffCase,
    catalog: &Catalog,
    tr: crate::i18n::Tr,
    max_days: u32,
) -> Vec<Field> {
    use ActionKind as K;
    let locale = tr.locale();
    let departments = |exclude: &str| {
        Field::Department(
            catalog
                .departments
                .iter()
                .filter(|d| d.active && d.code != exclude && !(kind == K::Reroute && d.is_intake))
                .map(|d| Opt {
                    code: d.code.clone(),
                    name: d.names.get(locale).to_string(),
                    selected: false,
                })
                .collect(),
        )
    };
    let written = || {
        vec![
            Field::Outcome(
                Outcome::ALL
                    .iter()
                    .map(|o| Opt {
                        code: o.as_str().to_string(),
                        name: tr.t(&format!("outcome.{}", o.as_str())).to_string(),
                        selected: false,
                    })
                    .collect(),
            ),
            Field::Text,
            Field::LegalBasis,
        ]
    };
    match kind {
        K::NotAccept => vec![
            Field::Channel(
                catalog
                    .category(&case.case.category_code)
                    .map(|c| c.channel_codes.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|code| catalog.channel(code))
                    .map(|ch| Opt {
                        code: ch.code.clone(),
                        name: ch.names.get(locale).to_string(),
                        selected: false,
                    })
                    .collect(),
            ),
            Field::Reason,
        ],
        K::Object | K::ConfirmAssignment | K::RefuseExtension => vec![Field::Reason],
        K::Reroute => vec![
            departments(&case.case.department_code),
            Field::Category(
                catalog
                    .categories
                    .iter()
                    .filter(|c| c.supervisor.is_none() && c.code != case.case.category_code)
                    .map(|c| Opt {
                        code: c.code.clone(),
                        name: c.names.get(locale).to_string(),
                        selected: false,
                    })
                    .collect(),
            ),
            Field::Reason,
        ],
        K::Transfer => vec![departments(&case.case.department_code), Field::Reason],
        K::RequestExtension => vec![Field::Days(max_days), Field::Reason],
        K::Answer | K::AnswerReview | K::AnswerReReview => written(),
        K::Note => vec![Field::Note],
        K::MarkMajor | K::ClearMajor => vec![Field::Reason],
        K::Mediate => vec![
            Field::MediationOutcome(
                ["agreed", "failed"]
                    .iter()
                    .map(|o| Opt {
                        code: o.to_string(),
                        name: tr.t(&format!("mediation.{o}")).to_string(),
                        selected: false,
                    })
                    .collect(),
            ),
            Field::Consent,
            Field::Facts,
            Field::Agreement,
            Field::PerformanceDeadline,
            Field::Performance,
            Field::Reason,
        ],
        _ => vec![],
    }
}

/// An action's name as people read it.
fn action_label(tr: crate::i18n::Tr, kind: ActionKind) -> &'static str {
    tr.t(&format!("action.{}", kind.as_str().replace(['/', '-'], "_")))
}

/// What the case page needs, around the service's view.
pub(super) struct Failed {
    pub(super) kind: ActionKind,
    pub(super) values: ActionInput,
    pub(super) errors: BTreeMap<String, String>,
}

/// What a case page shows beyond the case itself.
#[derive(Default)]
pub(super) struct Extras<'a> {
    pub(super) identity: Option<Identity>,
    pub(super) failed: Option<Failed>,
    pub(super) done: Option<String>,
    pub(super) templates: &'a [AnswerTemplate],
    pub(super) chosen: Option<&'a AnswerTemplate>,
    pub(super) upload_error: Option<String>,
}

pub(super) fn case_view(page: PageCtx, state: &App, case: StaffCase, extras: Extras<'_>) -> CasePage {
    let Extras {
        identity,
        failed,
        done,
        templates,
        chosen,
        upload_error,
    } = extras;
    let tr = page.tr;
    let locale = tr.locale();
    let catalog = state.catalog();
    let tz = state.tz;
    let now = state.now();
    let r = &case.case;
    let state_code = CaseState::parse(&r.state);
    let due = r.due_at;
    let forms: Vec<ActionForm> = case
        .available
        .iter()
        .filter(|k| **k != ActionKind::Note || !case.available.is_empty())
        .map(|kind| {
            let mut form = ActionForm {
                path: kind.as_str().to_string(),
                id: kind.as_str().replace('/', "-"),
                label: action_label(tr, *kind).to_string(),
                fields: fields_for(
                    *kind,
                    &case,
                    &catalog,
                    tr,
                    state
                        .policies()
                        .for_category(&catalog, &case.case.category_code)
                        .max_extension_days,
                ),
                values: ActionInput::default(),
                errors: BTreeMap::new(),
                open: false,
                templates: Vec::new(),
            };
            if matches!(
                kind,
                ActionKind::Answer | ActionKind::AnswerReview | ActionKind::AnswerReReview
            ) {
                form.templates = templates
                    .iter()
                    .map(|t| Opt {
                        code: t.id.to_string(),
                        name: t.title.clone(),
                        selected: chosen.is_some_and(|c| c.id == t.id),
                    })
                    .collect();
                if let Some(t) = chosen {
                    form.values.outcome = t.outcome.clone();
                    form.values.text = t.body.clone();
                    form.values.legal_basis = t.legal_basis.clone();
                    form.open = true;
                }
            }
            if let Some(f) = failed.as_ref().filter(|f| f.kind == *kind) {
                form.values = f.values.clone();
                form.errors = f.errors.clone();
                form.open = true;
            }
            form
        })
        .collect();
    let error_summary = failed
        .as_ref()
        .and_then(|f| ErrorSummary::of_action(tr, &f.kind.as_str().replace('/', "-"), &f.errors));
    let may_decide = forms
        .iter()
        .any(|f| f.path == ActionKind::ApproveExtension.as_str());
    let pending_extension = may_decide
        .then(|| {
            case.timeline.iter().rev().find_map(|e| match &e.data {
                Some(EventData::ExtensionRequested { days, reason }) => Some(tr.f(
                    "extension.pending",
                    &[("days", &days.to_string()), ("reason", reason)],
                )),
                _ => None,
            })
        })
        .flatten();
    CasePage {
        error_summary,
        pending_extension,
        number: r.tracking_number.clone(),
        title: r.title.clone(),
        description: r.description.clone(),
        address: r.address.clone(),
        area: area_path_name(&catalog, locale, &r.area_code),
        category: category_name(&catalog, locale, &r.category_code),
        channel: tr.t(&format!("channel.{}", r.channel)).to_string(),
        state: state_code
            .map(|s| state_name(tr, s).to_string())
            .unwrap_or_else(|| r.state.clone()),
        state_code: r.state.clone(),
        department: department_name(&catalog, locale, &r.department_code),
        submitted_at: date_time(locale, r.submitted_at, tz),
        due: due.map(|d| date(locale, d, tz)),
        overdue: state_code.is_some_and(CaseState::awaits_department) && due.is_some_and(|d| d < now),
        answer_due: r.answer_due_at.map(|d| date(locale, d, tz)),
        confidential: r.confidential,
        objection_from: r
            .objection_from
            .as_deref()
            .map(|c| department_name(&catalog, locale, c)),
        extension: r
            .extension_state
            .as_deref()
            .map(|e| tr.t(&format!("extension.{e}")).to_string()),
        concerned: r
            .concerned_department
            .as_deref()
            .map(|c| department_name(&catalog, locale, c)),
        supervisor: r.supervisor_id.and_then(|id| case.actors.get(&id).cloned()),
        can_supervise: r.supervisor_id.is_none()
            && page.user.as_ref().is_some_and(|u| u.is_leader)
            && state_code.is_some_and(|s| !s.is_terminal()),
        attachments: case
            .attachments
            .iter()
            .map(|a| {
                crate::web::pages::case::AttachmentLine::new(
                    a,
                    &format!("/staff/cases/{}/attachments", r.tracking_number),
                    "",
                )
            })
            .collect(),
        may_see_identity: case.may_see_identity,
        agreement_upload: case.may_attach_agreement,
        upload_error,
        identity,
        timeline: case
            .timeline
            .iter()
            .rev()
            .map(|e| StaffEvent {
                at: date_time(locale, e.at, tz),
                text: event_text(tr, &catalog, tz, &e.kind, e.data.as_ref()),
                internal: e.visibility == Visibility::Internal,
                actor: match e.actor_id.and_then(|id| case.actors.get(&id)) {
                    Some(name) => name.clone(),
                    None => tr.t(&format!("actor.{}", e.actor_kind.as_str())).to_string(),
                },
            })
            .collect(),
        forms,
        hint: case
            .hint
            .as_ref()
            .map(|h| hint_line(tr, &catalog, h, &r.category_code)),
        done: done.and_then(|kind| match kind.as_str() {
            "taken" => Some(tr.t("leader.took_charge").to_string()),
            "agreement" => Some(tr.t("mediation.agreement_added").to_string()),
            kind => ActionKind::parse(kind).map(|k| tr.f("case.done", &[("action", action_label(tr, k))])),
        }),
        page,
    }
}
