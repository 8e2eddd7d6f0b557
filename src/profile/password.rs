//! Kennwort: a new password, a new security question, or both — always with the
//! current password. A new password ends every other session of the account.

use crate::{
    accounts::{
        domain::{NewPassword, PasswordContext, SecurityAnswer, SecurityQuestion},
        sessions::CurrentSession,
        store as accounts_store,
    },
    app::AppState,
    audit::{self, AuditEvent},
    mail::{self, templates},
    profile::{password_check, store},
    web::form::FieldErrors,
};

/// The question choice that leaves the question as it is.
pub const KEEP_QUESTION: &str = "behalten";

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub aktuelles_kennwort: String,
    pub kennwort: String,
    pub kennwort_wiederholung: String,
    pub frage: String,
    pub eigene_frage: String,
    pub antwort: String,
}

pub enum Outcome {
    Saved { password_changed: bool, question_changed: bool },
    Invalid(FieldErrors),
}

pub async fn save(state: &AppState, citizen: &CurrentSession, form: &PasswordForm) -> anyhow::Result<Outcome> {
    let mut errors = FieldErrors::default();
    let wants_password = !form.kennwort.is_empty() || !form.kennwort_wiederholung.is_empty();
    let wants_question = !(form.frage.is_empty() || form.frage == KEEP_QUESTION);
    if !wants_password && !wants_question {
        errors.add("kennwort", "Bitte geben Sie ein neues Kennwort ein oder wählen Sie eine neue Frage.");
    }
    let names = [citizen.given_name.as_str(), citizen.family_name.as_str()];
    let ctx = PasswordContext { email: &citizen.email, names: &names };
    let password = if wants_password { errors.check("kennwort", NewPassword::parse(&form.kennwort, &ctx)) } else { None };
    if password.is_some() && form.kennwort != form.kennwort_wiederholung {
        errors.add(
            "kennwort_wiederholung",
            "Die beiden Kennwörter stimmen nicht überein. Bitte geben Sie das neue Kennwort zweimal gleich ein.",
        );
    }
    let question = if wants_question {
        match SecurityQuestion::parse(&form.frage, &form.eigene_frage) {
            Ok(q) => Some(q),
            Err((field, invalid)) => {
                errors.add(if field == "frage" { "frage" } else { "eigene_frage" }, invalid.0);
                None
            }
        }
    } else {
        None
    };
    let answer = if wants_question { errors.check("antwort", SecurityAnswer::parse(&form.antwort)) } else { None };
    if !password_check::verify(state, citizen, &form.aktuelles_kennwort, "aktuelles_kennwort", &mut errors).await? || !errors.is_empty() {
        return Ok(Outcome::Invalid(errors));
    }
    if password.as_ref().is_some_and(|p| p.expose() == form.aktuelles_kennwort) {
        errors.add("kennwort", "Das neue Kennwort muss sich vom aktuellen unterscheiden.");
        return Ok(Outcome::Invalid(errors));
    }

    let password_hash = match &password {
        Some(p) => Some(state.hasher.hash(p.expose()).await?),
        None => None,
    };
    let answer_hash = match &answer {
        Some(a) => Some(state.hasher.hash(a.normalised()).await?),
        None => None,
    };
    let now = state.clock.now_ms();
    let base_url = &state.config.base_url;
    let domain = mail::domain_of(base_url);
    let me = citizen.recipient();
    let mut tx = state.db.begin_write().await?;
    if let Some(hash) = &password_hash {
        accounts_store::set_password(&mut tx, &citizen.account_id, hash, now).await?;
        store::delete_other_sessions(&mut tx, &citizen.account_id, &citizen.session_id).await?;
        mail::enqueue(&mut tx, &templates::password_changed(&me, base_url)?, &domain, now).await?;
        audit::record(&mut tx, AuditEvent::PasswordChanged { account_id: &citizen.account_id }, None, now).await?;
    }
    if let (Some(question), Some(hash)) = (&question, &answer_hash) {
        accounts_store::set_security_question(&mut tx, &citizen.account_id, question.as_str(), hash, now).await?;
        mail::enqueue(&mut tx, &templates::question_changed(&me, base_url)?, &domain, now).await?;
        audit::record(&mut tx, AuditEvent::SecurityQuestionChanged { account_id: &citizen.account_id }, None, now).await?;
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(Outcome::Saved { password_changed: password_hash.is_some(), question_changed: answer_hash.is_some() })
}
