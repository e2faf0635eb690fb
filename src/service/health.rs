//! Whether the portal can do its work: the database answers.

use super::ServiceError;
use crate::app::App;

/// `Ok` when the database answers a query.
pub async fn check(app: &App) -> Result<(), ServiceError> {
    app.read(|conn, _, _| Ok(crate::db::ping(conn)?)).await
}
