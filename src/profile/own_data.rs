//! Meine Daten: everything the portal stores about the citizen as one JSON file
//! (GDPR Art. 15/20, format in docs/DATA_EXPORT.md), and deleting the account.

use serde_json::json;

use crate::{
    accounts::sessions::CurrentSession,
    app::AppState,
    audit::{self, AuditEvent},
    crypto::hmac_token,
    mail::{self, templates},
    profile::{countries, password_check, store},
    web::{dates, form::FieldErrors},
};

/// The version tag of the export format.
pub const EXPORT_FORMAT: &str = "buergerportal-datenauskunft/1";

/// The citizen's data as a pretty-printed JSON document.
pub async fn export(state: &AppState, citizen: &CurrentSession) -> anyhow::Result<String> {
    let now = state.clock.now_ms();
    let pool = &state.db.pool;
    let p = store::profile(pool, &citizen.account_id).await?;
    let sessions = store::sessions(pool, &citizen.account_id, now).await?;
    let audit = store::audit_entries(pool, &citizen.account_id).await?;
    let doc = json!({
        "format": EXPORT_FORMAT,
        "erstellt": dates::berlin(now),
        "konto": {
            "email": p.email,
            "anrede": p.salutation.form_value(),
            "vorname": p.given_name,
            "zweitname": p.middle_name,
            "nachname": p.family_name,
            "geburtsdatum": p.birth_date,
            "geschlecht": p.gender.form_value(),
            "registriert": dates::berlin(p.created_at),
            "aktiviert": p.activated_at.map(dates::berlin),
            "kennworterinnerung_frage": p.security_question,
        },
        "adresse": {
            "strasse": p.street,
            "plz": p.postal_code,
            "stadt": p.city,
            "land": countries::name_of(&p.country),
            "land_code": p.country,
            "telefon": p.phone,
        },
        "sitzungen": sessions.iter().map(|s| json!({
            "angemeldet": dates::berlin(s.created_at),
            "zuletzt_aktiv": dates::berlin(s.last_seen_at),
            "browser": s.user_agent,
            "netz": s.client_prefix,
            "angemeldet_bleiben": s.persistent,
        })).collect::<Vec<_>>(),
        "protokoll": audit.iter().map(|a| json!({
            "zeit": dates::berlin(a.at),
            "ereignis": a.event,
            "netz": a.client,
        })).collect::<Vec<_>>(),
        "hinweis": "Kennwörter, Antworten und Sitzungsschlüssel speichern wir nur als Hash; sie sind deshalb nicht enthalten.",
    });
    Ok(serde_json::to_string_pretty(&doc)?)
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub loeschen_kennwort: String,
    pub bestaetigung: String,
}

pub enum DeleteOutcome {
    Deleted,
    Invalid(FieldErrors),
}

/// Deletes the account with everything that belongs to it; the audit log keeps
/// its entries under a pseudonym.
pub async fn delete(state: &AppState, citizen: &CurrentSession, form: &DeleteForm) -> anyhow::Result<DeleteOutcome> {
    let mut errors = FieldErrors::default();
    if form.bestaetigung.is_empty() {
        errors.add("bestaetigung", "Bitte bestätigen Sie, dass Sie Ihr Konto endgültig löschen möchten.");
    }
    if !password_check::verify(state, citizen, &form.loeschen_kennwort, "loeschen_kennwort", &mut errors).await? || !errors.is_empty() {
        return Ok(DeleteOutcome::Invalid(errors));
    }
    let now = state.clock.now_ms();
    let pseudonym = format!("geloescht:{}", &hmac_token(&state.recovery_key, &citizen.account_id)[..16]);
    let mut tx = state.db.begin_write().await?;
    store::delete_account(&mut tx, &citizen.account_id, &pseudonym).await?;
    mail::forget_recipient(&mut tx, &citizen.email).await?;
    audit::record(&mut tx, AuditEvent::AccountDeleted { pseudonym: &pseudonym }, None, now).await?;
    let mail = templates::account_deleted(&citizen.recipient(), &state.config.base_url)?;
    mail::enqueue(&mut tx, &mail, &mail::domain_of(&state.config.base_url), now).await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(DeleteOutcome::Deleted)
}
