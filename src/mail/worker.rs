//! Delivers queued mail. Several instances may run this at once: a row is claimed
//! with a lease, marked sent only after the SMTP server accepted it, and retried
//! with exponential backoff when delivery fails.

use std::{path::PathBuf, sync::Arc, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use tokio::sync::{Notify, watch};

use crate::{
    config::Config,
    db::{Clock, Db, DbResult},
};

/// How a mail leaves the portal.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Without SMTP configured: one `.eml` file per mail in this folder.
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("BP_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => Ok(Transport::Files(config.mail_drop_dir())),
        }
    }

    async fn deliver(&self, message: &Message, file_stem: &str) -> anyhow::Result<()> {
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message.clone()).await?;
            }
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let tmp = dir.join(format!(".{file_stem}.tmp"));
                tokio::fs::write(&tmp, message.formatted()).await?;
                tokio::fs::rename(&tmp, dir.join(format!("{file_stem}.eml"))).await?;
            }
        }
        Ok(())
    }
}

/// A claimed outbox row.
struct Claimed {
    id: String,
    message_id: String,
    recipient: String,
    subject: String,
    body_text: String,
    attempts: i64,
}

/// A lease long enough for one slow SMTP conversation.
const LEASE_MS: i64 = 2 * 60 * 1000;
/// After this many failed attempts (about a day of backoff) a mail is given up.
const MAX_ATTEMPTS: i64 = 15;

const CLAIM: &str = "UPDATE outbox SET locked_by = $1, locked_until = $2 WHERE id = (SELECT id FROM outbox \
WHERE status = 'pending' AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until < $3) \
ORDER BY next_attempt_at LIMIT 1) AND (locked_until IS NULL OR locked_until < $3) \
RETURNING id, message_id, recipient, subject, body_text, attempts";
// The body is blanked once the mail is out: it may hold an initial password or a
// confirmation link, which must not linger in the database or its backups.
const MARK_SENT: &str = "UPDATE outbox SET status = 'sent', sent_at = $1, locked_by = NULL, locked_until = NULL, \
attempts = attempts + 1, last_error = NULL, body_text = '' WHERE id = $2 AND locked_by = $3";
const MARK_FAILED: &str = "UPDATE outbox SET status = $1, attempts = attempts + 1, next_attempt_at = $2, \
last_error = $3, locked_by = NULL, locked_until = NULL WHERE id = $4 AND locked_by = $5";

/// Delay before attempt `n + 1`: 15 s, 30 s, 1 min, … capped at 2 hours.
pub fn backoff_ms(attempts_so_far: i64) -> i64 {
    let exp = attempts_so_far.clamp(0, 20) as u32;
    (15_000i64.saturating_mul(1i64 << exp)).min(2 * 60 * 60 * 1000)
}

pub struct MailWorker {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub transport: Transport,
    pub from: Mailbox,
    pub wakeup: Arc<Notify>,
    pub instance: String,
}

impl MailWorker {
    /// Delivers until `shutdown` flips; wakes on `wakeup` or every 2 seconds.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            match self.deliver_due().await {
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "mail outbox could not be read"),
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Delivers every mail that is due now; returns how many were handled.
    pub async fn deliver_due(&self) -> DbResult<usize> {
        let mut handled = 0;
        while let Some(mail) = self.claim().await? {
            self.deliver(mail).await?;
            handled += 1;
        }
        Ok(handled)
    }

    async fn claim(&self) -> DbResult<Option<Claimed>> {
        let now = self.clock.now_ms();
        let row: Option<(String, String, String, String, String, i64)> =
            sqlx::query_as(CLAIM).bind(&self.instance).bind(now + LEASE_MS).bind(now).fetch_optional(&self.db.pool).await?;
        Ok(row.map(|(id, message_id, recipient, subject, body_text, attempts)| Claimed {
            id,
            message_id,
            recipient,
            subject,
            body_text,
            attempts,
        }))
    }

    async fn deliver(&self, mail: Claimed) -> DbResult<()> {
        let result = match self.build(&mail) {
            Ok(message) => self.transport.deliver(&message, &mail.id).await,
            Err(e) => Err(e),
        };
        let now = self.clock.now_ms();
        match result {
            Ok(()) => {
                sqlx::query(MARK_SENT).bind(now).bind(&mail.id).bind(&self.instance).execute(&self.db.pool).await?;
                tracing::info!(mail = %mail.id, "mail delivered");
            }
            Err(e) => {
                let give_up = mail.attempts + 1 >= MAX_ATTEMPTS;
                let status = if give_up { "failed" } else { "pending" };
                let error = format!("{e:#}");
                sqlx::query(MARK_FAILED)
                    .bind(status)
                    .bind(now + backoff_ms(mail.attempts))
                    .bind(error.chars().take(500).collect::<String>())
                    .bind(&mail.id)
                    .bind(&self.instance)
                    .execute(&self.db.pool)
                    .await?;
                if give_up {
                    tracing::error!(mail = %mail.id, error = %error, "mail given up after repeated failures");
                } else {
                    tracing::warn!(mail = %mail.id, attempt = mail.attempts + 1, error = %error, "mail delivery failed, will retry");
                }
            }
        }
        Ok(())
    }

    fn build(&self, mail: &Claimed) -> anyhow::Result<Message> {
        let to: Mailbox = mail.recipient.parse()?;
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(mail.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body_text.clone())?)
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(0), 15_000);
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(14), 2 * 60 * 60 * 1000);
    }
}
