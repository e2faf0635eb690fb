//! The demo city's cases (`src/demo/cases.toml`): invented complaints filed and worked
//! through the same use cases as real ones, each step at its own time in the past, so a
//! first run has queues, timelines and a monthly review with something in them.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::ServiceError;
use super::auth::StaffUser;
use super::file_case::{FilingOptions, file_case};
use super::workflow::{Rules, act};
use crate::db::DbConn;
use crate::db::cases::CaseIds;
use crate::domain::case::Channel;
use crate::domain::locale::Locale;
use crate::domain::new_case::{CaseInput, NewCase, ResidentInput};
use crate::domain::workflow::{Action, ActionInput, ActionKind, Actor};
use crate::notify::seal::Sealer;

const CASES: &str = include_str!("../demo/cases.toml");

#[derive(Deserialize)]
struct DemoCases {
    case: Vec<Story>,
}

/// How far a demo case has got.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Fate {
    Waiting,
    Accepted,
    NotAccepted,
    Answered,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Story {
    days_ago: i64,
    category: String,
    area: String,
    title: String,
    description: String,
    address: Option<String>,
    name: String,
    phone: String,
    #[serde(default)]
    publish: bool,
    fate: Fate,
    accept_after: Option<i64>,
    reason: Option<String>,
    channel: Option<String>,
    answer_after: Option<i64>,
    outcome: Option<String>,
    answer: Option<String>,
    basis: Option<String>,
    rating: Option<String>,
    comment: Option<String>,
}

/// Who works a department's demo cases: the demo account of that department.
const WORKERS: &[(&str, &str)] = &[
    ("environment", "env"),
    ("transport", "transport"),
    ("qingshan", "qingshan"),
    ("housing", "housing"),
    ("market", "market"),
];

/// One step of a story: who, what, when.
struct Step {
    after: Duration,
    by: Option<&'static str>,
    kind: ActionKind,
    input: ActionInput,
}

impl Story {
    fn steps(&self) -> Vec<Step> {
        let staff = |after: i64, kind, input| Step {
            after: Duration::days(after),
            by: Some("department"),
            kind,
            input,
        };
        let accept_after = self.accept_after.unwrap_or(2);
        let accept = staff(accept_after, ActionKind::Accept, ActionInput::default());
        match self.fate {
            Fate::Waiting => vec![],
            Fate::Accepted => vec![accept],
            Fate::NotAccepted => vec![staff(
                2,
                ActionKind::NotAccept,
                ActionInput {
                    reason: self.reason.clone().unwrap_or_default(),
                    channel: self.channel.clone().unwrap_or_default(),
                    ..ActionInput::default()
                },
            )],
            Fate::Answered => {
                let answered = self.answer_after.unwrap_or(15);
                let mut steps = vec![
                    accept,
                    staff(accept_after + 1, ActionKind::Start, ActionInput::default()),
                    staff(
                        answered,
                        ActionKind::Answer,
                        ActionInput {
                            outcome: self.outcome.clone().unwrap_or_default(),
                            text: self.answer.clone().unwrap_or_default(),
                            legal_basis: self.basis.clone().unwrap_or_default(),
                            ..ActionInput::default()
                        },
                    ),
                ];
                if let Some(rating) = &self.rating {
                    steps.push(Step {
                        after: Duration::days(answered + 2),
                        by: None,
                        kind: ActionKind::Evaluate,
                        input: ActionInput {
                            rating: rating.clone(),
                            comment: self.comment.clone().unwrap_or_default(),
                            ..ActionInput::default()
                        },
                    });
                }
                steps
            }
        }
    }

    fn input(&self, index: usize) -> CaseInput {
        CaseInput {
            category: self.category.clone(),
            area: self.area.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            address: self.address.clone(),
            resident: ResidentInput {
                name: self.name.clone(),
                phone: Some(self.phone.clone()),
                email: Some(format!("resident{:02}@mail.linjiang.example", index + 1)),
            },
            publish_consent: self.publish,
            ..CaseInput::default()
        }
    }
}

fn invalid(what: String) -> ServiceError {
    ServiceError::Internal(format!("demo cases: {what}"))
}

/// Files the demo cases as of `now` and carries each as far as its story and the time
/// allow. Returns how many cases were filed.
pub fn seed_demo_cases(
    conn: &mut DbConn,
    ids: &CaseIds,
    rules: Rules<'_>,
    sealer: &Sealer,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let stories: DemoCases = toml::from_str(CASES).map_err(|e| invalid(e.to_string()))?;
    let mut workers = std::collections::HashMap::new();
    for (department, username) in WORKERS {
        if let Some(record) = crate::db::users::find_by_username(conn, username)? {
            workers.insert(*department, StaffUser::from_record(record)?.actor());
        }
    }
    for (index, story) in stories.case.iter().enumerate() {
        // Spread within the day, so cases filed the same day keep their order.
        let filed_at = now - Duration::days(story.days_ago) - Duration::minutes(600 - 7 * index as i64);
        let case = NewCase::parse(&story.input(index), rules.catalog, Locale::ZhCn, Channel::Web)
            .map_err(|e| invalid(format!("case {}: {e:?}", index + 1)))?;
        let filed = file_case(
            conn,
            ids,
            rules,
            sealer,
            &case,
            &FilingOptions::default(),
            filed_at,
        )?;
        let department = filed.department.code.clone();
        for step in story.steps() {
            let at = filed_at + step.after;
            if at > now {
                break;
            }
            let actor = match step.by {
                None => Actor::Resident,
                Some(_) => workers
                    .get(department.as_str())
                    .cloned()
                    .ok_or_else(|| invalid(format!("case {}: nobody works {department}", index + 1)))?,
            };
            let action = Action::parse(step.kind, &step.input)
                .map_err(|e| invalid(format!("case {}, {}: {e:?}", index + 1, step.kind)))?;
            act(conn, rules, &actor, &filed.tracking_number, &action, at)?;
        }
        tracing::debug!(number = %filed.tracking_number, "demo case filed");
    }
    Ok(stories.case.len())
}

#[cfg(test)]
fn parse_all() -> Vec<Story> {
    let stories: DemoCases = toml::from_str(CASES).expect("demo cases parse");
    stories.case
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_story_is_complete_for_its_fate() {
        let stories = parse_all();
        assert!(stories.len() >= 20);
        for (i, s) in stories.iter().enumerate() {
            let steps = s.steps();
            for step in &steps {
                assert!(
                    Action::parse(step.kind, &step.input).is_ok(),
                    "case {}: {}",
                    i + 1,
                    step.kind
                );
            }
            match s.fate {
                Fate::Waiting => assert!(steps.is_empty()),
                Fate::NotAccepted => assert!(s.reason.is_some() && s.channel.is_some(), "case {}", i + 1),
                Fate::Answered => assert!(
                    s.answer_after.is_some_and(|a| a <= s.days_ago),
                    "case {}: answered within its age",
                    i + 1
                ),
                Fate::Accepted => {}
            }
        }
    }

    #[test]
    fn steps_come_in_time_order() {
        // Stopping at the first step still to come leaves no later step done.
        for s in parse_all() {
            let steps = s.steps();
            assert!(steps.windows(2).all(|w| w[0].after <= w[1].after), "{}", s.title);
        }
    }
}
