//! `huiying seed-synthetic`: fills a catalogue with cases shaped like real work, to
//! measure the portal at a province's volume. Each case is filed by the catalogue's own
//! routing and worked through the workflow's own decisions (`decide`), so its timeline,
//! state and deadlines are ones the portal could have written; only the writing is bulk.
//! Case `i` of a seed depends on nothing but the seed and `i`, so a stopped load resumes
//! where it was and a finished one is never loaded twice.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::token::hash_token;
use super::workflow::Rules;
use crate::db::synthetic::{
    AttachmentRow, Batch, BookingRow, CaseRow, EventRow, LoadRecord, SupportRow, a_leader,
    a_worker_per_department, find_load, reception_days_on, reserve_case_ids, start_load, write_batch,
};
use crate::db::{Db, DbError};
use crate::domain::case::{ActorKind, CaseState, Channel, Role, Visibility};
use crate::domain::catalog::{Area, Catalog, Category};
use crate::domain::deadline::local_date;
use crate::domain::timeline::{EventData, GENESIS, NewEvent, chain};
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{
    Action, ActionInput, ActionKind, Actor, Facts, Reason, StaffActor, Status, decide,
};

/// Cases per transaction.
const BATCH: i64 = 5_000;

/// What to load.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub cases: i64,
    pub months: u32,
    pub seed: i64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Cases written by this run.
    pub added: i64,
    /// Cases of the seed stored before this run (a resumed or repeated load).
    pub before: i64,
    /// Steps the workflow refused (a story stops at a refusal): 0 on a sound catalogue.
    pub refused: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error("seed {seed} was loaded with --cases {cases} --months {months}; use those or another seed")]
    OtherPlan { seed: i64, cases: i64, months: i32 },
    #[error("the catalogue has no categories, areas or intake office to file cases under")]
    EmptyCatalogue,
    #[error("a synthetic step does not parse: {0}")]
    Step(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("tallying the review's figures failed: {0}")]
    Figures(String),
}

/// Loads `plan` into `db`, reporting the number of the seed's cases stored after each
/// batch. Generation runs on one thread, writing on another.
pub fn load(
    db: &Db,
    rules: Rules<'_>,
    plan: Plan,
    now: DateTime<Utc>,
    progress: &(dyn Fn(i64) + Sync),
) -> Result<Loaded, SyntheticError> {
    let mut conn = db.get()?;
    let record = match find_load(&mut conn, plan.seed)? {
        Some(r) if r.target != plan.cases || r.months != plan.months as i32 => {
            return Err(SyntheticError::OtherPlan {
                seed: r.seed,
                cases: r.target,
                months: r.months,
            });
        }
        Some(r) => r,
        None => {
            let record = LoadRecord {
                seed: plan.seed,
                target: plan.cases,
                months: plan.months as i32,
                loaded: 0,
                first_id: 0,
                anchored_at: now.naive_utc(),
            };
            crate::db::conn::write_transaction(&mut conn, |conn| {
                let record = LoadRecord {
                    first_id: reserve_case_ids(conn, plan.cases)?,
                    ..record
                };
                start_load(conn, &record)?;
                Ok::<_, DbError>(record)
            })?
        }
    };
    let shape = Shape::new(&mut conn, rules, &record)?;
    let before = record.loaded;
    if before < plan.cases {
        // Until the review's figures are tallied afresh below (or at the next start).
        crate::db::figures::mark_built(&mut conn, false)?;
    }
    progress(before);
    let refused = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| -> Result<(), SyntheticError> {
        let (send, receive) = std::sync::mpsc::sync_channel::<(i64, Batch)>(2);
        let (shape, refused) = (&shape, &refused);
        scope.spawn(move || {
            let mut start = before;
            while start < plan.cases {
                let end = (start + BATCH).min(plan.cases);
                let mut batch = Batch::default();
                for i in start..end {
                    refused.fetch_add(shape.case(i, &mut batch), std::sync::atomic::Ordering::Relaxed);
                }
                if send.send((end, batch)).is_err() {
                    return; // the writer stopped on an error
                }
                start = end;
            }
        });
        for (end, batch) in receive {
            crate::db::conn::write_transaction(&mut conn, |conn| write_batch(conn, plan.seed, end, &batch))?;
            progress(end);
        }
        Ok(())
    })?;
    drop(conn);
    // The rebuild ends with fresh planner statistics for everything just written.
    if before < plan.cases {
        super::figures::rebuild(db, rules.tz, &|_| {}).map_err(|e| SyntheticError::Figures(e.to_string()))?;
    }
    Ok(Loaded {
        added: plan.cases - before,
        before,
        refused: refused.into_inner(),
    })
}

/// Everything a case is drawn from, prepared once.
struct Shape<'a> {
    rules: Rules<'a>,
    seed: i64,
    cases: i64,
    first_id: i64,
    start: DateTime<Utc>,
    span_secs: f64,
    now: DateTime<Utc>,
    categories: Vec<&'a Category>,
    areas: Vec<(&'a Area, Vec<&'a str>)>,
    workers: std::collections::HashMap<String, i32>,
    /// Past reception days, oldest first.
    days: Vec<(i32, NaiveDate)>,
    steps: Steps,
}

/// The workflow steps a story uses, parsed once.
struct Steps {
    not_accept: Reason,
    answers: Vec<Action>,
    review_answer: Action,
    satisfied: Action,
    basically: Action,
    unsatisfied: Action,
    review: Action,
    note: Action,
}

fn step(kind: ActionKind, input: ActionInput) -> Result<Action, SyntheticError> {
    Action::parse(kind, &input).map_err(|e| SyntheticError::Step(format!("{kind}: {e:?}")))
}

impl Steps {
    fn new() -> Result<Steps, SyntheticError> {
        let answer = |outcome: &str, text: &str| {
            step(
                ActionKind::Answer,
                ActionInput {
                    outcome: outcome.into(),
                    text: text.into(),
                    legal_basis: "《信访工作条例》第三十三条".into(),
                    ..ActionInput::default()
                },
            )
        };
        let rate = |rating: &str, comment: &str| {
            step(
                ActionKind::Evaluate,
                ActionInput {
                    rating: rating.into(),
                    comment: comment.into(),
                    ..ActionInput::default()
                },
            )
        };
        let review_answer = step(
            ActionKind::AnswerReview,
            ActionInput {
                outcome: "explained".into(),
                text: "经复查，原处理意见认定事实清楚，处理恰当，予以维持。".into(),
                legal_basis: "《信访工作条例》第三十五条".into(),
                ..ActionInput::default()
            },
        )?;
        Ok(Steps {
            not_accept: Reason::parse("该事项依法应通过其他法定途径解决，请按告知的途径办理。")
                .map_err(|e| SyntheticError::Step(format!("reason: {e:?}")))?,
            answers: vec![
                answer("supported", "经现场核查，反映情况属实，已责成有关单位整改完毕。")?,
                answer(
                    "explained",
                    "经调查核实，相关做法符合规定，现将有关政策解释如下。",
                )?,
                answer(
                    "not_supported",
                    "经核查，所反映问题缺乏事实依据，不予支持，特此答复。",
                )?,
            ],
            review_answer,
            satisfied: rate("satisfied", "处理及时，谢谢。")?,
            basically: rate("basically_satisfied", "")?,
            unsatisfied: rate("unsatisfied", "问题没有真正解决。")?,
            review: step(
                ActionKind::RequestReview,
                ActionInput {
                    reason: "答复未解决实际问题，申请复查。".into(),
                    ..ActionInput::default()
                },
            )?,
            note: step(
                ActionKind::Note,
                ActionInput {
                    text: "已电话联系信访人，约定现场查看时间。".into(),
                    ..ActionInput::default()
                },
            )?,
        })
    }
}

const NAMES: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐明", "孙丽",
];
const SUBJECTS: &[&str] = &["问题反映", "投诉", "求助", "建议", "情况反映", "长期未解决"];
const DETAILS: &[&str] = &[
    "这个问题已经持续了一个多月，多次向社区反映仍未解决，影响周边居民正常生活。",
    "附近居民意见很大，希望有关部门尽快到现场查看并依法处理。",
    "我们曾拨打过热线电话，但至今没有收到任何答复，特此在网上反映。",
    "问题主要集中在早晚高峰时段，老人和孩子出行都很不方便。",
];

impl<'a> Shape<'a> {
    fn new(
        conn: &mut crate::db::DbConn,
        rules: Rules<'a>,
        record: &LoadRecord,
    ) -> Result<Shape<'a>, SyntheticError> {
        let catalog: &'a Catalog = rules.catalog;
        if !catalog.is_set_up() {
            return Err(SyntheticError::EmptyCatalogue);
        }
        let reports = catalog.report_categories();
        let categories: Vec<&Category> = catalog
            .categories
            .iter()
            .filter(|c| c.active && !reports.contains(&c.code))
            .collect();
        let areas: Vec<(&Area, Vec<&str>)> = catalog
            .areas
            .iter()
            .filter(|a| a.active && catalog.area_children(&a.code).next().is_none())
            .filter_map(|a| catalog.area_path(&a.code).map(|path| (a, path)))
            .collect();
        if categories.is_empty() || areas.is_empty() {
            return Err(SyntheticError::EmptyCatalogue);
        }
        let now = record.anchored_at.and_utc();
        let span = Duration::days(i64::from(record.months) * 365 / 12);
        let start = now - span;
        // A reception day on the 15th of every month of the span, held by the first leader.
        let days = match a_leader(conn)? {
            Some(leader) => {
                let mut wanted = Vec::new();
                let mut day = NaiveDate::from_ymd_opt(start.year(), start.month(), 15);
                while let Some(d) = day.filter(|d| *d < local_date(now, rules.tz)) {
                    wanted.push(d);
                    day = d.checked_add_months(chrono::Months::new(1));
                }
                crate::db::conn::write_transaction(conn, |conn| {
                    reception_days_on(conn, leader, &wanted, "县信访接待中心", now.naive_utc())
                })?
            }
            None => Vec::new(),
        };
        Ok(Shape {
            rules,
            seed: record.seed,
            cases: record.target,
            first_id: record.first_id,
            start,
            span_secs: span.num_seconds() as f64,
            now,
            categories,
            areas,
            workers: a_worker_per_department(conn)?.into_iter().collect(),
            days,
            steps: Steps::new()?,
        })
    }

    fn staff(&self, department: &str) -> Actor {
        Actor::Staff(StaffActor {
            user_id: self.workers.get(department).copied().unwrap_or(0),
            role: Role::Staff,
            department: Some(department.to_string()),
        })
    }

    /// Generates case `i` into `batch`; returns 1 if the workflow refused a step.
    fn case(&self, i: i64, batch: &mut Batch) -> u64 {
        let mut rng =
            StdRng::seed_from_u64((self.seed as u64) ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let id = self.first_id + i;
        let fraction = (i as f64 + rng.random::<f64>()) / self.cases.max(1) as f64;
        let filed = self.start + Duration::seconds((fraction * self.span_secs) as i64);
        // A few categories and areas draw most cases: squares skew to the front.
        let category = self.categories[skewed(&mut rng, self.categories.len(), 3)];
        let (area, path) = &self.areas[skewed(&mut rng, self.areas.len(), 2)];
        let routing = self.rules.catalog.route_case(&category.code, path, None);
        let department = routing.department_code.clone();
        let channel = match rng.random_range(0..100) {
            0..70 => Channel::Web,
            70..80 => Channel::Api,
            80..92 => Channel::Phone,
            92..97 => Channel::Letter,
            _ => Channel::Visit,
        };
        let ctx = self.rules.context(&category.code, filed);
        let acceptance_due = ctx.due(filed, ctx.policy.acceptance_days);
        let mut events = vec![
            NewEvent {
                data: EventData::Received {
                    channel,
                    contacted_at: None,
                    via: None,
                },
                visibility: Visibility::Public,
                actor_kind: match channel {
                    Channel::Web | Channel::Api => ActorKind::Resident,
                    _ => ActorKind::Staff,
                },
                actor_id: None,
                at: filed,
            },
            NewEvent {
                data: EventData::Routed {
                    department: department.clone(),
                    reason: routing.reason.clone(),
                },
                visibility: Visibility::Public,
                actor_kind: ActorKind::System,
                actor_id: None,
                at: filed,
            },
        ];
        let mut status = Status {
            state: CaseState::Routed,
            department: department.clone(),
            due_at: Some(acceptance_due),
            answer_due_at: None,
            objection_from: None,
            extension: None,
        };
        let confidential = rng.random_bool(0.03);
        let refused = self.work(&mut rng, category, confidential, &mut status, &mut events, filed);
        let evaluated_unsatisfied = events
            .iter()
            .any(|e| matches!(e.data, EventData::Evaluated { rating, .. } if rating == crate::domain::case::Rating::Unsatisfied));
        let answered_at = events
            .iter()
            .find(|e| matches!(e.data, EventData::Answered { .. }))
            .map(|e| e.at);
        let last_at = events.last().map(|e| e.at).unwrap_or(filed);

        let chained = chain(self.rules.chain_key, id, 0, GENESIS, events);
        let (head_seq, head_hash) = chained
            .last()
            .map(|e| (e.seq, e.hash.clone()))
            .unwrap_or((0, GENESIS.to_string()));
        let publish = !confidential && rng.random_bool(0.6);
        let name = NAMES[rng.random_range(0..NAMES.len())];
        batch.cases.push(CaseRow {
            id,
            tracking_number: TrackingNumber::new(local_date(filed, self.rules.tz), id)
                .as_str()
                .to_string(),
            state: status.state.as_str(),
            channel: channel.as_str(),
            category_code: category.code.clone(),
            area_code: area.code.clone(),
            department_code: status.department.clone(),
            routing_rule_id: routing.rule_id(),
            title: format!(
                "{}{}",
                category.names.zh,
                SUBJECTS[rng.random_range(0..SUBJECTS.len())]
            ),
            description: format!(
                "{}附近{}方面的问题。{}",
                area.names.zh,
                category.names.zh,
                DETAILS[rng.random_range(0..DETAILS.len())]
            ),
            address: Some(format!("{}{}号", area.names.zh, rng.random_range(1..300))),
            resident_name: name,
            resident_phone: Some(format!("139{:08}", i % 100_000_000)),
            resident_email: rng
                .random_bool(0.6)
                .then(|| format!("r{i}.s{}@synthetic.example", self.seed)),
            locale: if rng.random_bool(0.9) { "zh-CN" } else { "en" },
            confidential,
            publish_consent: publish,
            access_token_hash: hash_token(&format!("synthetic-{}-{i}", self.seed)),
            submitted_at: filed.naive_utc(),
            updated_at: last_at.naive_utc(),
            acceptance_due_at: Some(acceptance_due.naive_utc()),
            due_at: status.due_at.map(|t| t.naive_utc()),
            answer_due_at: status.answer_due_at.map(|t| t.naive_utc()),
            extension_state: status.extension.map(|e| e.as_str()),
            last_event_seq: head_seq,
            last_event_hash: head_hash,
        });
        batch.events.extend(chained.into_iter().map(|e| EventRow {
            case_id: e.case_id,
            seq: e.seq,
            kind: e.kind,
            visibility: e.visibility.as_str(),
            actor_kind: e.actor_kind.as_str(),
            actor_id: e.actor_id,
            payload: e.payload,
            created_at: e.at.naive_utc(),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }));
        if publish && rng.random_bool(0.03) {
            for k in 0..rng.random_range(1..4) {
                let at = filed + Duration::hours(1 + k);
                batch.supports.push(SupportRow {
                    case_id: id,
                    email: format!("s{i}.{k}.s{}@synthetic.example", self.seed),
                    locale: "zh-CN",
                    created_at: at.naive_utc(),
                    confirmed_at: Some((at + Duration::minutes(5)).naive_utc()),
                });
            }
        }
        if rng.random_bool(0.1) {
            batch.attachments.push(AttachmentRow {
                case_id: id,
                stored_name: format!("synthetic-{id}-1"),
                display_name: "现场照片.jpg",
                content_type: "image/jpeg",
                size_bytes: rng.random_range(50_000..3_000_000),
                sha256: format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    rng.random::<u64>(),
                    rng.random::<u64>(),
                    rng.random::<u64>(),
                    rng.random::<u64>()
                ),
                created_at: filed.naive_utc(),
            });
        }
        if let (true, Some(answered)) = (evaluated_unsatisfied, answered_at)
            && rng.random_bool(0.3)
            && let Some((day_id, day)) = self
                .days
                .iter()
                .find(|(_, d)| *d > local_date(answered, self.rules.tz))
        {
            let met = self
                .rules
                .tz
                .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap_or_default())
                .single()
                .map(|t| t.with_timezone(&Utc));
            batch.bookings.push(BookingRow {
                day_id: *day_id,
                case_id: id,
                booked_at: (answered + Duration::days(1)).naive_utc(),
                attended: Some(true),
                outcome: Some("当面听取意见，已交办复查。"),
                met_at: met.map(|t| t.naive_utc()),
            });
        }
        refused
    }

    /// Works the case through its story as far as `now`; returns 1 if a step was refused.
    fn work(
        &self,
        rng: &mut StdRng,
        kind: &Category,
        confidential: bool,
        status: &mut Status,
        events: &mut Vec<NewEvent>,
        filed: DateTime<Utc>,
    ) -> u64 {
        let (s, category) = (&self.steps, kind.code.as_str());
        // Not accepted only where the category names the lawful channel to go to instead.
        let fate = match rng.random_range(0..100) {
            0..3 if kind.channel_codes.is_empty() => 100,
            fate => fate,
        };
        let accept_days = if rng.random_bool(0.08) {
            rng.random_range(4..10)
        } else {
            rng.random_range(1..4)
        };
        let mut at = filed;
        let mut plan: Vec<(Duration, Option<Action>)> = Vec::new();
        match fate {
            0..3 => plan.push((
                Duration::days(rng.random_range(1..4)),
                Some(Action::NotAccept {
                    reason: s.not_accept.clone(),
                    channel: kind.channel_codes[0].clone(),
                }),
            )),
            3..5 => plan.push((Duration::days(rng.random_range(1..6)), Some(Action::Withdraw))),
            _ => {
                plan.push((Duration::days(accept_days), Some(Action::Accept)));
                if rng.random_bool(0.1) {
                    plan.push((Duration::hours(3), Some(s.note.clone())));
                }
                plan.push((Duration::days(1), Some(Action::Start)));
                let answer = s.answers[rng.random_range(0..s.answers.len())].clone();
                // One in twenty is answered late, past its deadline.
                let answer_days = if rng.random_bool(0.05) {
                    rng.random_range(40..90)
                } else {
                    rng.random_range(3..25)
                };
                plan.push((Duration::days(answer_days), Some(answer)));
                if rng.random_bool(0.7) {
                    let rating = match rng.random_range(0..100) {
                        0..60 => s.satisfied.clone(),
                        60..88 => s.basically.clone(),
                        _ => s.unsatisfied.clone(),
                    };
                    let unsatisfied = matches!(&rating, Action::Evaluate { rating, .. } if *rating == crate::domain::case::Rating::Unsatisfied);
                    plan.push((Duration::days(rng.random_range(1..8)), Some(rating)));
                    if unsatisfied && rng.random_bool(0.5) {
                        plan.push((Duration::days(rng.random_range(1..10)), Some(s.review.clone())));
                        plan.push((Duration::days(rng.random_range(1..4)), Some(Action::AcceptReview)));
                        plan.push((
                            Duration::days(rng.random_range(5..20)),
                            Some(s.review_answer.clone()),
                        ));
                        // At most ten events: a reviewed case has no note.
                        plan.retain(|(_, a)| !matches!(a, Some(Action::Note { .. })));
                    }
                }
                // Whatever is left open closes when its window has passed.
                plan.push((Duration::zero(), None));
            }
        }
        for (after, action) in plan {
            if status.state.is_terminal() {
                break;
            }
            let action = match action {
                Some(a) => {
                    at += after;
                    a
                }
                None => match status.due_at {
                    Some(due) => {
                        at = at.max(due) + Duration::hours(1);
                        Action::CloseExpired
                    }
                    None => break,
                },
            };
            if at > self.now {
                break;
            }
            let actor = match action.kind() {
                ActionKind::Evaluate | ActionKind::RequestReview | ActionKind::Withdraw => Actor::Resident,
                ActionKind::CloseExpired => Actor::System,
                _ => self.staff(&status.department),
            };
            let timeline: Vec<(DateTime<Utc>, EventData)> =
                events.iter().map(|e| (e.at, e.data.clone())).collect();
            let facts = Facts::from_timeline(status.clone(), category.to_string(), confidential, &timeline);
            let decision = match decide(&actor, &action, &facts, &self.rules.context(category, at)) {
                Ok(decision) => decision,
                Err(denial) => {
                    tracing::debug!(step = %action.kind(), state = %status.state, ?denial, "synthetic step refused");
                    return 1;
                }
            };
            let (actor_kind, actor_id) = match &actor {
                Actor::Resident => (ActorKind::Resident, None),
                Actor::Staff(s) => (ActorKind::Staff, Some(s.user_id)),
                Actor::System => (ActorKind::System, None),
            };
            events.extend(decision.events.into_iter().map(|(data, visibility)| NewEvent {
                data,
                visibility,
                actor_kind,
                actor_id,
                at,
            }));
            *status = decision.status;
        }
        0
    }
}

/// An index below `len`, skewed to the front by the power `p`.
fn skewed(rng: &mut StdRng, len: usize, p: i32) -> usize {
    ((rng.random::<f64>().powi(p) * len as f64) as usize).min(len - 1)
}
