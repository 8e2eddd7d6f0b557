//! Kennwort vergessen. Step 1 (address + captcha) leads every address to step 2,
//! which shows the account's security question; the right answer mails a new
//! initial password. Unknown addresses get a plausible question chosen from the
//! address with a server secret, and every answer is wrong. Accounts that never
//! finished their first login get a fresh initial password at step 1.
//! The old password keeps working until the new initial password is used.

use crate::{
    accounts::{
        domain::{Email, SECURITY_QUESTIONS, SecurityAnswer},
        store,
    },
    app::AppState,
    audit::{self, AuditEvent},
    captcha::{self, Verdict},
    crypto::{constant_time_eq, hmac_token, random_initial_password, sha256_hex},
    mail::{self, templates},
    throttle,
    web::{dates, form::FieldErrors},
};

/// How long step 2 may take.
const TICKET_LIFETIME_MS: i64 = 15 * 60 * 1000;
/// Wrong answers allowed per solved captcha; also the failures per address
/// before growing delays start.
pub const ANSWERS_PER_CAPTCHA: i64 = 3;

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct AddressForm {
    pub email: String,
    pub captcha_id: String,
    pub captcha_antwort: String,
    pub aktion: String,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub ticket: String,
    pub antwort: String,
}

/// Step 2 as the page shows it.
pub struct QuestionStep {
    pub ticket: String,
    pub question: String,
}

pub enum AddressOutcome {
    Question(QuestionStep),
    Invalid { errors: FieldErrors, new_challenge: bool },
}

pub enum AnswerOutcome {
    /// A new initial password is on its way (if the address has an account).
    Sent,
    WrongAnswer {
        step: QuestionStep,
        errors: FieldErrors,
    },
    /// Too many wrong answers or the ticket expired: back to step 1.
    StartAgain(&'static str),
}

/// A signed, expiring note "this browser passed step 1 for this address; it may
/// answer until the address has `allowance` failures", so step 2 needs no server
/// state and works on any instance.
struct Ticket {
    email: String,
    allowance: i64,
}

fn issue_ticket(key: &[u8], t: &Ticket, now: i64) -> String {
    let payload = format!("{}|{}|{}", now + TICKET_LIFETIME_MS, t.allowance, t.email);
    format!("{}.{}", hmac_token(key, &payload), payload)
}

fn read_ticket(key: &[u8], ticket: &str, now: i64) -> Option<Ticket> {
    let (mac, payload) = ticket.split_once('.')?;
    if !constant_time_eq(mac, &hmac_token(key, payload)) {
        return None;
    }
    let mut parts = payload.splitn(3, '|');
    let expires: i64 = parts.next()?.parse().ok()?;
    let allowance: i64 = parts.next()?.parse().ok()?;
    let email = parts.next()?.to_string();
    (expires > now).then_some(Ticket { email, allowance })
}

/// The question for an address without a real one: always the same for the
/// same address, unpredictable without the server secret.
fn decoy_question(key: &[u8], email: &str) -> String {
    let digest = sha256_hex(&hmac_token(key, &format!("decoy|{email}")));
    let index = usize::from_str_radix(&digest[..8], 16).unwrap_or(0) % SECURITY_QUESTIONS.len();
    SECURITY_QUESTIONS[index].to_string()
}

fn answer_key(email: &str) -> String {
    format!("recovery:answer:{}", sha256_hex(email))
}

/// The question step for the ticket's address (real or decoy question).
async fn question_step(state: &AppState, ticket: &Ticket, now: i64) -> anyhow::Result<QuestionStep> {
    let mut conn = state.db.pool.acquire().await?;
    let question =
        store::security_question(&mut conn, &ticket.email).await?.unwrap_or_else(|| decoy_question(&state.recovery_key, &ticket.email));
    Ok(QuestionStep { ticket: issue_ticket(&state.recovery_key, ticket, now), question })
}

pub async fn submit_address(state: &AppState, form: &AddressForm) -> anyhow::Result<AddressOutcome> {
    let now = state.clock.now_ms();
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    if form.captcha_antwort.trim().is_empty() {
        errors.add("captcha_antwort", "Bitte geben Sie die Zeichen aus dem Bild (oder die Antwort auf die Frage) ein.");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(AddressOutcome::Invalid { errors, new_challenge: false });
    };
    let subject = format!("recovery:{}", email.as_str());
    let test_answer = state.config.captcha_test_answer.as_deref();
    match captcha::verify(&state.db.pool, &form.captcha_id, &form.captcha_antwort, &subject, test_answer, now).await? {
        Verdict::Correct => {}
        // A used challenge never passes here, not even for the same address:
        // replaying it would grant fresh answers without a new captcha.
        Verdict::Unusable { .. } => {
            errors.add("captcha_antwort", "Der Code ist abgelaufen oder wurde schon verwendet. Bitte geben Sie den neuen Code ein.");
            return Ok(AddressOutcome::Invalid { errors, new_challenge: true });
        }
        Verdict::Wrong => {
            errors.add("captcha_antwort", "Die Eingabe stimmt nicht mit dem Code überein. Bitte versuchen Sie es mit dem neuen Code.");
            return Ok(AddressOutcome::Invalid { errors, new_challenge: true });
        }
    }
    // Solving the captcha allows a few more answers; earlier failures still count for the delays.
    let failures = throttle::count(&state.db.pool, &answer_key(email.as_str()), now).await?;
    let ticket = Ticket { email: email.as_str().to_string(), allowance: failures + ANSWERS_PER_CAPTCHA };

    // Hashed for every address, so pending, active and unknown take the same time.
    let password = random_initial_password(super::registration::INITIAL_PASSWORD_LEN);
    let hash = state.hasher.hash(&password).await?;
    let may_mail = mail::within_limit(&state.db.pool, email.as_str(), now).await?;
    let mut tx = state.db.begin_write().await?;
    if let Some(account) = store::find_by_email(&mut tx, email.as_str()).await?.filter(|a| !a.is_active() && may_mail) {
        send_initial_password(state, &mut tx, &account, &password, &hash, templates::InitialPasswordReason::Renewal, now).await?;
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(AddressOutcome::Question(question_step(state, &ticket, now).await?))
}

async fn send_initial_password(
    state: &AppState,
    tx: &mut sqlx::AnyConnection,
    account: &store::AccountRow,
    password: &str,
    hash: &str,
    reason: templates::InitialPasswordReason,
    now: i64,
) -> anyhow::Result<()> {
    let expires_at = now + state.config.initial_password_ttl.as_millis() as i64;
    store::replace_initial_password(tx, &account.id, hash, now, expires_at).await?;
    let mail = templates::initial_password(&account.recipient(), password, &dates::berlin(expires_at), &state.config.base_url, reason)?;
    mail::enqueue(tx, &mail, &mail::domain_of(&state.config.base_url), now).await?;
    let event = if reason == templates::InitialPasswordReason::Recovery {
        AuditEvent::RecoveryAnswered { account_id: &account.id }
    } else {
        AuditEvent::InitialPasswordRenewed { account_id: &account.id }
    };
    audit::record(tx, event, None, now).await?;
    Ok(())
}

pub async fn submit_answer(state: &AppState, form: &AnswerForm) -> anyhow::Result<AnswerOutcome> {
    let now = state.clock.now_ms();
    let Some(ticket) = read_ticket(&state.recovery_key, &form.ticket, now) else {
        return Ok(AnswerOutcome::StartAgain("Die Zeit für diesen Schritt ist abgelaufen. Bitte beginnen Sie erneut."));
    };
    let email = ticket.email.clone();
    let key = answer_key(&email);
    let pool = &state.db.pool;
    const CAPTCHA_AGAIN: &str =
        "Die Antwort war mehrmals nicht korrekt. Bitte bestätigen Sie Ihre E-Mail-Adresse erneut mit der Text-Überprüfung.";
    if throttle::count(pool, &key, now).await? >= ticket.allowance {
        return Ok(AnswerOutcome::StartAgain(CAPTCHA_AGAIN));
    }
    let mut errors = FieldErrors::default();
    let answer = errors.check("antwort", SecurityAnswer::parse(&form.antwort));
    let Some(answer) = answer else {
        return Ok(AnswerOutcome::WrongAnswer { step: question_step(state, &ticket, now).await?, errors });
    };
    // Counted before the check, atomically: parallel answers can't exceed the allowance.
    match throttle::attempt(pool, &key, ANSWERS_PER_CAPTCHA, now).await? {
        throttle::Attempt::Blocked { wait_ms } => {
            errors.add("antwort", format!("Bitte warten Sie {}, bevor Sie es erneut versuchen.", throttle::wait_text(wait_ms)));
            return Ok(AnswerOutcome::WrongAnswer { step: question_step(state, &ticket, now).await?, errors });
        }
        throttle::Attempt::Allowed { n } if n > ticket.allowance => return Ok(AnswerOutcome::StartAgain(CAPTCHA_AGAIN)),
        throttle::Attempt::Allowed { .. } => {}
    }

    let mut conn = pool.acquire().await?;
    let account = store::find_by_email(&mut conn, &email).await?;
    drop(conn);
    let stored = match &account {
        Some(a) if a.is_active() => store::security_answer_hash(pool, &a.id).await?,
        _ => None,
    };
    let correct = state.hasher.verify(answer.normalised(), stored.as_deref()).await;
    let (true, Some(account)) = (correct, account) else {
        let mut conn = pool.acquire().await?;
        audit::record(&mut conn, AuditEvent::RecoveryAnswerWrong, None, now).await?;
        errors.add("antwort", "Die Antwort ist nicht korrekt.");
        return Ok(AnswerOutcome::WrongAnswer { step: question_step(state, &ticket, now).await?, errors });
    };

    throttle::clear(pool, &key).await?;
    let password = random_initial_password(super::registration::INITIAL_PASSWORD_LEN);
    let hash = state.hasher.hash(&password).await?;
    let mut tx = state.db.begin_write().await?;
    send_initial_password(state, &mut tx, &account, &password, &hash, templates::InitialPasswordReason::Recovery, now).await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(AnswerOutcome::Sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_bound_to_address_key_and_time() {
        let key = b"secret";
        let t = issue_ticket(key, &Ticket { email: "anna@example.de".into(), allowance: 3 }, 1000);
        let read = read_ticket(key, &t, 2000).unwrap();
        assert_eq!((read.email.as_str(), read.allowance), ("anna@example.de", 3));
        assert!(read_ticket(key, &t.replace("|3|", "|99|"), 2000).is_none(), "allowance can't be raised");
        assert!(read_ticket(key, &t, 1000 + TICKET_LIFETIME_MS).is_none(), "expired");
        assert!(read_ticket(b"other", &t, 2000).is_none(), "other key");
        let tampered = t.replace("anna@", "mallory@");
        assert!(read_ticket(key, &tampered, 2000).is_none(), "tampered");
        assert!(read_ticket(key, "garbage", 2000).is_none());
    }

    #[test]
    fn decoy_questions_are_stable_per_address() {
        let q = decoy_question(b"k", "niemand@example.de");
        assert_eq!(q, decoy_question(b"k", "niemand@example.de"));
        assert!(SECURITY_QUESTIONS.contains(&q.as_str()));
    }
}
