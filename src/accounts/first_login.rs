//! Erstanmeldung: after logging in with an initial password the citizen sets their
//! own password. At activation they also choose a security question and answer;
//! after a reset ("Kennwort vergessen") they may keep the question they have.

use crate::{
    accounts::{
        domain::{NewPassword, PasswordContext, SecurityAnswer, SecurityQuestion},
        sessions::{self, CurrentSession, IssuedSession, NewSession, Stage},
        store,
    },
    app::AppState,
    audit::{self, AuditEvent},
    mail::{self, templates},
    web::{client::ClientInfo, form::FieldErrors},
};

/// The question choice that keeps the current question (only after a reset).
pub const KEEP_QUESTION: &str = "behalten";

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

/// True when the session's account is already active, i.e. this first login
/// completes a reset rather than an activation.
pub async fn is_reset(state: &AppState, session: &CurrentSession) -> anyhow::Result<bool> {
    Ok(store::find_by_id(&state.db.pool, &session.account_id).await?.is_some_and(|a| a.is_active()))
}

pub async fn complete(state: &AppState, session: &CurrentSession, form: &FirstLoginForm, client: &ClientInfo) -> anyhow::Result<Outcome> {
    let reset = is_reset(state, session).await?;
    let mut errors = FieldErrors::default();
    let keep_question = reset && (form.frage == KEEP_QUESTION || form.frage.is_empty());
    let question_and_answer = if keep_question {
        None
    } else {
        let question = match SecurityQuestion::parse(&form.frage, &form.eigene_frage) {
            Ok(q) => Some(q),
            Err((field, invalid)) => {
                errors.add(if field == "frage" { "frage" } else { "eigene_frage" }, invalid.0);
                None
            }
        };
        let answer = errors.check("antwort", SecurityAnswer::parse(&form.antwort));
        Some((question, answer))
    };
    let names = [session.given_name.as_str(), session.family_name.as_str()];
    let ctx = PasswordContext { email: &session.email, names: &names };
    let password = errors.check("kennwort", NewPassword::parse(&form.kennwort, &ctx));
    if password.is_some() && form.kennwort != form.kennwort_wiederholung {
        errors.add(
            "kennwort_wiederholung",
            "Die beiden Kennwörter stimmen nicht überein. Bitte geben Sie das neue Kennwort zweimal gleich ein.",
        );
    }
    if let Some((_, Some(answer))) = &question_and_answer
        && answer.normalised() == form.kennwort.to_lowercase()
    {
        errors.add("antwort", "Die Antwort darf nicht Ihr Kennwort sein.");
    }
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        return Ok(Outcome::Invalid(errors));
    };
    let question_and_answer = match question_and_answer {
        None => None,
        Some((Some(q), Some(a))) => Some((q, a)),
        Some(_) => return Ok(Outcome::Invalid(errors)),
    };

    let password_hash = state.hasher.hash(password.expose()).await?;
    let answer_hash = match &question_and_answer {
        Some((_, answer)) => Some(state.hasher.hash(answer.normalised()).await?),
        None => None,
    };
    let now = state.clock.now_ms();
    let base_url = &state.config.base_url;
    let mut tx = state.db.begin_write().await?;
    match (&question_and_answer, &answer_hash) {
        (Some((question, _)), Some(answer_hash)) if !reset => {
            store::activate(&mut tx, &session.account_id, &password_hash, question.as_str(), answer_hash, now).await?;
        }
        (Some((question, _)), Some(answer_hash)) => {
            store::set_password(&mut tx, &session.account_id, &password_hash, now).await?;
            store::set_security_question(&mut tx, &session.account_id, question.as_str(), answer_hash, now).await?;
        }
        _ => store::set_password(&mut tx, &session.account_id, &password_hash, now).await?,
    }
    // Every earlier session of the account ends; the citizen continues in a new one.
    sessions::delete_all_for_account(&mut tx, &session.account_id).await?;
    let (mail, event) = if reset {
        (templates::password_reset(&session.recipient(), base_url)?, AuditEvent::PasswordResetCompleted { account_id: &session.account_id })
    } else {
        (templates::account_activated(&session.recipient(), base_url)?, AuditEvent::FirstLoginCompleted { account_id: &session.account_id })
    };
    mail::enqueue(&mut tx, &mail, &mail::domain_of(base_url), now).await?;
    audit::record(&mut tx, event, None, now).await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();

    let prefix = client.prefix();
    let issued = sessions::create(
        &state.db.pool,
        NewSession {
            account_id: &session.account_id,
            stage: Stage::Full,
            persistent: false,
            user_agent: client.user_agent.as_deref(),
            client_prefix: Some(&prefix),
        },
        now,
    )
    .await?;
    Ok(Outcome::Activated(issued))
}
