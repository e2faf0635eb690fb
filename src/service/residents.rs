//! Residents after filing: accounts by email link (no password), the cases an account
//! holds, "me too" supports, and confirming a filing by email.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ServiceError;
use super::caller::{Caller, ResidentProof};
use super::token::{hash_token, new_token};
use super::workflow::{Rules, act};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{CaseRecord, find_by_id, find_by_tracking_number};
use crate::db::outbox::insert_notices;
use crate::db::residents::{self as store, NewLink};
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::locale::Locale;
use crate::domain::new_case::Email;
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{Action, Actor};
use crate::notify::mail::MailData;
use crate::notify::notices::notice;
use crate::notify::seal::Sealer;

/// How long a sign-in link works.
pub const SIGN_IN_MINUTES: i64 = 30;
/// How long a link to confirm a support or a filing works.
pub use crate::domain::workflow::CONFIRM_DAYS;
/// Links one address may be sent per hour: enough to retry, too few to flood a mailbox.
pub const LINKS_PER_HOUR: i64 = 5;

/// Why a one-time link was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    Support,
    ConfirmFiling,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::Support => "support",
            Purpose::ConfirmFiling => "confirm_filing",
        }
    }
}

/// A signed-in resident, as the session remembers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentAccount {
    pub id: i32,
    pub email: String,
}

/// An address as accounts and supports keep it: checked, trimmed, lower case.
pub fn parse_email(raw: &str) -> Result<String, ServiceError> {
    if raw.trim().is_empty() {
        return Err(invalid_email(FieldError::new("err.required")));
    }
    Email::parse(raw)
        .map(|e| e.as_str().to_lowercase())
        .map_err(invalid_email)
}

fn invalid_email(error: FieldError) -> ServiceError {
    ServiceError::Invalid(FieldErrors::single("email", error))
}

/// Charges a mail to an address the portal has never written to against the asking
/// client's budget (per client address and hour), so nobody can use the portal to mail
/// strangers in bulk. `Err` says how long to wait.
pub type NewAddressBudget = Box<dyn FnOnce() -> Result<(), ServiceError> + Send>;

/// A budget that never refuses (internal callers, tests).
pub fn unlimited() -> NewAddressBudget {
    Box::new(|| Ok(()))
}

/// Writes a one-time link and the mail that carries it (`mail` gets the sealed token).
#[allow(clippy::too_many_arguments)]
fn send_link(
    conn: &mut DbConn,
    sealer: &Sealer,
    purpose: Purpose,
    email: &str,
    case_id: Option<i64>,
    locale: Locale,
    valid_for: Duration,
    now: DateTime<Utc>,
    new_address: NewAddressBudget,
    mail: impl FnOnce(String) -> MailData,
) -> Result<String, ServiceError> {
    // A filing's own confirmation is limited with filings (per client address), not here.
    let limited = purpose != Purpose::ConfirmFiling;
    if limited
        && store::links_sent_since(conn, email, (now - Duration::hours(1)).naive_utc())? >= LINKS_PER_HOUR
    {
        return Err(ServiceError::TooManyAttempts {
            retry_after_secs: 3600,
        });
    }
    if limited && !store::mailed_before(conn, email)? {
        new_address()?;
    }
    let (token, token_hash) = new_token();
    store::insert_link(
        conn,
        &NewLink {
            purpose: purpose.as_str().into(),
            email: email.into(),
            token_hash,
            case_id,
            locale: locale.as_str().into(),
            created_at: now.naive_utc(),
            expires_at: (now + valid_for).naive_utc(),
        },
    )?;
    let data = mail(sealer.seal(&token));
    insert_notices(conn, &[notice(&data, email, locale, case_id, None, now)])?;
    Ok(token)
}

/// Mails a sign-in link to `email`. Whether an account exists is not revealed: the
/// account is made when the link is used.
pub fn request_sign_in(
    conn: &mut DbConn,
    sealer: &Sealer,
    email: &str,
    locale: Locale,
    now: DateTime<Utc>,
    new_address: NewAddressBudget,
) -> Result<(), ServiceError> {
    let email = parse_email(email)?;
    send_link(
        conn,
        sealer,
        Purpose::SignIn,
        &email,
        None,
        locale,
        Duration::minutes(SIGN_IN_MINUTES),
        now,
        new_address,
        |sealed_token| MailData::SignInLink { sealed_token },
    )?;
    Ok(())
}

/// Whether a link still works (for the page that asks to use it).
pub fn link_is_valid(
    conn: &mut DbConn,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    Ok(store::find_link(conn, &hash_token(token), purpose.as_str(), now.naive_utc())?.is_some())
}

/// Uses a link once; `NotFound` when it is unknown, used or expired.
fn take_link(
    conn: &mut DbConn,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<store::LinkRecord, ServiceError> {
    let link = store::find_link(conn, &hash_token(token), purpose.as_str(), now.naive_utc())?.ok_or(
        ServiceError::Conflict {
            key: "error.link_used",
        },
    )?;
    if !store::use_link(conn, link.id, now.naive_utc())? {
        return Err(ServiceError::Conflict {
            key: "error.link_used",
        });
    }
    Ok(link)
}

/// Signs in with a link: the account, made on first use.
pub fn sign_in(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> Result<ResidentAccount, ServiceError> {
    let link = take_link(conn, token, Purpose::SignIn, now)?;
    let record = store::upsert_resident(conn, &link.email, &link.locale, now.naive_utc())?;
    tracing::info!(resident = record.id, "resident signed in");
    Ok(ResidentAccount {
        id: record.id,
        email: record.email,
    })
}

/// The cases an account holds, newest first.
pub fn my_cases(conn: &mut DbConn, account: &ResidentAccount) -> Result<Vec<CaseRecord>, ServiceError> {
    Ok(store::cases_of(conn, account.id, &account.email)?)
}

/// Whether the account holds this case.
pub fn holds(conn: &mut DbConn, account: &ResidentAccount, case: &CaseRecord) -> Result<bool, ServiceError> {
    Ok(store::holds_case(conn, account.id, &account.email, case)?)
}

/// The resident's view of a case the account holds.
pub fn account_case(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    account: &ResidentAccount,
    now: DateTime<Utc>,
) -> Result<super::cases::ResidentCase, ServiceError> {
    let record = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    if !holds(conn, account, &record)? {
        return Err(ServiceError::Forbidden {
            key: "error.not_your_account_case",
        });
    }
    super::cases::resident_view(conn, rules, record, now)
}

/// Adds a case filed earlier to the account, proven by its private link.
pub fn link_case(
    conn: &mut DbConn,
    account: &ResidentAccount,
    number: &TrackingNumber,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let record = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    if !super::token::token_matches(token, &record.access_token_hash) {
        return Err(ServiceError::Forbidden {
            key: "error.bad_token",
        });
    }
    store::link_case(conn, account.id, record.id, now.naive_utc())?;
    Ok(())
}

/// What a support request led to. Nothing tells a stranger whether an address had
/// supported the case before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supported {
    /// A link was mailed (or had been); the support counts once it is followed.
    Pending,
    /// Counted at once (a signed-in resident supporting with their own address).
    Counted { count: i64 },
}

/// Whether a case takes supports: open, consented to publication, not a report about an
/// official.
pub fn supportable(catalog: &Catalog, case: &CaseRecord) -> bool {
    let open = CaseState::parse(&case.state).is_some_and(|s| !s.is_terminal() && s != CaseState::Unconfirmed);
    let report = catalog
        .category(&case.category_code)
        .is_some_and(|c| c.supervisor.is_some());
    open && case.publish_consent && !report
}

/// "Me too" on case `number` from `email`.
#[allow(clippy::too_many_arguments)]
pub fn support(
    conn: &mut DbConn,
    catalog: &Catalog,
    sealer: &Sealer,
    number: &TrackingNumber,
    email: &str,
    locale: Locale,
    account: Option<&ResidentAccount>,
    now: DateTime<Utc>,
    new_address: NewAddressBudget,
) -> Result<Supported, ServiceError> {
    let email = parse_email(email)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    if !supportable(catalog, &case) {
        return Err(ServiceError::Conflict {
            key: "error.not_supportable",
        });
    }
    if case
        .resident_email
        .as_deref()
        .is_some_and(|own| own.eq_ignore_ascii_case(&email))
    {
        return Err(ServiceError::Conflict {
            key: "error.own_case",
        });
    }
    let existing = store::find_support(conn, case.id, &email)?;
    if account.is_some_and(|a| a.email == email) {
        match existing {
            None => store::insert_support(conn, case.id, &email, locale.as_str(), now.naive_utc(), true)?,
            Some(s) if s.confirmed_at.is_none() => {
                store::confirm_support(conn, case.id, &email, now.naive_utc())?
            }
            Some(_) => {}
        }
        return Ok(Supported::Counted {
            count: store::support_count(conn, case.id)?,
        });
    }
    match existing {
        Some(s) if s.confirmed_at.is_some() => return Ok(Supported::Pending),
        Some(_) => {}
        None => store::insert_support(conn, case.id, &email, locale.as_str(), now.naive_utc(), false)?,
    }
    let tracking_number = case.tracking_number.clone();
    send_link(
        conn,
        sealer,
        Purpose::Support,
        &email,
        Some(case.id),
        locale,
        Duration::days(CONFIRM_DAYS),
        now,
        new_address,
        |sealed_token| MailData::SupportConfirm {
            number: tracking_number,
            sealed_token,
        },
    )?;
    Ok(Supported::Pending)
}

/// Follows a support link: the support counts. Returns the case and its count.
pub fn confirm_support(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(TrackingNumber, i64), ServiceError> {
    let link = take_link(conn, token, Purpose::Support, now)?;
    let case_id = link
        .case_id
        .ok_or_else(|| ServiceError::Internal("support link without a case".into()))?;
    store::confirm_support(conn, case_id, &link.email, now.naive_utc())?;
    let case = find_by_id(conn, case_id)?.ok_or(ServiceError::NotFound)?;
    let number = TrackingNumber::parse(&case.tracking_number)
        .map_err(|_| ServiceError::Internal(format!("stored number {}", case.tracking_number)))?;
    Ok((number, store::support_count(conn, case_id)?))
}

/// Stops the mail of the support a stop link names (the support keeps counting); the
/// case's number. A link that does not open to a support is `NotFound`.
pub fn stop_support_mail(
    conn: &mut DbConn,
    sealer: &Sealer,
    sealed: &str,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let support = sealer
        .open(sealed)
        .as_deref()
        .and_then(crate::notify::mail::support_of_stop_secret)
        .ok_or(ServiceError::NotFound)?;
    let number = crate::db::residents::stop_support_mail(conn, support, now.naive_utc())?
        .ok_or(ServiceError::NotFound)?;
    tracing::info!(support, "a supporter stopped the case's mail");
    Ok(number)
}

/// Whether a stop link opens to a support (before asking the reader to press the button).
pub fn is_stop_link(sealer: &Sealer, sealed: &str) -> bool {
    sealer
        .open(sealed)
        .as_deref()
        .and_then(crate::notify::mail::support_of_stop_secret)
        .is_some()
}

pub fn support_count(conn: &mut DbConn, case_id: i64) -> Result<i64, ServiceError> {
    Ok(store::support_count(conn, case_id)?)
}

/// Writes the link that confirms a new filing, and its mail (with the private link).
#[allow(clippy::too_many_arguments)]
pub fn send_filing_confirmation(
    conn: &mut DbConn,
    sealer: &Sealer,
    case_id: i64,
    number: &str,
    email: &str,
    access_token: &str,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let sealed_access = sealer.seal(access_token);
    let number = number.to_string();
    send_link(
        conn,
        sealer,
        Purpose::ConfirmFiling,
        &email.to_lowercase(),
        Some(case_id),
        locale,
        Duration::days(CONFIRM_DAYS),
        now,
        unlimited(),
        |sealed_token| MailData::FilingConfirm {
            number,
            sealed_token,
            sealed_access,
        },
    )?;
    Ok(())
}

/// Follows a filing's confirmation link: the case goes to its department.
pub fn confirm_filing(
    conn: &mut DbConn,
    rules: Rules<'_>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<TrackingNumber, ServiceError> {
    let link = take_link(conn, token, Purpose::ConfirmFiling, now)?;
    let case_id = link
        .case_id
        .ok_or_else(|| ServiceError::Internal("confirmation link without a case".into()))?;
    let case = find_by_id(conn, case_id)?.ok_or(ServiceError::NotFound)?;
    let number = TrackingNumber::parse(&case.tracking_number)
        .map_err(|_| ServiceError::Internal(format!("stored number {}", case.tracking_number)))?;
    let acted = act(conn, rules, &Actor::Resident, &number, &Action::Confirm, now)?;
    if let Some(due) = acted.status.due_at {
        crate::db::cases::set_acceptance_due(conn, case_id, due.naive_utc())?;
        super::figures::refresh(conn, rules.tz, case_id)?;
    }
    Ok(number)
}

/// Everything kept about a resident, for them to download.
#[derive(Debug)]
pub struct Export {
    pub account: Option<AccountData>,
    pub cases: Vec<super::cases::ResidentCase>,
    /// Each support with the number of the case supported.
    pub supports: Vec<(String, SupportData)>,
}

/// What is kept of a resident's account.
#[derive(Debug, Clone)]
pub struct AccountData {
    pub email: String,
    pub locale: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// What is kept of one "me too".
#[derive(Debug, Clone)]
pub struct SupportData {
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

fn supports_of(conn: &mut DbConn, email: &str) -> Result<Vec<(String, SupportData)>, ServiceError> {
    Ok(store::supports_by(conn, email)?
        .into_iter()
        .map(|(number, s)| {
            (
                number,
                SupportData {
                    email: s.email,
                    created_at: s.created_at.and_utc(),
                    confirmed_at: s.confirmed_at.map(|t| t.and_utc()),
                },
            )
        })
        .collect())
}

/// A case an account holds, as the account page lists it.
#[derive(Debug, Clone)]
pub struct AccountCase {
    pub number: String,
    pub title: String,
    pub state: CaseState,
    pub department_code: String,
    pub submitted_at: DateTime<Utc>,
}

/// All an account holds: its cases in full and its supports.
pub fn export_account(
    conn: &mut DbConn,
    rules: Rules<'_>,
    account: &ResidentAccount,
    now: DateTime<Utc>,
) -> Result<Export, ServiceError> {
    let cases = my_cases(conn, account)?
        .into_iter()
        .map(|record| super::cases::resident_view(conn, rules, record, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Export {
        account: store::find_resident(conn, account.id)?.map(|a| AccountData {
            email: a.email,
            locale: a.locale,
            created_at: a.created_at.and_utc(),
            last_seen_at: a.last_seen_at.and_utc(),
        }),
        cases,
        supports: supports_of(conn, &account.email)?,
    })
}

/// One case by its private link, with the supports made from its address.
pub fn export_case(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Export, ServiceError> {
    let case = super::cases::resident_case(conn, rules, number, token, now)?;
    let supports = match &case.resident_email {
        Some(email) => supports_of(conn, &email.to_lowercase())?,
        None => Vec::new(),
    };
    Ok(Export {
        account: None,
        cases: vec![case],
        supports,
    })
}

// ---------------------------------------------------------------- use cases on the core

/// Mails a sign-in link (whether an account exists is not revealed).
pub async fn ask_sign_in(
    app: &App,
    email: String,
    locale: Locale,
    budget: NewAddressBudget,
) -> Result<(), ServiceError> {
    let sealer = app.sealer.clone();
    app.write(move |conn, _, now| request_sign_in(conn, &sealer, &email, locale, now, budget))
        .await
}

/// Uses a sign-in link: the account, made on first use.
pub async fn use_sign_in(app: &App, token: String) -> Result<ResidentAccount, ServiceError> {
    app.write(move |conn, _, now| sign_in(conn, &token, now)).await
}

/// Whether a mailed link still works (for the page that asks to use it).
pub async fn link_works(app: &App, token: String, purpose: Purpose) -> Result<bool, ServiceError> {
    app.read(move |conn, _, now| link_is_valid(conn, &token, purpose, now))
        .await
}

/// The cases the signed-in resident holds, newest first.
pub async fn cases_held(app: &App, caller: &Caller) -> Result<Vec<AccountCase>, ServiceError> {
    let account = caller.account().ok_or(ServiceError::Unauthenticated)?.clone();
    app.read(move |conn, _, _| {
        my_cases(conn, &account)?
            .into_iter()
            .map(|r| {
                Ok(AccountCase {
                    state: CaseState::parse(&r.state).ok_or_else(|| {
                        ServiceError::Internal(format!("case {} has state {:?}", r.id, r.state))
                    })?,
                    submitted_at: r.submitted_at.and_utc(),
                    number: r.tracking_number,
                    title: r.title,
                    department_code: r.department_code,
                })
            })
            .collect()
    })
    .await
}

/// Adds a case filed earlier to the signed-in resident's account, proven by its link.
pub async fn hold_case(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    token: String,
) -> Result<(), ServiceError> {
    let account = caller.account().ok_or(ServiceError::Unauthenticated)?.clone();
    app.write(move |conn, _, now| link_case(conn, &account, &number, &token, now))
        .await
}

/// Everything kept about the signed-in resident.
pub async fn export_mine(app: &App, caller: &Caller) -> Result<Export, ServiceError> {
    let account = caller.account().ok_or(ServiceError::Unauthenticated)?.clone();
    app.read(move |conn, rules, now| export_account(conn, rules, &account, now))
        .await
}

/// One case's data for whoever proves it is theirs.
pub async fn export_one(app: &App, caller: &Caller, number: TrackingNumber) -> Result<Export, ServiceError> {
    let proof = caller.resident()?.clone();
    app.read(move |conn, rules, now| match proof {
        ResidentProof::Token(token) => export_case(conn, rules, &number, &token, now),
        // An account's or a mail link's proof opens the one case, not the address's supports.
        proof => Ok(Export {
            account: None,
            cases: vec![super::cases::resident_case_by(conn, rules, &number, &proof, now)?],
            supports: Vec::new(),
        }),
    })
    .await
}

/// "Me too" from `email` (counted at once when it is the signed-in resident's own).
pub async fn add_support(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    email: String,
    locale: Locale,
    budget: NewAddressBudget,
) -> Result<Supported, ServiceError> {
    let (account, sealer) = (caller.account().cloned(), app.sealer.clone());
    app.write(move |conn, rules, now| {
        support(
            conn,
            rules.catalog,
            &sealer,
            &number,
            &email,
            locale,
            account.as_ref(),
            now,
            budget,
        )
    })
    .await
}

/// Follows a support link: the support counts. Returns the case and its count.
pub async fn confirm_support_link(app: &App, token: String) -> Result<(TrackingNumber, i64), ServiceError> {
    app.write(move |conn, _, now| confirm_support(conn, &token, now))
        .await
}

/// Follows the link in a supporter's news mail: no more mail about that case.
pub async fn stop_news(app: &App, token: String) -> Result<String, ServiceError> {
    let sealer = app.sealer.clone();
    app.write(move |conn, _, now| stop_support_mail(conn, &sealer, &token, now))
        .await
}

/// Follows a filing's confirmation link: the case goes to its department.
pub async fn confirm_filing_link(app: &App, token: String) -> Result<TrackingNumber, ServiceError> {
    app.write(move |conn, rules, now| confirm_filing(conn, rules, &token, now))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_kept_in_lower_case_and_checked() {
        assert_eq!(parse_email("  Li.Si@Example.CN ").unwrap(), "li.si@example.cn");
        assert!(matches!(parse_email(""), Err(ServiceError::Invalid(_))));
        assert!(matches!(parse_email("李四@"), Err(ServiceError::Invalid(_))));
    }
}
