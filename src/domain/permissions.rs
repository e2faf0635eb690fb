//! What each role may do beyond working cases (which `workflow` decides case by case):
//! running the system, reviewing figures, receiving residents, recording on their behalf.

use super::case::Role;

/// Work that is not an action on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Accounts, deadline policies, the holiday calendar, the outbox, shared templates.
    Administer,
    /// The monthly review and the case register.
    Review,
    /// Publishing and calling off reception days.
    ArrangeReceptionDays,
    /// A reception day's queue with what residents wrote, meetings, personal charge.
    ReceiveResidents,
    /// Recording a phone call, letter or visit as a case, for a resident.
    RecordOnBehalf,
    /// Visiting the villages of one's areas and filing what residents raise there.
    Visit,
    /// An area's ledger of visits, mediations and open cases (a liaison: their own).
    ReadLedger,
}

/// Whether `role` may do `duty`.
pub fn may(role: Role, duty: Duty) -> bool {
    match duty {
        Duty::Administer => role == Role::Admin,
        Duty::Review | Duty::ArrangeReceptionDays => matches!(role, Role::Leader | Role::Admin),
        Duty::ReceiveResidents => role == Role::Leader,
        Duty::RecordOnBehalf => role == Role::Intake,
        Duty::Visit => role == Role::Liaison,
        Duty::ReadLedger => matches!(role, Role::Leader | Role::Admin | Role::Intake | Role::Liaison),
    }
}

/// Where each role's work starts after signing in: departments and the intake office on
/// their queue, leaders on their desk, administrators on their overview.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Staff | Role::Head | Role::Intake => "/staff",
        Role::Liaison => "/liaison",
        Role::Leader => "/leader",
        Role::Admin => "/admin",
    }
}

/// Whether a member of staff records cases on residents' behalf: the intake role, or
/// anyone working in the intake office's department.
pub fn records_on_behalf(role: Role, department: Option<&str>, intake_department: &str) -> bool {
    may(role, Duty::RecordOnBehalf) || department == Some(intake_department)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intake_office_records_whatever_its_members_role() {
        assert!(records_on_behalf(Role::Intake, None, "xfj"));
        assert!(records_on_behalf(Role::Staff, Some("xfj"), "xfj"));
        assert!(records_on_behalf(Role::Head, Some("xfj"), "xfj"));
        assert!(!records_on_behalf(Role::Staff, Some("zjj"), "xfj"));
        assert!(!records_on_behalf(Role::Leader, None, "xfj"));
    }

    #[test]
    fn every_role_has_a_home() {
        let homes: Vec<&str> = Role::ALL.iter().map(|r| home(*r)).collect();
        assert_eq!(homes.len(), 6);
        assert_eq!(home(Role::Liaison), "/liaison");
        assert_eq!(home(Role::Admin), "/admin");
        assert_eq!(home(Role::Leader), "/leader");
        assert_eq!(home(Role::Intake), "/staff");
    }

    #[test]
    fn every_role_and_duty() {
        use Duty::*;
        let table = [
            (Role::Admin, [true, true, true, false, false, false, true]),
            (Role::Leader, [false, true, true, true, false, false, true]),
            (Role::Intake, [false, false, false, false, true, false, true]),
            (Role::Head, [false, false, false, false, false, false, false]),
            (Role::Staff, [false, false, false, false, false, false, false]),
            (Role::Liaison, [false, false, false, false, false, true, true]),
        ];
        for (role, expected) in table {
            let got = [
                Administer,
                Review,
                ArrangeReceptionDays,
                ReceiveResidents,
                RecordOnBehalf,
                Visit,
                ReadLedger,
            ]
            .map(|d| may(role, d));
            assert_eq!(got, expected, "{role:?}");
        }
        assert_eq!(Role::ALL.len(), table.len(), "every role is in the table");
    }
}
