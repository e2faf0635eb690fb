//! Mail to departments: new cases, extension requests, withdrawals, unsatisfied residents,
//! reminders before a deadline and escalations after it.

use super::{Content, Cx, MailData};
use crate::format::{area_path_name, category_name};

/// What the mail says, for the kinds this audience receives.
pub(super) fn content(data: &MailData, cx: &Cx) -> Option<Content> {
    let (subject, paragraphs, quote, link): Content = match data {
        MailData::Assignment {
            number,
            department,
            category,
            area,
            title,
            due,
        } => (
            cx.tr
                .f("mail.assignment.subject", &[("number", number), ("title", title)]),
            vec![
                cx.tr.f(
                    "mail.assignment.body",
                    &[("department", &cx.dept(department)), ("number", number)],
                ),
                cx.tr.f(
                    "mail.assignment.what",
                    &[
                        ("category", &category_name(cx.env.catalog, cx.locale, category)),
                        ("area", &area_path_name(cx.env.catalog, cx.locale, area)),
                    ],
                ),
                match due {
                    Some(due) => cx.tr.f("mail.assignment.due", &[("due", &cx.day(due))]),
                    None => String::new(),
                },
            ],
            Some(title.clone()),
            Some(cx.staff(number)),
        ),
        MailData::ExtensionRequested {
            number,
            department,
            days,
            reason,
        } => (
            cx.tr.f("mail.extension_requested.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.extension_requested.body",
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("days", &days.to_string()),
                ],
            )],
            Some(reason.clone()),
            Some(cx.staff(number)),
        ),
        MailData::Withdrawn {
            number,
            department,
            title,
        } => (
            cx.tr.f("mail.withdrawn.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.withdrawn.body",
                &[("department", &cx.dept(department)), ("number", number)],
            )],
            Some(title.clone()),
            Some(cx.staff(number)),
        ),
        MailData::Unsatisfied {
            number,
            department,
            comment,
        } => (
            cx.tr.f("mail.unsatisfied.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.unsatisfied.body",
                &[("department", &cx.dept(department)), ("number", number)],
            )],
            (!comment.is_empty()).then(|| comment.clone()),
            Some(cx.staff(number)),
        ),
        MailData::Reminder {
            number,
            department,
            state,
            title,
            due,
        } => (
            cx.tr.f(
                "mail.reminder.subject",
                &[("number", number), ("due", &cx.day(due))],
            ),
            vec![cx.tr.f(
                "mail.reminder.body",
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("state", cx.tr.t(&format!("state.{}", state.as_str()))),
                    ("due", &cx.day(due)),
                ],
            )],
            Some(title.clone()),
            Some(cx.staff(number)),
        ),
        MailData::MajorMatter {
            number,
            department,
            title,
            reason,
        } => (
            cx.tr.f("mail.major.subject", &[("number", number)]),
            vec![
                cx.tr.f(
                    "mail.major.body",
                    &[("department", &cx.dept(department)), ("number", number)],
                ),
                cx.tr.f("mail.major.reason", &[("reason", reason)]),
            ],
            Some(title.clone()),
            Some(cx.staff(number)),
        ),
        MailData::Escalation {
            number,
            department,
            state,
            title,
            due,
        } => (
            cx.tr.f("mail.escalation.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.escalation.body",
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("state", cx.tr.t(&format!("state.{}", state.as_str()))),
                    ("due", &cx.day(due)),
                ],
            )],
            Some(title.clone()),
            Some(cx.staff(number)),
        ),
        _ => return None,
    };
    Some((subject, paragraphs, quote, link))
}
