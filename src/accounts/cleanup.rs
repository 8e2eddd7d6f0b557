//! Deletes accounts that were never activated.

use crate::{
    accounts::store,
    app::AppState,
    audit::{self, AuditEvent},
};

/// Accounts that never finished their first login are deleted this long after
/// their last initial password expired.
pub const UNFINISHED_ACCOUNT_GRACE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Deletes accounts whose first login never happened (periodic job).
pub async fn delete_unfinished_accounts(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let ids = store::unfinished_before(&state.db.pool, now - UNFINISHED_ACCOUNT_GRACE_MS).await?;
    let mut deleted = 0;
    for id in ids {
        let mut tx = state.db.begin_write().await?;
        if store::delete_pending(&mut tx, &id).await? {
            audit::record(&mut tx, AuditEvent::UnfinishedAccountDeleted { account_id: &id }, None, now).await?;
            deleted += 1;
        }
        tx.commit().await?;
    }
    Ok(deleted)
}
