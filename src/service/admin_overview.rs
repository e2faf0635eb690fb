//! The administrator's first screen: the state of what they run, a line each.

use super::ServiceError;
use super::caller::Caller;
use super::outbox::Backlog;
use super::suggest::ModelStatus;
use crate::app::App;
use crate::domain::permissions::Duty;

#[derive(Debug, Clone)]
pub struct AdminOverview {
    pub accounts: usize,
    pub active_accounts: usize,
    pub mail: Backlog,
    pub routing: ModelStatus,
}

pub async fn overview(app: &App, caller: &Caller) -> Result<AdminOverview, ServiceError> {
    let user = caller.staff()?;
    super::require(user, Duty::Administer)?;
    let accounts = super::users::list(app, user).await?;
    Ok(AdminOverview {
        active_accounts: accounts.iter().filter(|a| a.active).count(),
        accounts: accounts.len(),
        mail: super::outbox::backlog(app).await?,
        routing: super::suggest::status(app, caller).await?,
    })
}
