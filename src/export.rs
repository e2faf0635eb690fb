//! The case register (台账) as a spreadsheet or CSV: one row per case, Chinese headers,
//! dates as real dates (in the deployment's time zone), no resident's identity.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::format::{area_path_name, category_name, department_name, state_name};
use crate::i18n::Tr;
use crate::service::register::RegisterRow;

/// A cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    When(Option<DateTime<Utc>>),
    Number(i64),
}

/// The register's columns, in order.
pub const HEADERS: [&str; 18] = [
    "编号",
    "提交时间",
    "来源渠道",
    "事项类别",
    "所在地区",
    "承办部门",
    "标题",
    "办理状态",
    "身份保密",
    "受理期限",
    "受理时间",
    "答复期限",
    "答复时间",
    "答复结果",
    "群众评价",
    "办结时间",
    "是否超期",
    "附议人数",
];

/// One row's cells, in the order of [`HEADERS`], named in Chinese.
pub fn cells(catalog: &Catalog, row: &RegisterRow) -> Vec<Cell> {
    let tr = Tr(Locale::ZhCn);
    let locale = Locale::ZhCn;
    let yes_no = |b: bool| Cell::Text(tr.t(if b { "common.yes" } else { "common.no" }).to_string());
    vec![
        Cell::Text(row.tracking_number.clone()),
        Cell::When(Some(row.submitted_at)),
        Cell::Text(tr.t(&format!("channel.{}", row.channel)).to_string()),
        Cell::Text(category_name(catalog, locale, &row.category)),
        Cell::Text(area_path_name(catalog, locale, &row.area)),
        Cell::Text(department_name(catalog, locale, &row.department)),
        Cell::Text(row.title.clone()),
        Cell::Text(
            CaseState::parse(&row.state)
                .map(|s| state_name(tr, s).to_string())
                .unwrap_or_else(|| row.state.clone()),
        ),
        yes_no(row.confidential),
        Cell::When(row.acceptance_due_at),
        Cell::When(row.accepted_at),
        Cell::When(row.answer_due_at),
        Cell::When(row.answered_at),
        Cell::Text(
            row.outcome
                .map(|o| tr.t(&format!("outcome.{}", o.as_str())).to_string())
                .unwrap_or_default(),
        ),
        Cell::Text(
            row.rating
                .map(|r| tr.t(&format!("rating.{}", r.as_str())).to_string())
                .unwrap_or_default(),
        ),
        Cell::When(row.ended_at),
        yes_no(row.overdue),
        Cell::Number(row.supports),
    ]
}

fn excel_time(at: DateTime<Utc>, tz: Tz) -> Result<ExcelDateTime, XlsxError> {
    let local = at.with_timezone(&tz);
    ExcelDateTime::from_ymd(local.year() as u16, local.month() as u8, local.day() as u8)?.and_hms(
        local.hour() as u16,
        local.minute() as u8,
        local.second(),
    )
}

/// Writes one row of cells at row `r`.
fn write_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    cells: &[Cell],
    tz: Tz,
    when: &Format,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let col = col as u16;
        match cell {
            Cell::Text(text) => {
                sheet.write(r, col, text)?;
            }
            Cell::When(Some(at)) => {
                sheet.write_datetime_with_format(r, col, excel_time(*at, tz)?, when)?;
            }
            Cell::When(None) => {}
            Cell::Number(n) => {
                sheet.write(r, col, *n as f64)?;
            }
        }
    }
    Ok(())
}

fn date_format() -> Format {
    Format::new().set_num_format("yyyy-mm-dd hh:mm")
}

/// The register as an XLSX workbook written a page at a time: rows go to a temporary
/// file as they come (rust_xlsxwriter's constant-memory mode, strings inline), and the
/// finished workbook is compressed into any writer, so its size never sits in memory.
pub struct RegisterWorkbook {
    workbook: Workbook,
    rows: u32,
    when: Format,
}

impl RegisterWorkbook {
    pub fn new() -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name("台账")?;
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_column_width(0, 16)?;
        sheet.set_column_width(6, 36)?;
        for col in [1u16, 9, 10, 11, 12, 15] {
            sheet.set_column_width(col, 17)?;
        }
        let bold = Format::new().set_bold();
        for (col, header) in HEADERS.iter().enumerate() {
            sheet.write_with_format(0, col as u16, *header, &bold)?;
        }
        Ok(RegisterWorkbook {
            workbook,
            rows: 0,
            when: date_format(),
        })
    }

    /// Appends the next rows.
    pub fn push(&mut self, catalog: &Catalog, rows: &[RegisterRow], tz: Tz) -> Result<(), XlsxError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for row in rows {
            self.rows += 1;
            write_row(sheet, self.rows, &cells(catalog, row), tz, &self.when)?;
        }
        Ok(())
    }

    /// Writes the finished workbook to `out`.
    pub fn finish<W: std::io::Write + Send>(mut self, out: W) -> Result<(), XlsxError> {
        let last = self.rows;
        self.workbook
            .worksheet_from_index(0)?
            .autofilter(0, 0, last, HEADERS.len() as u16 - 1)?;
        self.workbook.save_to_writer(out)
    }
}

/// Any table as an XLSX workbook of one sheet, as the register is written.
pub fn table_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
    tz: Tz,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    let when = date_format();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_with_format(0, col as u16, *header, &bold)?;
        sheet.set_column_width(col as u16, 16)?;
    }
    for (i, row) in rows.iter().enumerate() {
        write_row(sheet, i as u32 + 1, row, tz, &when)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

/// The ledger's columns: one row per visit, case filed, mediation and open case.
pub const LEDGER_HEADERS: [&str; 9] = [
    "类别",
    "日期",
    "村（社区）",
    "编号",
    "事项类别",
    "承办部门",
    "办理状态",
    "办理期限",
    "说明",
];

/// The ledger's rows, in Chinese, as the register (no resident's identity).
pub fn ledger_rows(catalog: &Catalog, ledger: &crate::service::ledger::Ledger) -> Vec<Vec<Cell>> {
    let tr = Tr(Locale::ZhCn);
    let text = |s: &str| Cell::Text(s.to_string());
    let area = |code: &str| Cell::Text(area_path_name(catalog, Locale::ZhCn, code));
    let case = |kind: &str, c: &crate::service::ledger::LedgerCase, note: String| {
        vec![
            text(kind),
            Cell::When(Some(c.submitted_at)),
            area(&c.area),
            text(&c.tracking_number),
            Cell::Text(category_name(catalog, Locale::ZhCn, &c.category)),
            Cell::Text(department_name(catalog, Locale::ZhCn, &c.department)),
            Cell::Text(
                CaseState::parse(&c.state)
                    .map(|s| state_name(tr, s).to_string())
                    .unwrap_or_else(|| c.state.clone()),
            ),
            Cell::When(c.due_at),
            Cell::Text(note),
        ]
    };
    let mut rows = Vec::new();
    for v in &ledger.visits {
        rows.push(vec![
            text("走访"),
            Cell::Text(v.date.to_string()),
            area(&v.area),
            text(""),
            text(""),
            text(""),
            text(""),
            Cell::When(None),
            Cell::Text(format!("接待：{}；{}（登记诉求{}件）", v.met, v.notes, v.cases)),
        ]);
    }
    rows.extend(ledger.recorded.iter().map(|c| case("走访登记", c, String::new())));
    rows.extend(ledger.mediations.iter().map(|c| {
        let outcome = if c.mediation.as_deref() == Some("mediated") {
            "调解成功"
        } else {
            "调解未成"
        };
        case("就地调解", c, outcome.to_string())
    }));
    rows.extend(ledger.open.iter().map(|c| case("未办结", c, String::new())));
    rows
}

/// A text cell for CSV: quoted when it must be, and never read as a formula. Spreadsheet
/// programs run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
/// (OWASP "CSV injection"), so such a cell gets a leading `'`, which they show as text.
/// (The XLSX writes every text as a string cell, which no program evaluates.)
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The start of the register as CSV: a byte-order mark (so spreadsheet programs read the
/// Chinese correctly) and the headers. [`csv_lines`] follow, a page at a time.
pub fn csv_head() -> String {
    csv_head_of(&HEADERS)
}

/// Register rows as CSV lines; dates as `YYYY-MM-DD HH:MM` local.
pub fn csv_lines(catalog: &Catalog, rows: &[RegisterRow], tz: Tz) -> String {
    let mut out = String::with_capacity(rows.len() * 256);
    for row in rows {
        push_csv_line(&mut out, cells(catalog, row), tz);
    }
    out
}

fn csv_head_of(headers: &[&str]) -> String {
    format!("\u{feff}{}\r\n", headers.join(","))
}

fn push_csv_line(out: &mut String, row: Vec<Cell>, tz: Tz) {
    let line: Vec<String> = row
        .into_iter()
        .map(|cell| match cell {
            Cell::Text(t) => csv_field(&t),
            Cell::When(Some(at)) => at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            Cell::When(None) => String::new(),
            Cell::Number(n) => n.to_string(),
        })
        .collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// The visit log's columns, in order.
pub const VISIT_LOG_HEADERS: [&str; 6] = [
    "走访日期",
    "村（社区）",
    "接待对象（概称）",
    "反映情况",
    "形成诉求件数",
    "诉求编号",
];

/// The visit log's rows, in Chinese: matters, never people (reports about officials
/// counted, not numbered).
pub fn visit_log_rows(
    catalog: &Catalog,
    visits: &[crate::service::visit_log::LoggedVisit],
) -> Vec<Vec<Cell>> {
    visits
        .iter()
        .map(|v| {
            vec![
                Cell::Text(v.date.to_string()),
                Cell::Text(area_path_name(catalog, Locale::ZhCn, &v.area)),
                Cell::Text(v.met.clone()),
                Cell::Text(v.notes.clone()),
                Cell::Number((v.cases.len() + v.withheld) as i64),
                Cell::Text(
                    v.cases
                        .iter()
                        .map(|c| c.tracking_number.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ]
        })
        .collect()
}

/// Any table as CSV, as the register is written.
pub fn table_csv(headers: &[&str], rows: impl Iterator<Item = Vec<Cell>>, tz: Tz) -> String {
    let mut out = csv_head_of(headers);
    for row in rows {
        push_csv_line(&mut out, row, tz);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(csv_field("夜间施工"), "夜间施工");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("他说\"停工\""), "\"他说\"\"停工\"\"\"");
        assert_eq!(csv_field("两行\n文字"), "\"两行\n文字\"");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_made_text() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://evil.example/?x\",\"Click\")"),
            "\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"Click\"\")\""
        );
        for start in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                csv_field(start).trim_start_matches('"').starts_with('\''),
                "{start:?}"
            );
        }
        assert_eq!(csv_field("路面-坑洼"), "路面-坑洼");
        assert_eq!(csv_field("＝全角"), "＝全角");
    }
}
