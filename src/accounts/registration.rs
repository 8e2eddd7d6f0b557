//! Konto erstellen: a new address gets a pending account and an initial password by
//! mail; a known address gets no account, and its owner a notice. Both look the same.

use crate::{
    accounts::{
        domain::{BirthDate, Email, PersonName},
        store::{self, NewAccount},
    },
    app::AppState,
    audit::{self, AuditEvent},
    captcha::{self, Verdict},
    crypto::random_initial_password,
    mail::{
        self,
        templates::{self, Recipient},
    },
    profile::domain::Salutation,
    web::{dates, form::FieldErrors},
};

/// Length of an initial password (from a 51-character alphabet: ~80 bits).
pub const INITIAL_PASSWORD_LEN: usize = 14;

/// The registration form as typed.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub vorname: String,
    pub zweitname: String,
    pub nachname: String,
    pub geburtstag: String,
    pub email: String,
    pub captcha_id: String,
    pub captcha_antwort: String,
    /// Set by the "Neuen Code erzeugen" / "Frage in Worten" buttons.
    pub aktion: String,
}

pub enum Outcome {
    /// The confirmation page (whether or not the address was known).
    Confirmed,
    /// Back to the form with these messages. `new_challenge` when the captcha was used up.
    Invalid { errors: FieldErrors, new_challenge: bool },
}

struct Parsed {
    given: PersonName,
    middle: Option<PersonName>,
    family: PersonName,
    birth: Option<BirthDate>,
    email: Email,
}

fn parse(form: &RegistrationForm, now: i64, errors: &mut FieldErrors) -> Option<Parsed> {
    let given = errors.check("vorname", PersonName::parse(&form.vorname, "Bitte geben Sie Ihren Vornamen ein."));
    let middle = errors.check("zweitname", PersonName::parse_optional(&form.zweitname));
    let family = errors.check("nachname", PersonName::parse(&form.nachname, "Bitte geben Sie Ihren Nachnamen ein."));
    let birth = errors.check("geburtstag", BirthDate::parse_optional(&form.geburtstag, dates::today_berlin(now)));
    let email = errors.check("email", Email::parse(&form.email));
    if form.captcha_antwort.trim().is_empty() {
        errors.add("captcha_antwort", "Bitte geben Sie die Zeichen aus dem Bild (oder die Antwort auf die Frage) ein.");
    } else if form.captcha_antwort.chars().count() > 20 {
        errors.add("captcha_antwort", "Die Eingabe ist zu lang. Bitte geben Sie nur die Zeichen aus dem Bild ein.");
    }
    Some(Parsed { given: given?, middle: middle?, family: family?, birth: birth?, email: email? })
}

pub async fn register(state: &AppState, form: &RegistrationForm) -> anyhow::Result<Outcome> {
    let now = state.clock.now_ms();
    let mut errors = FieldErrors::default();
    let parsed = parse(form, now, &mut errors);
    let Some(p) = parsed.filter(|_| errors.is_empty()) else {
        return Ok(Outcome::Invalid { errors, new_challenge: false });
    };

    let verdict = captcha::verify(
        &state.db.pool,
        &form.captcha_id,
        &form.captcha_antwort,
        p.email.as_str(),
        state.config.captcha_test_answer.as_deref(),
        now,
    )
    .await?;
    match verdict {
        Verdict::Correct => {}
        Verdict::Unusable { same_subject: true } => return Ok(Outcome::Confirmed),
        Verdict::Unusable { same_subject: false } => {
            errors.add("captcha_antwort", "Der Code ist abgelaufen oder wurde schon verwendet. Bitte geben Sie den neuen Code ein.");
            return Ok(Outcome::Invalid { errors, new_challenge: true });
        }
        Verdict::Wrong => {
            errors.add("captcha_antwort", "Die Eingabe stimmt nicht mit dem Code überein. Bitte versuchen Sie es mit dem neuen Code.");
            return Ok(Outcome::Invalid { errors, new_challenge: true });
        }
    }

    // Hash before looking the address up, so known and unknown addresses take the same time.
    let password = random_initial_password(INITIAL_PASSWORD_LEN);
    let hash = state.hasher.hash(&password).await?;
    let expires_at = now + state.config.initial_password_ttl.as_millis() as i64;
    let domain = mail::domain_of(&state.config.base_url);

    // Asked before the transaction: SQLite allows one writer at a time.
    let may_notify = mail::within_limit(&state.db.pool, p.email.as_str(), now).await?;
    let mut tx = state.db.begin_write().await?;
    let new = NewAccount {
        email: p.email.as_str(),
        given_name: p.given.as_str(),
        middle_name: p.middle.as_ref().map(PersonName::as_str),
        family_name: p.family.as_str(),
        birth_date: p.birth.map(|b| b.iso()),
    };
    match store::insert_pending(&mut tx, &new, now).await? {
        Some(account_id) => {
            store::replace_initial_password(&mut tx, &account_id, &hash, now, expires_at).await?;
            let recipient = Recipient::new(p.email.as_str(), Salutation::None, p.given.as_str(), p.family.as_str());
            let mail = templates::initial_password(
                &recipient,
                &password,
                &dates::berlin(expires_at),
                &state.config.base_url,
                templates::InitialPasswordReason::Registration,
            )?;
            mail::enqueue(&mut tx, &mail, &domain, now).await?;
            audit::record(&mut tx, AuditEvent::AccountRegistered { account_id: &account_id }, None, now).await?;
        }
        None => {
            let existing = store::find_by_email(&mut tx, p.email.as_str()).await?.ok_or_else(|| anyhow::anyhow!("account vanished"))?;
            if may_notify {
                let mail = templates::registration_attempt(&existing.recipient(), &state.config.base_url)?;
                mail::enqueue(&mut tx, &mail, &domain, now).await?;
            }
            audit::record(&mut tx, AuditEvent::RegistrationForKnownAddress { account_id: &existing.id }, None, now).await?;
        }
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(Outcome::Confirmed)
}
