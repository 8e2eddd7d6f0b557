//! Server-side sessions: a random 256-bit token in the cookie, only its SHA-256 in
//! the database. Idle and absolute timeouts are checked on every request.

use sqlx::AnyPool;

use crate::{
    crypto::{random_token, sha256_hex},
    db::{DbResult, flag, new_id},
    mail::templates::Recipient,
    profile::domain::Salutation,
};

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// A browser session ends after 30 minutes without a request …
pub const IDLE_TIMEOUT_MS: i64 = 30 * MINUTE_MS;
/// … and after 12 hours in any case.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 12 * HOUR_MS;
/// "Anmeldedaten speichern" keeps a session for 30 days.
pub const PERSISTENT_TIMEOUT_MS: i64 = 30 * DAY_MS;
/// How stale `last_seen_at` may get before a request writes it again.
const TOUCH_INTERVAL_MS: i64 = MINUTE_MS;

/// What a session may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Logged in with an initial password: only the first-login step is open.
    FirstLogin,
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::FirstLogin => "first_login",
            Stage::Full => "full",
        }
    }
}

/// The session of the current request, with the account data every page shows.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub session_id: String,
    pub account_id: String,
    pub stage: Stage,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub salutation: Salutation,
}

impl CurrentSession {
    pub fn is_full(&self) -> bool {
        self.stage == Stage::Full
    }

    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// The citizen as a mail recipient.
    pub fn recipient(&self) -> Recipient<'_> {
        Recipient::new(&self.email, self.salutation, &self.given_name, &self.family_name)
    }
}

/// What a new session needs to know.
pub struct NewSession<'a> {
    pub account_id: &'a str,
    pub stage: Stage,
    pub persistent: bool,
    pub user_agent: Option<&'a str>,
    pub client_prefix: Option<&'a str>,
}

/// A created session: the token goes into the cookie, nowhere else.
pub struct IssuedSession {
    pub token: String,
    pub max_age_secs: Option<i64>,
}

const INSERT: &str = "INSERT INTO sessions (id, token_hash, account_id, stage, persistent, created_at, last_seen_at, \
idle_timeout_ms, absolute_expires_at, user_agent, client_prefix) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)";

pub async fn create(pool: &AnyPool, new: NewSession<'_>, now: i64) -> DbResult<IssuedSession> {
    let token = random_token();
    let (idle, absolute) =
        if new.persistent { (PERSISTENT_TIMEOUT_MS, PERSISTENT_TIMEOUT_MS) } else { (IDLE_TIMEOUT_MS, ABSOLUTE_TIMEOUT_MS) };
    sqlx::query(INSERT)
        .bind(new_id())
        .bind(sha256_hex(&token))
        .bind(new.account_id)
        .bind(new.stage.as_str())
        .bind(flag(new.persistent))
        .bind(now)
        .bind(idle)
        .bind(now + absolute)
        .bind(new.user_agent.map(|ua| ua.chars().take(200).collect::<String>()))
        .bind(new.client_prefix)
        .execute(pool)
        .await?;
    Ok(IssuedSession { token, max_age_secs: new.persistent.then_some(PERSISTENT_TIMEOUT_MS / 1000) })
}

const FIND: &str = "SELECT s.id, s.account_id, s.stage, s.last_seen_at, s.idle_timeout_ms, s.absolute_expires_at, \
a.given_name, a.family_name, a.email, a.salutation FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1";
const TOUCH: &str = "UPDATE sessions SET last_seen_at = $1 WHERE id = $2";
const DELETE: &str = "DELETE FROM sessions WHERE id = $1";

/// The live session for `token`, or `None` when unknown or expired (an expired
/// one is deleted on the spot).
pub async fn find_valid(pool: &AnyPool, token: &str, now: i64) -> DbResult<Option<CurrentSession>> {
    type Row = (String, String, String, i64, i64, i64, String, String, String, String);
    let row: Option<Row> = sqlx::query_as(FIND).bind(sha256_hex(token)).fetch_optional(pool).await?;
    let Some((id, account_id, stage, last_seen, idle, absolute_expires, given_name, family_name, email, salutation)) = row else {
        return Ok(None);
    };
    if now >= absolute_expires || now - last_seen >= idle {
        sqlx::query(DELETE).bind(&id).execute(pool).await?;
        return Ok(None);
    }
    if now - last_seen >= TOUCH_INTERVAL_MS {
        sqlx::query(TOUCH).bind(now).bind(&id).execute(pool).await?;
    }
    let stage = if stage == "full" { Stage::Full } else { Stage::FirstLogin };
    Ok(Some(CurrentSession {
        session_id: id,
        account_id,
        stage,
        given_name,
        family_name,
        email,
        salutation: Salutation::from_db(&salutation),
    }))
}

/// Ends one session on the server.
pub async fn delete(pool: &AnyPool, session_id: &str) -> DbResult<()> {
    sqlx::query(DELETE).bind(session_id).execute(pool).await?;
    Ok(())
}

const DELETE_FOR_ACCOUNT: &str = "DELETE FROM sessions WHERE account_id = $1";

/// Ends every session of an account (password change, reset, deletion).
pub async fn delete_all_for_account(conn: &mut sqlx::AnyConnection, account_id: &str) -> DbResult<()> {
    sqlx::query(DELETE_FOR_ACCOUNT).bind(account_id).execute(conn).await?;
    Ok(())
}

const PURGE_EXPIRED: &str = "DELETE FROM sessions WHERE absolute_expires_at <= $1 OR last_seen_at + idle_timeout_ms <= $1";

/// Removes sessions that can no longer be used (periodic job).
pub async fn purge_expired(pool: &AnyPool, now: i64) -> DbResult<u64> {
    Ok(sqlx::query(PURGE_EXPIRED).bind(now).execute(pool).await?.rows_affected())
}
