//! Erstanmeldung: after logging in with the initial password the citizen chooses a
//! security question with answer and their own password; then the account is active.

use crate::{
    accounts::{
        domain::{NewPassword, PasswordContext, SecurityAnswer, SecurityQuestion},
        sessions::{self, CurrentSession, IssuedSession, NewSession, Stage},
    },
    app::AppState,
    audit::{self, AuditEvent},
    mail::{self, templates},
    web::form::FieldErrors,
};

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct FirstLoginForm {
    pub frage: String,
    pub eigene_frage: String,
    pub antwort: String,
    pub kennwort: String,
    pub kennwort_wiederholung: String,
}

pub enum Outcome {
    Activated(IssuedSession),
    Invalid(FieldErrors),
}

pub async fn complete(
    state: &AppState,
    session: &CurrentSession,
    form: &FirstLoginForm,
    user_agent: Option<&str>,
) -> anyhow::Result<Outcome> {
    let mut errors = FieldErrors::default();
    let question = match SecurityQuestion::parse(&form.frage, &form.eigene_frage) {
        Ok(q) => Some(q),
        Err((field, invalid)) => {
            errors.add(if field == "frage" { "frage" } else { "eigene_frage" }, invalid.0);
            None
        }
    };
    let answer = errors.check("antwort", SecurityAnswer::parse(&form.antwort));
    let names = [session.given_name.as_str(), session.family_name.as_str()];
    let ctx = PasswordContext {
        email: &session.email,
        names: &names,
    };
    let password = errors.check("kennwort", NewPassword::parse(&form.kennwort, &ctx));
    if password.is_some() && form.kennwort != form.kennwort_wiederholung {
        errors.add(
            "kennwort_wiederholung",
            "Die beiden Kennwörter stimmen nicht überein. Bitte geben Sie das neue Kennwort zweimal gleich ein.",
        );
    }
    let (Some(question), Some(answer), Some(password)) = (question, answer, password) else {
        return Ok(Outcome::Invalid(errors));
    };
    if !errors.is_empty() {
        return Ok(Outcome::Invalid(errors));
    }
    if answer.normalised() == form.kennwort.to_lowercase() {
        errors.add("antwort", "Die Antwort darf nicht Ihr Kennwort sein.");
        return Ok(Outcome::Invalid(errors));
    }

    let password_hash = state.hasher.hash(password.expose()).await?;
    let answer_hash = state.hasher.hash(answer.normalised()).await?;
    let now = state.clock.now_ms();
    let mut tx = state.db.pool.begin().await?;
    crate::accounts::store::activate(&mut tx, &session.account_id, &password_hash, question.as_str(), &answer_hash, now).await?;
    // Every earlier session of the account ends; the citizen continues in a new one.
    sessions::delete_all_for_account(&mut tx, &session.account_id).await?;
    let mail = templates::account_activated(&session.email, &session.given_name, &session.family_name, &state.config.base_url)?;
    mail::enqueue(&mut tx, &mail, &mail::domain_of(&state.config.base_url), now).await?;
    audit::record(
        &mut tx,
        AuditEvent::FirstLoginCompleted {
            account_id: &session.account_id,
        },
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();

    let issued = sessions::create(
        &state.db.pool,
        NewSession {
            account_id: &session.account_id,
            stage: Stage::Full,
            persistent: false,
            user_agent,
            client_prefix: None,
        },
        now,
    )
    .await?;
    Ok(Outcome::Activated(issued))
}
