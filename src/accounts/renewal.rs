//! A fresh initial password for an account that never finished its first login
//! (the way out of an expired initial password), and the clean-up of accounts
//! that were never activated.

use crate::{
    accounts::{domain::Email, store},
    app::AppState,
    audit::{self, AuditEvent},
    captcha::{self, Verdict},
    crypto::random_initial_password,
    mail::{self, templates},
    web::{dates, form::FieldErrors},
};

/// Accounts that never finished their first login are deleted this long after
/// their last initial password expired.
pub const UNFINISHED_ACCOUNT_GRACE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct RenewalForm {
    pub email: String,
    pub captcha_id: String,
    pub captcha_antwort: String,
    pub aktion: String,
}

pub enum Outcome {
    /// The same answer for every address.
    Confirmed,
    Invalid {
        errors: FieldErrors,
        new_challenge: bool,
    },
}

pub async fn request(state: &AppState, form: &RenewalForm) -> anyhow::Result<Outcome> {
    let now = state.clock.now_ms();
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    if form.captcha_antwort.trim().is_empty() {
        errors.add(
            "captcha_antwort",
            "Bitte geben Sie die Zeichen aus dem Bild (oder die Antwort auf die Frage) ein.",
        );
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(Outcome::Invalid {
            errors,
            new_challenge: false,
        });
    };
    let subject = format!("renewal:{}", email.as_str());
    match captcha::verify(
        &state.db.pool,
        &form.captcha_id,
        &form.captcha_antwort,
        &subject,
        state.config.captcha_test_answer.as_deref(),
        now,
    )
    .await?
    {
        Verdict::Correct => {}
        Verdict::Unusable { same_subject: true } => return Ok(Outcome::Confirmed),
        Verdict::Unusable { same_subject: false } => {
            errors.add(
                "captcha_antwort",
                "Der Code ist abgelaufen oder wurde schon verwendet. Bitte geben Sie den neuen Code ein.",
            );
            return Ok(Outcome::Invalid {
                errors,
                new_challenge: true,
            });
        }
        Verdict::Wrong => {
            errors.add(
                "captcha_antwort",
                "Die Eingabe stimmt nicht mit dem Code überein. Bitte versuchen Sie es mit dem neuen Code.",
            );
            return Ok(Outcome::Invalid {
                errors,
                new_challenge: true,
            });
        }
    }

    let password = random_initial_password(super::registration::INITIAL_PASSWORD_LEN);
    let hash = state.hasher.hash(&password).await?;
    let mut tx = state.db.pool.begin().await?;
    if let Some(account) = store::find_by_email(&mut tx, email.as_str()).await?.filter(|a| !a.is_active()) {
        let expires_at = now + state.config.initial_password_ttl.as_millis() as i64;
        store::replace_initial_password(&mut tx, &account.id, &hash, now, expires_at).await?;
        let mail = templates::initial_password(
            &account.email,
            &account.given_name,
            &account.family_name,
            &password,
            &dates::berlin(expires_at),
            &state.config.base_url,
            templates::InitialPasswordReason::Renewal,
        )?;
        mail::enqueue(&mut tx, &mail, &mail::domain_of(&state.config.base_url), now).await?;
        audit::record(&mut tx, AuditEvent::InitialPasswordRenewed { account_id: &account.id }, None, now).await?;
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(Outcome::Confirmed)
}

/// Deletes accounts whose first login never happened (periodic job).
pub async fn delete_unfinished_accounts(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let ids = store::unfinished_before(&state.db.pool, now - UNFINISHED_ACCOUNT_GRACE_MS).await?;
    let mut deleted = 0;
    for id in ids {
        let mut tx = state.db.pool.begin().await?;
        if store::delete_pending(&mut tx, &id).await? {
            audit::record(&mut tx, AuditEvent::UnfinishedAccountDeleted { account_id: &id }, None, now).await?;
            deleted += 1;
        }
        tx.commit().await?;
    }
    Ok(deleted)
}
