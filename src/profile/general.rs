//! Allgemein: Anrede, names, date of birth, gender, and the login address. A new
//! address needs the current password and only takes effect when confirmed from
//! the new mailbox; the old address is told before and after.

use crate::{
    accounts::{
        domain::{BirthDate, Email, PersonName},
        sessions::CurrentSession,
        store as accounts_store,
    },
    app::AppState,
    audit::{self, AuditEvent},
    crypto::{random_token, sha256_hex},
    mail::{self, templates},
    profile::{
        domain::{Gender, Salutation},
        password_check,
        store::{self, GeneralData},
    },
    web::{dates, form::FieldErrors},
};

/// A confirmation link for a new address is valid this long.
pub const EMAIL_LINK_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct GeneralForm {
    pub anrede: String,
    pub vorname: String,
    pub zweitname: String,
    pub nachname: String,
    pub geburtsdatum: String,
    pub geschlecht: String,
    pub email: String,
    pub aktuelles_kennwort: String,
}

pub enum Outcome {
    /// Saved; `email_pending` when a confirmation link went to a new address.
    Saved {
        email_pending: bool,
    },
    Invalid(FieldErrors),
}

pub async fn save(state: &AppState, citizen: &CurrentSession, form: &GeneralForm) -> anyhow::Result<Outcome> {
    let now = state.clock.now_ms();
    let mut errors = FieldErrors::default();
    let salutation = errors.check("anrede", Salutation::parse(&form.anrede));
    let given = errors.check("vorname", PersonName::parse(&form.vorname, "Bitte geben Sie Ihren Vornamen ein."));
    let middle = errors.check("zweitname", PersonName::parse_optional(&form.zweitname));
    let family = errors.check("nachname", PersonName::parse(&form.nachname, "Bitte geben Sie Ihren Nachnamen ein."));
    let birth = errors.check("geburtsdatum", BirthDate::parse_optional(&form.geburtsdatum, dates::today_berlin(now)));
    let gender = errors.check("geschlecht", Gender::parse(&form.geschlecht));
    let email = errors.check("email", Email::parse(&form.email));
    let new_email = email.filter(|e| e.as_str() != citizen.email);
    if new_email.is_some() && !password_check::verify(state, citizen, &form.aktuelles_kennwort, "aktuelles_kennwort", &mut errors).await? {
        return Ok(Outcome::Invalid(errors));
    }
    let (Some(salutation), Some(given), Some(middle), Some(family), Some(birth), Some(gender)) =
        (salutation, given, middle, family, birth, gender)
    else {
        return Ok(Outcome::Invalid(errors));
    };
    if !errors.is_empty() {
        return Ok(Outcome::Invalid(errors));
    }

    let base_url = &state.config.base_url;
    let domain = mail::domain_of(base_url);
    let may_mail_new = match &new_email {
        Some(e) => mail::within_limit(&state.db.pool, e.as_str(), now).await?,
        None => false,
    };
    let mut tx = state.db.begin_write().await?;
    let data = GeneralData {
        salutation,
        given_name: given.as_str(),
        middle_name: middle.as_ref().map(PersonName::as_str),
        family_name: family.as_str(),
        birth_date: birth.map(|b| b.iso()),
        gender,
    };
    store::update_general(&mut tx, &citizen.account_id, &data, now).await?;
    audit::record(&mut tx, AuditEvent::ProfileChanged { account_id: &citizen.account_id }, None, now).await?;
    let me = templates::Recipient::new(&citizen.email, salutation, given.as_str(), family.as_str());
    if let Some(new_email) = &new_email {
        match accounts_store::find_by_email(&mut tx, new_email.as_str()).await? {
            // Taken: the requester learns nothing; the other account's owner is told.
            Some(other) if may_mail_new => {
                mail::enqueue(&mut tx, &templates::email_in_use(&other.recipient(), base_url)?, &domain, now).await?;
            }
            Some(_) => {}
            None if !may_mail_new => {}
            None => {
                let token = random_token();
                let expires_at = now + EMAIL_LINK_LIFETIME_MS;
                store::insert_email_change(&mut tx, &citizen.account_id, new_email.as_str(), &sha256_hex(&token), now, expires_at).await?;
                let link = format!("{base_url}/login-daten/email-bestaetigen/{token}");
                let to_new = templates::Recipient::new(new_email.as_str(), salutation, given.as_str(), family.as_str());
                mail::enqueue(&mut tx, &templates::confirm_email(&to_new, &link, &dates::berlin(expires_at))?, &domain, now).await?;
            }
        }
        mail::enqueue(&mut tx, &templates::email_change_requested(&me, base_url)?, &domain, now).await?;
        audit::record(&mut tx, AuditEvent::EmailChangeRequested { account_id: &citizen.account_id }, None, now).await?;
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(Outcome::Saved { email_pending: new_email.is_some() })
}

/// What happened to a confirmation link.
pub enum Confirmation {
    Changed,
    /// Unknown, expired, used or tampered with.
    Invalid,
    /// Someone registered the address in the meantime.
    Taken,
    /// The browser is logged in to a different account than the one that asked.
    OtherAccount,
}

/// What the confirm page may offer for `token`, before anything changes.
pub async fn check_link(state: &AppState, token: &str, logged_in_as: Option<&str>) -> anyhow::Result<Option<Confirmation>> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(match store::open_email_change(&mut conn, &sha256_hex(token), state.clock.now_ms()).await? {
        None => Some(Confirmation::Invalid),
        Some(change) if logged_in_as.is_some_and(|id| id != change.account_id) => Some(Confirmation::OtherAccount),
        Some(_) => None,
    })
}

/// Confirms the change behind `token` (a POST: mail scanners only ever GET).
/// `logged_in_as`: the account of the browser's session, if any; a link of another
/// account is refused, so nobody confirms a change into the wrong account by mistake.
pub async fn confirm(state: &AppState, token: &str, logged_in_as: Option<&str>) -> anyhow::Result<Confirmation> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let Some(change) = store::open_email_change(&mut tx, &sha256_hex(token), now).await? else {
        return Ok(Confirmation::Invalid);
    };
    if logged_in_as.is_some_and(|id| id != change.account_id) {
        return Ok(Confirmation::OtherAccount);
    }
    let Some(account) = accounts_store::find_by_id(&state.db.pool, &change.account_id).await? else {
        return Ok(Confirmation::Invalid);
    };
    if accounts_store::find_by_email(&mut tx, &change.new_email).await?.is_some() {
        return Ok(Confirmation::Taken);
    }
    match store::apply_email_change(&mut tx, &change, now).await {
        Ok(true) => {}
        Ok(false) => return Ok(Confirmation::Invalid),
        // Registered by someone else a moment ago.
        Err(crate::db::DbError::Conflict) => return Ok(Confirmation::Taken),
        Err(e) => return Err(e.into()),
    }
    let domain = mail::domain_of(&state.config.base_url);
    mail::enqueue(&mut tx, &templates::email_changed(&account.recipient(), &state.config.base_url)?, &domain, now).await?;
    audit::record(&mut tx, AuditEvent::EmailChanged { account_id: &account.id }, None, now).await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(Confirmation::Changed)
}
