//! A complaint as a resident (or staff on their behalf) submits it: the raw input, checked
//! with `validator` for shape, then parsed into types that cannot hold bad values.

use serde::Deserialize;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::case::Channel;
use super::catalog::Catalog;
use super::field_error::{FieldError, FieldErrors};
use super::locale::Locale;
use super::text::{Lines, bounded_text};

bounded_text!(
    /// A short summary of the problem.
    Title, 4, 80, Lines::Single
);
bounded_text!(
    /// What happened, where, since when, what the resident asks for.
    Description, 10, 5000, Lines::Multi
);
bounded_text!(Address, 1, 200, Lines::Single);
bounded_text!(PersonName, 1, 50, Lines::Single);

/// A phone number as digits with an optional leading `+`; spaces, hyphens, dots and
/// brackets people type are dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub const MAX_CHARS: u64 = 30;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let mut out = String::new();
        for (i, c) in raw.trim().chars().enumerate() {
            match c {
                '0'..='9' => out.push(c),
                '+' if i == 0 => out.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(FieldError::new("err.phone")),
            }
        }
        let digits = out.trim_start_matches('+').len();
        if !(5..=15).contains(&digits) {
            return Err(FieldError::new("err.phone"));
        }
        Ok(Phone(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, checked by `validator` for shape and kept as typed (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: u64 = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() as u64 > Self::MAX_CHARS {
            return Err(FieldError::new("err.too_long").with("max", Self::MAX_CHARS));
        }
        if !validator::ValidateEmail::validate_email(&trimmed) {
            return Err(FieldError::new("err.email"));
        }
        Ok(Email(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub long: f64,
}

/// The input as it arrives from the JSON API or the web form (after flattening).
/// Every field is optional at this level so a missing one is reported per field.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, Validate, utoipa::ToSchema)]
#[serde(default)]
pub struct CaseInput {
    #[validate(length(max = 64))]
    pub category: String,
    #[validate(length(max = 64))]
    pub area: String,
    #[validate(length(max = "Title::MAX_CHARS"))]
    pub title: String,
    #[validate(length(max = "Description::MAX_CHARS"))]
    pub description: String,
    #[validate(length(max = "Address::MAX_CHARS"))]
    pub address: Option<String>,
    #[validate(range(min = -90.0, max = 90.0))]
    pub lat: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0))]
    pub long: Option<f64>,
    #[validate(nested)]
    pub resident: ResidentInput,
    pub confidential: bool,
    pub publish_consent: bool,
    /// For a report about an official: the department the report concerns.
    #[validate(length(max = 64))]
    pub concerned_department: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, Validate, utoipa::ToSchema)]
#[serde(default)]
pub struct ResidentInput {
    #[validate(length(max = "PersonName::MAX_CHARS"))]
    pub name: String,
    #[validate(length(max = "Phone::MAX_CHARS"))]
    pub phone: Option<String>,
    // The address itself is checked by `Email::parse` (validator's email rule) after trimming,
    // so a blank field from a form counts as absent.
    #[validate(length(max = "Email::MAX_CHARS"))]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
}

/// A complaint that passed every check, ready to be routed and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub category: String,
    pub area: String,
    pub title: Title,
    pub description: Description,
    pub address: Option<Address>,
    pub location: Option<GeoPoint>,
    pub resident: Resident,
    pub confidential: bool,
    pub publish_consent: bool,
    pub locale: Locale,
    pub channel: Channel,
    /// The member of staff who recorded it (phone, letter, visit), if not the resident.
    pub recorded_by: Option<i32>,
    /// When the call, letter or visit came in, when the clerk records it later.
    pub contacted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The client a filing came through (an Open311 key's name).
    pub via: Option<String>,
    /// The department a report about an official concerns (reports only).
    pub concerned_department: Option<String>,
}

/// Non-empty text of an optional field.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl NewCase {
    pub fn parse(
        input: &CaseInput,
        catalog: &Catalog,
        locale: Locale,
        channel: Channel,
    ) -> Result<NewCase, FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Err(shape) = input.validate() {
            collect_validation_errors("", &shape, &mut errors);
        }

        let category = match input.category.trim() {
            "" => errors.check::<()>("category", Err(FieldError::new("err.choose_category"))),
            code if !catalog.category(code).is_some_and(|c| c.active) => {
                errors.check::<()>("category", Err(FieldError::new("err.unknown_category")))
            }
            _ => Some(()),
        };
        let area = match input.area.trim() {
            "" => errors.check::<()>("area", Err(FieldError::new("err.choose_area"))),
            code if !catalog.area(code).is_some_and(|a| a.active) => {
                errors.check::<()>("area", Err(FieldError::new("err.unknown_area")))
            }
            _ => Some(()),
        };
        let title = errors.check("title", Title::parse(&input.title));
        let description = errors.check("description", Description::parse(&input.description));
        let address = match present(&input.address) {
            Some(a) => errors.check("address", Address::parse(a).map(Some)),
            None => Some(None),
        };
        let location = match (input.lat, input.long) {
            (None, None) => Some(None),
            (Some(lat), Some(long)) if lat.is_finite() && long.is_finite() => {
                Some(Some(GeoPoint { lat, long }))
            }
            (_, None) => errors.check("long", Err(FieldError::new("err.location_pair"))),
            _ => errors.check("lat", Err(FieldError::new("err.location_pair"))),
        };
        let name = errors.check("resident.name", PersonName::parse(&input.resident.name));
        let phone = match present(&input.resident.phone) {
            Some(p) => errors.check("resident.phone", Phone::parse(p).map(Some)),
            None => Some(None),
        };
        let email = match present(&input.resident.email) {
            Some(e) => errors.check("resident.email", Email::parse(e).map(Some)),
            None => Some(None),
        };
        if present(&input.resident.phone).is_none() && present(&input.resident.email).is_none() {
            errors.add("resident.phone", FieldError::new("err.contact_required"));
        }
        // Only a report about an official has a department concerned; on other categories
        // the field (always on the form, which works without JavaScript) is ignored.
        let is_report = catalog
            .category(input.category.trim())
            .is_some_and(|c| c.supervisor.is_some());
        let concerned = match present(&input.concerned_department) {
            Some(code) if is_report => match catalog.department(code) {
                Some(d) => Some(Some(d.code.clone())),
                None => errors.check("concerned_department", Err(FieldError::new("err.department"))),
            },
            _ => Some(None),
        };

        match (
            category,
            area,
            title,
            description,
            address,
            location,
            name,
            phone,
            email,
            concerned,
        ) {
            (
                Some(()),
                Some(()),
                Some(title),
                Some(description),
                Some(address),
                Some(location),
                Some(name),
                Some(phone),
                Some(email),
                Some(concerned_department),
            ) if errors.is_empty() => Ok(NewCase {
                category: input.category.trim().to_string(),
                area: input.area.trim().to_string(),
                title,
                description,
                address,
                location,
                resident: Resident { name, phone, email },
                confidential: input.confidential,
                publish_consent: input.publish_consent,
                locale,
                channel,
                recorded_by: None,
                contacted_at: None,
                via: None,
                concerned_department,
            }),
            _ => Err(errors),
        }
    }
}

/// Turns validator's errors into message keys, by field path.
fn collect_validation_errors(prefix: &str, errors: &ValidationErrors, out: &mut FieldErrors) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
                    let error = match e.code.as_ref() {
                        "length" => {
                            let count = e
                                .params
                                .get("value")
                                .and_then(|v| v.as_str())
                                .map(|v| v.chars().count());
                            FieldError::new("err.too_long")
                                .with("max", param("max").unwrap_or_default())
                                .with("count", count.unwrap_or_default())
                        }
                        "email" => FieldError::new("err.email"),
                        "range" => FieldError::new("err.range")
                            .with("min", param("min").unwrap_or_default())
                            .with("max", param("max").unwrap_or_default()),
                        _ => FieldError::new("err.invalid"),
                    };
                    out.add(path.clone(), error);
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect_validation_errors(&format!("{path}.{i}"), inner, out);
                }
            }
        }
    }
}

/// How far back a recorded contact may lie: a clerk records calls the same week, not
/// last season's.
pub const CONTACT_MAX_DAYS: i64 = 90;

/// The moment a clerk says a call, letter or visit came in (`2026-12-01T09:30`, local
/// time): none when left empty; never in the future, nor more than 90 days back.
pub fn contact_time(
    raw: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .map_err(|_| FieldError::new("err.date_time"))?;
    let at = local
        .and_local_timezone(tz)
        .earliest()
        .ok_or_else(|| FieldError::new("err.date_time"))?
        .with_timezone(&chrono::Utc);
    if at > now {
        return Err(FieldError::new("err.contact_future"));
    }
    if now - at > chrono::Duration::days(CONTACT_MAX_DAYS) {
        return Err(FieldError::new("err.contact_old").with("days", CONTACT_MAX_DAYS));
    }
    Ok(Some(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::fixture::catalog;

    fn valid() -> CaseInput {
        CaseInput {
            category: "noise".into(),
            area: "village".into(),
            title: "夜间施工噪音扰民".into(),
            description: "小区旁工地每天夜里十一点后仍在施工，严重影响休息。".into(),
            address: Some("  东门社区3栋 ".into()),
            lat: None,
            long: None,
            resident: ResidentInput {
                name: "张三".into(),
                phone: Some("138 0013 8000".into()),
                email: None,
            },
            confidential: true,
            publish_consent: false,
            concerned_department: None,
        }
    }

    #[test]
    fn only_a_report_keeps_the_department_concerned_and_it_must_exist() {
        let mut input = valid();
        input.concerned_department = Some("town".into());
        assert_eq!(
            parse(&input).unwrap().concerned_department,
            None,
            "noise is not a report"
        );
        input.category = "report".into();
        assert_eq!(
            parse(&input).unwrap().concerned_department.as_deref(),
            Some("town")
        );
        input.concerned_department = Some(" ".into());
        assert_eq!(parse(&input).unwrap().concerned_department, None);
        input.concerned_department = Some("nowhere".into());
        let errors = parse(&input).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["concerned_department"]);
    }

    fn parse(input: &CaseInput) -> Result<NewCase, FieldErrors> {
        NewCase::parse(input, &catalog(vec![]), Locale::ZhCn, Channel::Web)
    }

    fn error_keys(input: &CaseInput) -> Vec<(String, &'static str)> {
        parse(input)
            .unwrap_err()
            .iter()
            .map(|(f, e)| (f.to_string(), e.key))
            .collect()
    }

    #[test]
    fn a_valid_chinese_complaint_parses_and_is_normalised() {
        let case = parse(&valid()).expect("valid");
        assert_eq!(case.title.as_str(), "夜间施工噪音扰民");
        assert_eq!(case.address.as_ref().map(Address::as_str), Some("东门社区3栋"));
        assert_eq!(
            case.resident.phone.as_ref().map(Phone::as_str),
            Some("13800138000")
        );
        assert!(case.confidential);
    }

    #[test]
    fn empty_input_reports_every_required_field() {
        let keys = error_keys(&CaseInput::default());
        assert_eq!(
            keys,
            vec![
                ("area".into(), "err.choose_area"),
                ("category".into(), "err.choose_category"),
                ("description".into(), "err.required"),
                ("resident.name".into(), "err.required"),
                ("resident.phone".into(), "err.contact_required"),
                ("title".into(), "err.required"),
            ]
        );
    }

    #[test]
    fn unknown_codes_are_rejected() {
        let mut input = valid();
        input.category = "nope".into();
        input.area = "atlantis".into();
        assert_eq!(
            error_keys(&input),
            vec![
                ("area".into(), "err.unknown_area"),
                ("category".into(), "err.unknown_category")
            ]
        );
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let mut input = valid();
        input.title = "路".repeat(80);
        assert!(parse(&input).is_ok(), "80 Chinese characters (240 bytes) fit");
        input.title = "路".repeat(81);
        assert_eq!(error_keys(&input), vec![("title".into(), "err.too_long")]);
        input.title = "路灯坏".into();
        assert_eq!(error_keys(&input), vec![("title".into(), "err.too_short")]);
    }

    #[test]
    fn bad_contact_details_are_reported_per_field() {
        let mut input = valid();
        input.resident.phone = Some("call me maybe".into());
        input.resident.email = Some("not-an-email".into());
        assert_eq!(
            error_keys(&input),
            vec![
                ("resident.email".into(), "err.email"),
                ("resident.phone".into(), "err.phone")
            ]
        );
        input.resident.phone = Some("+86 (571) 8888-8888".into());
        input.resident.email = Some("zhang@example.cn".into());
        let case = parse(&input).expect("valid");
        assert_eq!(case.resident.phone.map(|p| p.0), Some("+8657188888888".into()));
    }

    #[test]
    fn blank_optional_fields_are_absent() {
        let mut input = valid();
        input.address = Some("   ".into());
        input.resident.email = Some("".into());
        let case = parse(&input).expect("valid");
        assert_eq!(case.address, None);
        assert_eq!(case.resident.email, None);
    }

    #[test]
    fn a_location_needs_both_coordinates_in_range() {
        let mut input = valid();
        input.lat = Some(30.2);
        assert_eq!(error_keys(&input), vec![("long".into(), "err.location_pair")]);
        input.long = Some(200.0);
        assert_eq!(error_keys(&input), vec![("long".into(), "err.range")]);
        input.long = Some(120.1);
        assert_eq!(
            parse(&input).expect("valid").location,
            Some(GeoPoint {
                lat: 30.2,
                long: 120.1
            })
        );
    }

    #[test]
    fn oversized_fields_are_stopped_at_the_edge() {
        let mut input = valid();
        input.description = "字".repeat(5001);
        input.resident.name = "名".repeat(51);
        assert_eq!(
            error_keys(&input),
            vec![
                ("description".into(), "err.too_long"),
                ("resident.name".into(), "err.too_long")
            ]
        );
    }

    #[test]
    fn a_contact_time_is_local_past_and_recent() {
        use chrono::TimeZone;
        let tz = chrono_tz::Asia::Shanghai;
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap();
        assert_eq!(contact_time("", tz, now), Ok(None));
        let at = contact_time("2026-12-01T09:30", tz, now).unwrap().unwrap();
        assert_eq!(at, chrono::Utc.with_ymd_and_hms(2026, 12, 1, 1, 30, 0).unwrap());
        assert_eq!(
            contact_time("2026-12-01T12:30", tz, now).unwrap_err().key,
            "err.contact_future"
        );
        assert_eq!(
            contact_time("2026-08-01T09:00", tz, now).unwrap_err().key,
            "err.contact_old"
        );
        assert_eq!(
            contact_time("昨天上午", tz, now).unwrap_err().key,
            "err.date_time"
        );
    }
}
