//! Routing suggestions: training the model on the routed history, keeping it in the
//! database, suggesting from text, and the administrator's figures and switch.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::ServiceError;
use super::caller::Caller;
use crate::app::App;
use crate::app::suggester::Loaded;
use crate::db::DbConn;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::permissions::Duty;
use crate::domain::suggest::{Example, Figures, Model, NotEnough, Scored, Suggestion, Training, hint, label};
use crate::domain::timeline::EventData;

/// The newest cases a training reads: enough to learn a county's language, bounded so
/// a nightly training stays a matter of seconds.
const HISTORY: i64 = 20_000;
/// Longest text a suggestion reads (the form's own limit is the description's).
const MAX_TEXT: usize = 5_000;

/// A suggested label with its name in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
    pub score: f32,
}

/// A suggestion as pages and the API show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub categories: Vec<Named>,
    pub departments: Vec<Named>,
    pub terms: Vec<String>,
}

impl SuggestionView {
    fn of(s: Suggestion, catalog: &Catalog, locale: Locale) -> SuggestionView {
        let named = |v: Vec<Scored>, name: &dyn Fn(&str) -> Option<String>| -> Vec<Named> {
            v.into_iter()
                .filter_map(|s| {
                    name(&s.code).map(|name| Named {
                        code: s.code,
                        name,
                        score: (s.score * 1000.0).round() / 1000.0,
                    })
                })
                .collect()
        };
        SuggestionView {
            // Only what the form and the workspace still offer: a label the catalogue no
            // longer has, or a report about officials, is never suggested.
            categories: named(s.categories, &|c| {
                catalog
                    .category(c)
                    .filter(|c| c.supervisor.is_none())
                    .map(|c| c.names.get(locale).to_string())
            }),
            departments: named(s.departments, &|d| {
                catalog
                    .department(d)
                    .filter(|d| !d.is_intake)
                    .map(|d| d.names.get(locale).to_string())
            }),
            terms: s.terms,
        }
    }
}

/// The model in force on this instance, reloaded when another instance trained a newer
/// one; None while suggestions are off or no model exists.
pub async fn model(app: &App) -> Result<Option<Arc<Model>>, ServiceError> {
    let (loaded, fresh) = app.suggester.current();
    if fresh {
        return Ok(loaded.model.filter(|_| loaded.on));
    }
    let known = loaded.clone();
    let next = app
        .read(move |conn, _, _| {
            let (version, on) = crate::db::suggest::version(conn)?;
            // The same version: keep what was loaded (or found unreadable) for it.
            if version == known.version {
                return Ok::<_, ServiceError>(Loaded { on, ..known });
            }
            // A model that cannot be read suggests nothing (and is not read again until a
            // new one is trained): pages that show suggestions work on without them.
            let model = match version {
                Some(v) => crate::db::suggest::model_text(conn, v)?
                    .and_then(|text| {
                        parse(&text)
                            .inspect_err(
                                |e| tracing::error!(version = v, error = %e, "routing model unreadable"),
                            )
                            .ok()
                    })
                    .map(Arc::new),
                None => None,
            };
            Ok(Loaded { version, on, model })
        })
        .await?;
    app.suggester.store(next.clone());
    Ok(next.model.filter(|_| next.on))
}

fn parse(text: &str) -> Result<Model, ServiceError> {
    let mut model: Model = serde_json::from_str(text)
        .map_err(|e| ServiceError::Internal(format!("stored routing model: {e}")))?;
    model.category.vectorizer.reindex();
    model.department.vectorizer.reindex();
    // The segmenter's dictionary loads here, off the async threads, not in a request.
    crate::domain::suggest::features::warm_up();
    Ok(model)
}

/// What the model makes of `text`; empty when there is no model, suggestions are off,
/// or nothing in the text is known. Public: it is the published responsibility.
pub async fn suggest(app: &App, text: &str, locale: Locale) -> Result<SuggestionView, ServiceError> {
    let text: String = text.chars().take(MAX_TEXT).collect();
    let Some(model) = model(app).await? else {
        return Ok(SuggestionView::default());
    };
    Ok(SuggestionView::of(model.suggest(&text), &app.catalog(), locale))
}

/// The model's suggestion, keeping only what staff may choose: departments other than
/// the intake office, categories other than reports about officials.
fn offered(model: &Model, catalog: &Catalog, text: &str) -> Suggestion {
    let mut s = model.suggest(text);
    s.departments
        .retain(|d| catalog.department(&d.code).is_some_and(|d| !d.is_intake));
    s.categories
        .retain(|c| catalog.category(&c.code).is_some_and(|c| c.supervisor.is_none()));
    s
}

/// The hint for whoever looks at this case (None without a model, for reports about
/// officials, and where there is nothing useful to say).
pub async fn hint_for(
    app: &App,
    case: &super::workflow::StaffCase,
) -> Result<Option<hint::Hint>, ServiceError> {
    use crate::domain::workflow::ActionKind as K;
    if case.facts.concerned.is_some() {
        return Ok(None);
    }
    let Some(model) = model(app).await? else {
        return Ok(None);
    };
    let catalog = app.catalog();
    if catalog
        .category(&case.case.category_code)
        .is_some_and(|c| c.supervisor.is_some())
    {
        return Ok(None);
    }
    let s = offered(
        &model,
        &catalog,
        &format!("{}\n{}", case.case.title, case.case.description),
    );
    let may = |k: K| case.available.contains(&k);
    Ok(hint::hint(
        &s,
        hint::Holder {
            department: &case.case.department_code,
            may_reroute: may(K::Reroute),
            may_send_away: may(K::Object) || may(K::Transfer),
        },
    ))
}

/// The intake office's triage queue: where the model places each case it holds.
pub async fn triage(
    app: &App,
    intake: &str,
    lines: &mut [super::queue::QueueLine],
) -> Result<(), ServiceError> {
    if !lines.iter().any(|l| l.department_code == intake) {
        return Ok(());
    }
    let Some(model) = model(app).await? else {
        return Ok(());
    };
    let catalog = app.catalog();
    let version = app.suggester.current().0.version;
    let key = |line: &super::queue::QueueLine| {
        let at = Arc::as_ptr(&catalog) as usize;
        (
            version,
            at,
            line.tracking_number.clone(),
            line.category_code.clone(),
        )
    };
    let mut unknown = Vec::new();
    for line in lines.iter_mut().filter(|l| l.department_code == intake) {
        match app.suggester.hint(&key(line)) {
            Some(hint) => line.suggested = hint,
            None => unknown.push(line.tracking_number.clone()),
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let texts = app
        .read(move |conn, _, _| Ok::<_, ServiceError>(crate::db::suggest::texts(conn, &unknown)?))
        .await?;
    for line in lines.iter_mut() {
        let Some((_, title, description)) = texts.iter().find(|(n, _, _)| *n == line.tracking_number) else {
            continue;
        };
        let supervised = catalog
            .category(&line.category_code)
            .is_some_and(|c| c.supervisor.is_some());
        line.suggested = if supervised {
            None
        } else {
            let s = offered(&model, &catalog, &format!("{title}\n{description}"));
            hint::hint(
                &s,
                hint::Holder {
                    department: intake,
                    may_reroute: true,
                    may_send_away: false,
                },
            )
        };
        app.suggester.remember_hint(key(line), line.suggested.clone());
    }
    Ok(())
}

/// Reads the routed history: each case's text with the category it has now and the
/// department that handled it.
pub fn history(conn: &mut DbConn, catalog: &Catalog) -> Result<Vec<Example>, ServiceError> {
    let reports: Vec<String> = catalog
        .categories
        .iter()
        .filter(|c| c.supervisor.is_some())
        .map(|c| c.code.clone())
        .collect();
    let rows = crate::db::suggest::history(conn, &reports, HISTORY)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut events: std::collections::HashMap<i64, Vec<EventData>> = std::collections::HashMap::new();
    for e in crate::db::cases::events_of_cases(conn, &ids)? {
        if let Ok(data) = serde_json::from_str::<EventData>(&e.payload) {
            events.entry(e.case_id).or_default().push(data);
        }
    }
    // Oldest first, so the held-back slice is spread evenly over time.
    Ok(rows
        .into_iter()
        .rev()
        .filter_map(|r| {
            let department = label::handling_department(events.get(&r.id)?)?;
            Some(Example {
                text: format!("{}\n{}", r.title, r.description),
                category: r.category_code,
                department,
            })
        })
        .collect())
}

/// What a training did.
#[derive(Debug, Clone, PartialEq)]
pub enum Trained {
    Model { version: i32, figures: Figures },
    NotEnough(NotEnough),
}

/// Trains on the routed history and puts the model in force on every instance.
#[tracing::instrument(name = "job.routing_training", skip(app))]
pub async fn train(app: &App) -> Result<Trained, ServiceError> {
    let examples = app.read(|conn, rules, _| history(conn, rules.catalog)).await?;
    let min_cases = app.settings.suggest_min_cases;
    let cases = examples.len();
    let trained =
        tokio::task::spawn_blocking(move || Model::train(&examples, min_cases, Training::default()))
            .await
            .map_err(|e| ServiceError::Internal(format!("training stopped: {e}")))?;
    let outcome = match trained {
        Ok(model) => {
            let text = serde_json::to_string(&model).map_err(|e| ServiceError::Internal(e.to_string()))?;
            let figures = model.figures.clone();
            let figures_text =
                serde_json::to_string(&figures).map_err(|e| ServiceError::Internal(e.to_string()))?;
            let version = app
                .write(move |conn, _, now| {
                    let v = crate::db::suggest::save_model(
                        conn,
                        now.naive_utc(),
                        cases as i32,
                        &figures_text,
                        &text,
                    )?;
                    crate::db::suggest::request_training(conn, None)?;
                    Ok::<_, ServiceError>(v)
                })
                .await?;
            tracing::info!(
                version,
                cases,
                top1 = figures.category_top1,
                "routing model trained"
            );
            Trained::Model { version, figures }
        }
        Err(not_enough) => {
            app.write(|conn, _, _| Ok::<_, ServiceError>(crate::db::suggest::request_training(conn, None)?))
                .await?;
            tracing::info!(%not_enough, "routing model not trained");
            Trained::NotEnough(not_enough)
        }
    };
    app.suggester.forget_check();
    Ok(outcome)
}

/// Whether the worker should train now: an administrator asked, or nightly (this worker
/// has not tried for a day and the model in force, if any, is most of a day old).
pub async fn training_due(
    app: &App,
    now: DateTime<Utc>,
    last_attempt: Option<DateTime<Utc>>,
) -> Result<bool, ServiceError> {
    app.read(move |conn, _, _| {
        let (_, requested) = crate::db::suggest::settings(conn)?;
        if requested.is_some() {
            return Ok(true);
        }
        let latest = crate::db::suggest::latest(conn)?;
        Ok(last_attempt.is_none_or(|t| now - t >= Duration::hours(24))
            && latest.is_none_or(|m| now.naive_utc() - m.trained_at >= Duration::hours(20)))
    })
    .await
}

/// The administrator's view of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelStatus {
    pub on: bool,
    pub training_requested: Option<DateTime<Utc>>,
    pub version: Option<i32>,
    pub trained_at: Option<DateTime<Utc>>,
    pub cases: usize,
    pub figures: Option<Figures>,
    pub min_cases: usize,
}

pub async fn status(app: &App, caller: &Caller) -> Result<ModelStatus, ServiceError> {
    super::require(caller.staff()?, Duty::Administer)?;
    let min_cases = app.settings.suggest_min_cases;
    app.read(move |conn, _, _| {
        let (on, requested) = crate::db::suggest::settings(conn)?;
        let latest = crate::db::suggest::latest(conn)?;
        Ok(ModelStatus {
            on,
            training_requested: requested.map(|t| t.and_utc()),
            version: latest.as_ref().map(|m| m.id),
            trained_at: latest.as_ref().map(|m| m.trained_at.and_utc()),
            cases: latest.as_ref().map(|m| m.cases.max(0) as usize).unwrap_or(0),
            figures: latest.and_then(|m| serde_json::from_str(&m.figures).ok()),
            min_cases,
        })
    })
    .await
}

/// Turns suggestions on or off everywhere.
pub async fn switch(app: &App, caller: &Caller, on: bool) -> Result<(), ServiceError> {
    super::require(caller.staff()?, Duty::Administer)?;
    app.write(move |conn, _, _| Ok::<_, ServiceError>(crate::db::suggest::set_suggestions(conn, on)?))
        .await?;
    app.suggester.forget_check();
    Ok(())
}

/// Asks the worker to train at its next round.
pub async fn request_training(app: &App, caller: &Caller) -> Result<(), ServiceError> {
    super::require(caller.staff()?, Duty::Administer)?;
    app.write(|conn, _, now| {
        Ok::<_, ServiceError>(crate::db::suggest::request_training(conn, Some(now.naive_utc()))?)
    })
    .await
}
