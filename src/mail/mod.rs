//! Mail: an outbox table written in the same transaction as the action that
//! causes the mail, and a worker that delivers it by SMTP or as `.eml` file.

pub mod templates;
pub mod worker;

use sqlx::AnyConnection;

use crate::db::{DbResult, new_id};

/// A mail ready to be queued. Plain text only: every client can read it and no
/// tracking pixel or remote content can slip in.
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
}

const INSERT: &str = "INSERT INTO outbox (id, message_id, recipient, subject, body_text, created_at, status, attempts, next_attempt_at) \
VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6)";

/// Queues `mail`; call inside the transaction of the action that causes it.
/// `mail_domain` becomes the right-hand side of the Message-ID.
pub async fn enqueue(conn: &mut AnyConnection, mail: &OutgoingMail, mail_domain: &str, now: i64) -> DbResult<()> {
    let id = new_id();
    let message_id = format!("<{id}@{mail_domain}>");
    sqlx::query(INSERT)
        .bind(&id)
        .bind(&message_id)
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.body_text)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The host part of the base URL, for Message-IDs.
pub fn domain_of(base_url: &str) -> String {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = rest.split(['/', ':']).next().unwrap_or("localhost");
    if host.is_empty() { "localhost".into() } else { host.to_string() }
}

const PURGE_DONE: &str = "DELETE FROM outbox WHERE status <> 'pending' AND created_at < $1";
const FORGET_RECIPIENT: &str = "DELETE FROM outbox WHERE recipient = $1";

/// How long delivered or given-up mails stay for troubleshooting.
pub const KEEP_DONE_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Removes delivered and given-up mails older than [`KEEP_DONE_MS`] (periodic job).
pub async fn purge_done(pool: &sqlx::AnyPool, now: i64) -> DbResult<u64> {
    Ok(sqlx::query(PURGE_DONE).bind(now - KEEP_DONE_MS).execute(pool).await?.rows_affected())
}

/// Removes every queued or delivered mail to `address` (account deletion).
pub async fn forget_recipient(conn: &mut AnyConnection, address: &str) -> DbResult<()> {
    sqlx::query(FORGET_RECIPIENT).bind(address).execute(conn).await?;
    Ok(())
}

/// Optional mails to one address before delays start.
const FREE_MAILS_PER_ADDRESS: i64 = 5;

/// Whether one more mail that a stranger can trigger (a notice, a new initial
/// password, a confirmation link) may go to `address` now. Limits how often the
/// portal can be made to write to somebody's mailbox; the answer on screen is the
/// same either way.
pub async fn within_limit(pool: &sqlx::AnyPool, address: &str, now: i64) -> DbResult<bool> {
    let key = format!("mail-to:{}", crate::crypto::sha256_hex(&address.to_lowercase()));
    Ok(matches!(crate::throttle::attempt(pool, &key, FREE_MAILS_PER_ADDRESS, now).await?, crate::throttle::Attempt::Allowed { .. }))
}
