//! Attempt counters with growing delays, kept in the database so that they hold
//! across instances. An attempt is counted *before* the secret is checked, in one
//! atomic statement, so a burst of parallel requests cannot slip past the limit.
//! No permanent lockout: a block always ends, and a success clears the counter.

use sqlx::AnyPool;

use crate::db::DbResult;

/// The longest delay.
const MAX_BLOCK_MS: i64 = 15 * 60 * 1000;
/// Counters forget attempts after a quiet day.
const RESET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// Delay after the `attempts`-th attempt: none before `free`, then growing with
/// the square of the excess (2 s, 8 s, 18 s, …) up to 15 minutes.
pub fn block_ms(attempts: i64, free: i64) -> i64 {
    if attempts < free {
        return 0;
    }
    let k = attempts - free + 1;
    (k.saturating_mul(k).saturating_mul(2000)).min(MAX_BLOCK_MS)
}

/// The outcome of asking for one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead; this is the `n`-th attempt since the last success.
    Allowed { n: i64 },
    /// Wait this long first; the attempt was not counted.
    Blocked { wait_ms: i64 },
}

// N is the new count; the block it causes is computed in the same statement. The
// WHERE clause makes a blocked key refuse the update, so nothing is counted.
const ATTEMPT: &str = "INSERT INTO rate_limits (key, failures, last_failure, blocked_until) VALUES ($1, 1, $2, $5) \
ON CONFLICT (key) DO UPDATE SET \
failures = CASE WHEN rate_limits.last_failure < $3 THEN 1 ELSE rate_limits.failures + 1 END, \
last_failure = $2, \
blocked_until = CASE WHEN (CASE WHEN rate_limits.last_failure < $3 THEN 1 ELSE rate_limits.failures + 1 END) >= $4 THEN $2 + \
  CASE WHEN ((CASE WHEN rate_limits.last_failure < $3 THEN 1 ELSE rate_limits.failures + 1 END) - $4 + 1) \
          * ((CASE WHEN rate_limits.last_failure < $3 THEN 1 ELSE rate_limits.failures + 1 END) - $4 + 1) * 2000 > $6 THEN $6 \
       ELSE ((CASE WHEN rate_limits.last_failure < $3 THEN 1 ELSE rate_limits.failures + 1 END) - $4 + 1) \
          * ((CASE WHEN rate_limits.last_failure < $3 THEN 1 ELSE rate_limits.failures + 1 END) - $4 + 1) * 2000 END \
  ELSE 0 END \
WHERE rate_limits.blocked_until <= $2 \
RETURNING failures";
const BLOCKED_UNTIL: &str = "SELECT blocked_until FROM rate_limits WHERE key = $1";

/// Counts one attempt for `key` unless it is blocked; `free` attempts cost no delay.
pub async fn attempt(pool: &AnyPool, key: &str, free: i64, now: i64) -> DbResult<Attempt> {
    let n: Option<i64> = sqlx::query_scalar(ATTEMPT)
        .bind(key)
        .bind(now)
        .bind(now - RESET_AFTER_MS)
        .bind(free)
        // No block is 0, not `now`: a parallel request that read the clock a moment
        // earlier must not see itself blocked.
        .bind(if block_ms(1, free) > 0 { now + block_ms(1, free) } else { 0 })
        .bind(MAX_BLOCK_MS)
        .fetch_optional(pool)
        .await?;
    match n {
        Some(n) => Ok(Attempt::Allowed { n }),
        None => {
            let until: Option<i64> = sqlx::query_scalar(BLOCKED_UNTIL).bind(key).fetch_optional(pool).await?;
            Ok(Attempt::Blocked { wait_ms: until.unwrap_or(now).saturating_sub(now).max(1000) })
        }
    }
}

const RECENT: &str = "SELECT failures FROM rate_limits WHERE key = $1 AND last_failure >= $2";

/// Attempts counted for `key` in the last day.
pub async fn count(pool: &AnyPool, key: &str, now: i64) -> DbResult<i64> {
    let n: Option<i64> = sqlx::query_scalar(RECENT).bind(key).bind(now - RESET_AFTER_MS).fetch_optional(pool).await?;
    Ok(n.unwrap_or(0))
}

const CLEAR: &str = "DELETE FROM rate_limits WHERE key = $1";

/// Forgets the attempts of `key` (after a success).
pub async fn clear(pool: &AnyPool, key: &str) -> DbResult<()> {
    sqlx::query(CLEAR).bind(key).execute(pool).await?;
    Ok(())
}

const PURGE: &str = "DELETE FROM rate_limits WHERE last_failure < $1 AND blocked_until < $2";

/// Removes counters nobody needs any more (periodic job).
pub async fn purge_stale(pool: &AnyPool, now: i64) -> DbResult<u64> {
    Ok(sqlx::query(PURGE).bind(now - RESET_AFTER_MS).bind(now).execute(pool).await?.rows_affected())
}

/// Seconds as a citizen reads them: "45 Sekunden", "3 Minuten".
pub fn wait_text(wait_ms: i64) -> String {
    let secs = (wait_ms + 999) / 1000;
    if secs <= 60 { format!("{secs} Sekunden") } else { format!("{} Minuten", (secs + 59) / 60) }
}

#[cfg(test)]
mod tests {
    use super::block_ms;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(block_ms(4, 5), 0);
        assert_eq!(block_ms(5, 5), 2000);
        assert_eq!(block_ms(6, 5), 8000);
        assert_eq!(block_ms(7, 5), 18000);
        assert_eq!(block_ms(400, 5), 15 * 60 * 1000);
    }
}
