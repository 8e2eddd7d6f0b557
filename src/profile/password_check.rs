//! "Aktuelles Kennwort": the current password guards every sensitive change.
//! Failures count like failed logins, so it can't be used to guess passwords.

use crate::{
    accounts::{sessions::CurrentSession, store},
    app::AppState,
    throttle,
    web::form::FieldErrors,
};

const FREE_FAILURES: i64 = 5;

/// Checks `password` against the citizen's current password; on failure the
/// message goes to `field` and false is returned.
pub async fn verify(
    state: &AppState,
    citizen: &CurrentSession,
    password: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> anyhow::Result<bool> {
    let now = state.clock.now_ms();
    let pool = &state.db.pool;
    let key = format!("current-password:{}", citizen.account_id);
    if password.is_empty() {
        errors.add(field, "Bitte geben Sie zur Bestätigung Ihr aktuelles Kennwort ein.");
        return Ok(false);
    }
    if let throttle::Attempt::Blocked { wait_ms } = throttle::attempt(pool, &key, FREE_FAILURES, now).await? {
        errors.add(field, format!("Zu viele falsche Eingaben. Bitte warten Sie {}.", throttle::wait_text(wait_ms)));
        return Ok(false);
    }
    let hash = store::find_by_id(pool, &citizen.account_id).await?.and_then(|a| a.password_hash);
    if state.hasher.verify(password, hash.as_deref()).await {
        throttle::clear(pool, &key).await?;
        Ok(true)
    } else {
        errors.add(field, "Das aktuelle Kennwort ist nicht korrekt.");
        Ok(false)
    }
}
