//! The demo city's reference data (`src/demo/linjiang.toml`).

use super::ServiceError;
use crate::db::DbConn;
use crate::db::catalog::{NewReferenceData, insert_missing};
use crate::domain::catalog::{Area, Category, CategoryGroup, Department, LawfulChannel};
use crate::domain::catalog_file::with_levels;

const LINJIANG: &str = include_str!("../demo/linjiang.toml");

/// The demo data as rows to insert.
pub fn demo_data() -> Result<NewReferenceData, ServiceError> {
    let file = crate::domain::catalog_file::parse(LINJIANG)
        .map_err(|e| ServiceError::Internal(format!("demo data does not parse: {e}")))?
        .file;
    let areas = with_levels(file.area.iter().map(Area::from).collect())
        .map_err(|code| ServiceError::Internal(format!("demo area {code} is misplaced")))?;
    Ok(NewReferenceData {
        departments: file.department.iter().map(Department::from).collect(),
        areas,
        groups: file.group.iter().map(CategoryGroup::from).collect(),
        channels: file.channel.iter().map(LawfulChannel::from).collect(),
        categories: file.category.iter().map(Category::from).collect(),
        rules: file
            .rule
            .into_iter()
            .map(|r| (r.category, r.area, r.department))
            .collect(),
        liaisons: file
            .liaison
            .iter()
            .map(crate::domain::catalog::Liaison::from)
            .collect(),
    })
}

/// Loads whatever part of the demo data is missing; returns the number of rows added.
pub fn seed_demo(conn: &mut DbConn) -> Result<usize, ServiceError> {
    let mut added = insert_missing(conn, &demo_data()?)?;
    if crate::db::templates::count_templates(conn)? == 0 {
        for (category, department, title, outcome, body, basis) in DEMO_TEMPLATES {
            crate::db::templates::insert_template(
                conn,
                &crate::db::templates::NewTemplateRow {
                    category_code: category,
                    department_code: *department,
                    title,
                    outcome,
                    body,
                    legal_basis: basis,
                    created_by: None,
                    created_at: chrono::Utc::now().naive_utc(),
                },
            )?;
            added += 1;
        }
    }
    Ok(added)
}

/// Answer templates of the demo city: (category, department, title, outcome, text, basis).
type DemoTemplate = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);
const DEMO_TEMPLATES: &[DemoTemplate] = &[
    (
        "noise",
        Some("environment"),
        "夜间施工噪声：已责令整改",
        "supported",
        "您反映的夜间施工噪声扰民问题已收悉。经我局执法人员现场核查，情况属实。我局已责令施工单位立即停止夜间（22时至次日6时）施工，确需连续作业的须依法办理夜间施工证明并公告周边居民。我局将持续开展夜间巡查。",
        "《中华人民共和国噪声污染防治法》第四十三条",
    ),
    (
        "wage-arrears",
        Some("labour"),
        "拖欠工资：已督促支付并告知仲裁途径",
        "explained",
        "您反映的拖欠工资问题已收悉。我局劳动保障监察机构已约谈用人单位并下达限期改正指令书。如用人单位逾期仍未支付，您也可以自劳动争议发生之日起一年内向劳动人事争议仲裁委员会申请仲裁。",
        "《保障农民工工资支付条例》第四十九条；《中华人民共和国劳动争议调解仲裁法》第二十七条",
    ),
    (
        "sanitation",
        None,
        "垃圾清运：已安排清理",
        "supported",
        "您反映的垃圾未及时清运问题已收悉。经核实，已安排环卫作业单位当日完成清运，并增加该点位的收运频次。感谢您对市容环境的关心。",
        "《城市市容和环境卫生管理条例》第二十八条",
    ),
];

/// The demo accounts' password. For the demo city only: `huiying serve` creates these
/// accounts only along with the demo data, in an empty database.
pub const DEMO_PASSWORD: &str = "huiying-demo";

/// A demo account: (username, display name, role, department, areas).
pub type DemoAccount = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    ("admin", "系统管理员", "admin", None, &[]),
    ("intake", "信访局 王敏", "intake", None, &[]),
    ("env", "生态环境局 李强", "staff", Some("environment"), &[]),
    ("env-head", "生态环境局 张局长", "head", Some("environment"), &[]),
    ("transport", "交通运输局 陈静", "staff", Some("transport"), &[]),
    ("qingshan", "青山镇 刘洋", "staff", Some("qingshan"), &[]),
    ("housing", "住房和城乡建设局 孙丽", "staff", Some("housing"), &[]),
    ("market", "市场监督管理局 周涛", "staff", Some("market"), &[]),
    ("leader", "副市长 赵明", "leader", None, &[]),
    ("liaison", "青山镇联络员 吴芳", "liaison", None, &["LJ-QS"]),
];

/// Creates the demo accounts that do not exist yet, all with `password_hash`.
pub fn seed_demo_accounts(
    conn: &mut DbConn,
    catalog: &crate::domain::catalog::Catalog,
    password_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ServiceError> {
    use super::users::{Account, AccountInput, create_account};
    let mut added = 0;
    for (username, name, role, department, areas) in DEMO_ACCOUNTS {
        if crate::db::users::find_by_username(conn, username)?.is_some() {
            continue;
        }
        let input = AccountInput {
            username: username.to_string(),
            display_name: name.to_string(),
            role: role.to_string(),
            department: department.unwrap_or_default().to_string(),
            email: format!("{username}@staff.linjiang.example"),
            locale: "zh-CN".into(),
            areas: areas.iter().map(|a| a.to_string()).collect(),
        };
        let account = Account::parse(&input, catalog).map_err(ServiceError::Invalid)?;
        create_account(conn, None, &account, password_hash, now)?;
        added += 1;
    }
    Ok(added)
}

/// Two reception days of the demo leader in the coming weeks, so that `/reception` and
/// the leader's desk are not empty on a first run: a city-wide morning at the petitions
/// bureau on the next Wednesday, and an afternoon in Qingshan Town for its residents a
/// week later. Skipped when the leader account is missing or has days already.
pub fn seed_demo_reception_days(
    conn: &mut DbConn,
    catalog: &crate::domain::catalog::Catalog,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ServiceError> {
    use super::reception::{DayInput, create_day};
    use chrono::{Datelike, Duration, Weekday};
    let Some(leader) = crate::db::users::find_by_username(conn, "leader")? else {
        return Ok(0);
    };
    let leader = super::auth::StaffUser::from_record(leader)?;
    if crate::db::reception::has_days(conn, leader.id)? {
        return Ok(0);
    }
    let ahead = (7 + Weekday::Wed.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let first = today + Duration::days(if ahead == 0 { 7 } else { i64::from(ahead) });
    let days = [
        DayInput {
            date: first.to_string(),
            starts_at: "09:00".into(),
            ends_at: "11:30".into(),
            place: "临江市信访局一楼接待大厅（人民路 1 号）".into(),
            capacity: "12".into(),
            ..DayInput::default()
        },
        DayInput {
            date: (first + Duration::days(7)).to_string(),
            starts_at: "14:30".into(),
            ends_at: "17:00".into(),
            place: "青山镇便民服务中心二楼会议室".into(),
            capacity: "8".into(),
            areas: vec!["LJ-QS".into()],
            ..DayInput::default()
        },
    ];
    for day in &days {
        create_day(conn, catalog, &leader, day, today, now)?;
    }
    Ok(days.len())
}

/// The demo catalogue, for unit tests that need a real one.
#[cfg(test)]
pub fn catalog_for_tests() -> crate::domain::catalog::Catalog {
    let data = crate::service::demo::demo_data().expect("demo data");
    let rules = data
        .rules
        .iter()
        .enumerate()
        .map(|(i, (c, a, d))| crate::domain::routing::RoutingRule {
            id: i as i32,
            category_code: c.clone(),
            area_code: a.clone(),
            department_code: d.clone(),
        })
        .collect();
    crate::domain::catalog::Catalog::new(
        data.departments,
        data.areas,
        data.groups,
        data.categories,
        data.channels,
        rules,
    )
    .expect("catalog")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::routing::RoutingRule;

    #[test]
    fn the_demo_city_is_a_consistent_catalogue() {
        let data = demo_data().expect("parses");
        assert!(data.departments.len() >= 11);
        assert!(data.categories.len() >= 15);
        let rules = data
            .rules
            .iter()
            .enumerate()
            .map(|(i, (c, a, d))| RoutingRule {
                id: i as i32 + 1,
                category_code: c.clone(),
                area_code: a.clone(),
                department_code: d.clone(),
            })
            .collect::<Vec<_>>();
        for rule in &rules {
            assert!(
                data.departments.iter().any(|d| d.code == rule.department_code),
                "{rule:?}"
            );
        }
        for category in &data.categories {
            assert!(data.groups.iter().any(|g| g.code == category.group_code));
            assert!(
                !category.channel_codes.is_empty(),
                "{} offers no lawful channel to decline with",
                category.code
            );
            for ch in &category.channel_codes {
                assert!(data.channels.iter().any(|c| &c.code == ch), "{ch}");
            }
        }
        let catalog = Catalog::new(
            data.departments,
            data.areas,
            data.groups,
            data.categories,
            data.channels,
            rules,
        )
        .expect("consistent");
        assert_eq!(catalog.area("LJ-QS-SK").map(|a| a.level), Some(3));
        // A village rule beats the town and city rules.
        let path = catalog.area_path("LJ-QS-SK").expect("known");
        assert_eq!(
            catalog
                .routing()
                .route("roads-transit", &path, "intake")
                .department_code,
            "qingshan"
        );
        // A town rule applies to its villages.
        let path = catalog.area_path("LJ-BS-HT").expect("known");
        assert_eq!(
            catalog
                .routing()
                .route("sanitation", &path, "intake")
                .department_code,
            "baisha"
        );
        // Nothing routes "other": the intake office places it.
        assert_eq!(
            catalog.routing().route("other", &path, "intake").department_code,
            "intake"
        );
    }
}
