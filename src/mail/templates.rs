//! The mails the portal sends. Texts live in `templates/mail/`; notification mails
//! never carry content, only that something happened or is waiting in the portal.

use askama::Template;

use crate::{mail::OutgoingMail, profile::domain::Salutation};

/// Who a mail goes to and how they are greeted.
pub struct Recipient<'a> {
    pub email: &'a str,
    pub greeting: String,
}

impl<'a> Recipient<'a> {
    /// Greeting by Anrede: "Sehr geehrte Frau …" or the neutral "Guten Tag Vorname Nachname".
    pub fn new(email: &'a str, salutation: Salutation, given_name: &str, family_name: &str) -> Self {
        Recipient { email, greeting: salutation.greeting(given_name, family_name) }
    }
}

/// Why an initial password is sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum InitialPasswordReason {
    Registration,
    /// A pending account asked again (expired initial password).
    Renewal,
    /// An active account answered its security question.
    Recovery,
}

#[derive(Template)]
#[template(path = "mail/initial_password.txt")]
struct InitialPassword<'a> {
    greeting: &'a str,
    password: &'a str,
    valid_until: &'a str,
    login_url: String,
    reason: InitialPasswordReason,
}

/// The mail with the one-time initial password (contract line: `Ihr initiales Kennwort lautet: …`).
pub fn initial_password(
    to: &Recipient<'_>,
    password: &str,
    valid_until: &str,
    base_url: &str,
    reason: InitialPasswordReason,
) -> askama::Result<OutgoingMail> {
    let body =
        InitialPassword { greeting: &to.greeting, password, valid_until, login_url: format!("{base_url}/anmelden"), reason }.render()?;
    Ok(OutgoingMail { to: to.email.into(), subject: "Ihr initiales Kennwort für das Bürgerportal".into(), body_text: body })
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct Notice<'a> {
    greeting: &'a str,
    what: &'a str,
    advice: &'a str,
    link: String,
}

/// A short security notice: what happened, and what to do if it wasn't the citizen.
fn notice(to: &Recipient<'_>, subject: &str, what: &str, advice: &str, link: String) -> askama::Result<OutgoingMail> {
    let body = Notice { greeting: &to.greeting, what, advice, link }.render()?;
    Ok(OutgoingMail { to: to.email.into(), subject: subject.into(), body_text: body })
}

const NOT_YOU: &str = "Wenn Sie das nicht selbst waren, setzen Sie Ihr Kennwort bitte sofort zurück:";

/// Told to the owner of an address when someone tries to register it again.
pub fn registration_attempt(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Registrierungsversuch mit Ihrer E-Mail-Adresse",
        "soeben hat jemand versucht, mit Ihrer E-Mail-Adresse ein neues Bürgerkonto anzulegen. Für diese Adresse besteht bereits ein Konto; es wurde nichts geändert.",
        "Wenn Sie das selbst waren: Melden Sie sich einfach mit Ihrem Kennwort an. Haben Sie es vergessen, hilft Ihnen diese Seite weiter:",
        format!("{base_url}/kennwort-vergessen"),
    )
}

/// Sent when the first login is complete, so an unexpected activation is noticed.
pub fn account_activated(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihr Bürgerkonto ist aktiviert",
        "Ihr Bürgerkonto ist jetzt aktiviert: Sie haben eine Frage zur Kennworterinnerung und Ihr eigenes Kennwort festgelegt.",
        NOT_YOU,
        format!("{base_url}/kennwort-vergessen"),
    )
}

/// Sent when a reset through "Kennwort vergessen" was completed.
pub fn password_reset(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihr Kennwort wurde zurückgesetzt",
        "das Kennwort Ihres Bürgerkontos wurde soeben über „Kennwort vergessen“ neu festgelegt. Alle bisherigen Anmeldungen wurden aus Sicherheitsgründen beendet.",
        NOT_YOU,
        format!("{base_url}/kennwort-vergessen"),
    )
}

/// Sent after a password change under Login-Daten.
pub fn password_changed(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihr Kennwort wurde geändert",
        "das Kennwort Ihres Bürgerkontos wurde soeben geändert. Alle anderen Anmeldungen wurden beendet.",
        NOT_YOU,
        format!("{base_url}/kennwort-vergessen"),
    )
}

/// Sent after the security question was changed.
pub fn question_changed(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihre Frage zur Kennworterinnerung wurde geändert",
        "die Frage zur Kennworterinnerung Ihres Bürgerkontos wurde soeben geändert.",
        NOT_YOU,
        format!("{base_url}/kennwort-vergessen"),
    )
}

/// To the current address when a change of the login address was requested.
pub fn email_change_requested(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Änderung Ihrer Anmeldeadresse angefordert",
        "für Ihr Bürgerkonto wurde eine neue E-Mail-Adresse eingetragen. Sie wird erst gültig, wenn der Link in der Bestätigungs-E-Mail an die neue Adresse geöffnet und bestätigt wird. Bis dahin melden Sie sich weiter mit dieser Adresse an.",
        NOT_YOU,
        format!("{base_url}/kennwort-vergessen"),
    )
}

/// To the old address after the change was confirmed.
pub fn email_changed(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihre Anmeldeadresse wurde geändert",
        "die E-Mail-Adresse Ihres Bürgerkontos wurde soeben geändert. Diese Adresse wird für die Anmeldung nicht mehr verwendet.",
        "Wenn Sie das nicht selbst waren, wenden Sie sich bitte umgehend an die Verwaltung. Informationen finden Sie hier:",
        format!("{base_url}/hilfe"),
    )
}

/// To the owner of an address that another account tried to take over.
pub fn email_in_use(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihre E-Mail-Adresse wurde bei einem anderen Konto angegeben",
        "soeben hat jemand versucht, Ihre E-Mail-Adresse als Anmeldeadresse eines anderen Bürgerkontos einzutragen. Das wurde nicht zugelassen; Ihr Konto ist unverändert.",
        "Wenn Sie das selbst waren, melden Sie sich bitte mit Ihrem bestehenden Konto an:",
        format!("{base_url}/anmelden"),
    )
}

/// After the account was deleted.
pub fn account_deleted(to: &Recipient<'_>, base_url: &str) -> askama::Result<OutgoingMail> {
    notice(
        to,
        "Ihr Bürgerkonto wurde gelöscht",
        "Ihr Bürgerkonto und alle dazu gespeicherten Daten wurden soeben gelöscht.",
        "Wenn Sie das nicht selbst waren, wenden Sie sich bitte umgehend an die Verwaltung. Informationen finden Sie hier:",
        format!("{base_url}/hilfe"),
    )
}

#[derive(Template)]
#[template(path = "mail/confirm_email.txt")]
struct ConfirmEmail<'a> {
    greeting: &'a str,
    link: &'a str,
    valid_until: &'a str,
}

/// To the new address: the link that confirms the change.
pub fn confirm_email(to: &Recipient<'_>, link: &str, valid_until: &str) -> askama::Result<OutgoingMail> {
    let body = ConfirmEmail { greeting: &to.greeting, link, valid_until }.render()?;
    Ok(OutgoingMail { to: to.email.into(), subject: "Bitte bestätigen Sie Ihre neue E-Mail-Adresse".into(), body_text: body })
}
