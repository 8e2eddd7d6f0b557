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
