//! Failure counters with growing delays, kept in the database so that they hold
//! across instances. No permanent lockout: a block always ends.

use sqlx::AnyPool;

use crate::db::DbResult;

/// The longest delay.
const MAX_BLOCK_MS: i64 = 15 * 60 * 1000;
/// Counters forget failures after a quiet day.
const RESET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// Delay after `failures` failures: none for the first `free`, then 2 s, 4 s, … up to 15 min.
pub fn block_ms(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exp = (failures - free).clamp(0, 20) as u32;
    (2000i64 << exp).min(MAX_BLOCK_MS)
}

const BLOCKED_UNTIL: &str = "SELECT blocked_until FROM rate_limits WHERE key = $1";

/// Milliseconds the caller must still wait for `key`, if blocked.
pub async fn wait_ms(pool: &AnyPool, key: &str, now: i64) -> DbResult<Option<i64>> {
    let until: Option<i64> = sqlx::query_scalar(BLOCKED_UNTIL).bind(key).fetch_optional(pool).await?;
    Ok(until.filter(|u| *u > now).map(|u| u - now))
}

const RECORD: &str = "INSERT INTO rate_limits (key, failures, last_failure, blocked_until) VALUES ($1, 1, $2, $3) \
ON CONFLICT (key) DO UPDATE SET \
failures = CASE WHEN rate_limits.last_failure < $4 THEN 1 ELSE rate_limits.failures + 1 END, \
last_failure = $2";
const SET_BLOCK: &str = "UPDATE rate_limits SET blocked_until = $1 WHERE key = $2";
const FAILURES: &str = "SELECT failures FROM rate_limits WHERE key = $1";

/// Counts a failure for `key` and sets its block; `free` failures cost no delay.
pub async fn record_failure(pool: &AnyPool, key: &str, free: i64, now: i64) -> DbResult<()> {
    sqlx::query(RECORD).bind(key).bind(now).bind(now).bind(now - RESET_AFTER_MS).execute(pool).await?;
    let failures: i64 = sqlx::query_scalar(FAILURES).bind(key).fetch_one(pool).await?;
    sqlx::query(SET_BLOCK).bind(now + block_ms(failures, free)).bind(key).execute(pool).await?;
    Ok(())
}

const RECENT_FAILURES: &str = "SELECT failures FROM rate_limits WHERE key = $1 AND last_failure >= $2";

/// Failures of `key` in the last day.
pub async fn failures(pool: &AnyPool, key: &str, now: i64) -> DbResult<i64> {
    let n: Option<i64> = sqlx::query_scalar(RECENT_FAILURES).bind(key).bind(now - RESET_AFTER_MS).fetch_optional(pool).await?;
    Ok(n.unwrap_or(0))
}

const CLEAR: &str = "DELETE FROM rate_limits WHERE key = $1";

/// Forgets the failures of `key` (after a success).
pub async fn clear(pool: &AnyPool, key: &str) -> DbResult<()> {
    sqlx::query(CLEAR).bind(key).execute(pool).await?;
    Ok(())
}

const PURGE: &str = "DELETE FROM rate_limits WHERE last_failure < $1 AND blocked_until < $2";

/// Removes counters nobody needs any more (periodic job).
pub async fn purge_stale(pool: &AnyPool, now: i64) -> DbResult<u64> {
    Ok(sqlx::query(PURGE).bind(now - RESET_AFTER_MS).bind(now).execute(pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::block_ms;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(block_ms(4, 5), 0);
        assert_eq!(block_ms(5, 5), 2000);
        assert_eq!(block_ms(6, 5), 4000);
        assert_eq!(block_ms(40, 5), 15 * 60 * 1000);
    }
}
