//! The mails the portal sends. Texts live in `templates/mail/`; notification mails
//! never carry content, only that something is waiting in the portal.

use askama::Template;

use crate::mail::OutgoingMail;

/// Greeting line of every mail. Without a chosen Anrede we greet neutrally.
fn greeting(given_name: &str, family_name: &str) -> String {
    format!("Guten Tag {given_name} {family_name},")
}

#[derive(Template)]
#[template(path = "mail/initial_password.txt")]
struct InitialPassword<'a> {
    greeting: String,
    password: &'a str,
    valid_until: &'a str,
    login_url: String,
    reason: InitialPasswordReason,
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

/// The mail with the one-time initial password (contract line: `Ihr initiales Kennwort lautet: …`).
pub fn initial_password(
    to: &str,
    given_name: &str,
    family_name: &str,
    password: &str,
    valid_until: &str,
    base_url: &str,
    reason: InitialPasswordReason,
) -> askama::Result<OutgoingMail> {
    let body = InitialPassword {
        greeting: greeting(given_name, family_name),
        password,
        valid_until,
        login_url: format!("{base_url}/anmelden"),
        reason,
    }
    .render()?;
    Ok(OutgoingMail { to: to.into(), subject: "Ihr initiales Kennwort für das Bürgerportal".into(), body_text: body })
}

#[derive(Template)]
#[template(path = "mail/registration_attempt.txt")]
struct RegistrationAttempt {
    greeting: String,
    login_url: String,
    recovery_url: String,
}

/// Told to the owner of an address when someone tries to register it again.
pub fn registration_attempt(to: &str, given_name: &str, family_name: &str, base_url: &str) -> askama::Result<OutgoingMail> {
    let body = RegistrationAttempt {
        greeting: greeting(given_name, family_name),
        login_url: format!("{base_url}/anmelden"),
        recovery_url: format!("{base_url}/kennwort-vergessen"),
    }
    .render()?;
    Ok(OutgoingMail { to: to.into(), subject: "Registrierungsversuch mit Ihrer E-Mail-Adresse".into(), body_text: body })
}

#[derive(Template)]
#[template(path = "mail/account_activated.txt")]
struct AccountActivated {
    greeting: String,
    recovery_url: String,
}

/// Sent when the first login is complete, so an unexpected activation is noticed.
pub fn account_activated(to: &str, given_name: &str, family_name: &str, base_url: &str) -> askama::Result<OutgoingMail> {
    let body = AccountActivated { greeting: greeting(given_name, family_name), recovery_url: format!("{base_url}/kennwort-vergessen") }
        .render()?;
    Ok(OutgoingMail { to: to.into(), subject: "Ihr Bürgerkonto ist aktiviert".into(), body_text: body })
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct PasswordReset {
    greeting: String,
    recovery_url: String,
}

/// Sent when a reset through "Kennwort vergessen" was completed.
pub fn password_reset(to: &str, given_name: &str, family_name: &str, base_url: &str) -> askama::Result<OutgoingMail> {
    let body =
        PasswordReset { greeting: greeting(given_name, family_name), recovery_url: format!("{base_url}/kennwort-vergessen") }.render()?;
    Ok(OutgoingMail { to: to.into(), subject: "Ihr Kennwort wurde zurückgesetzt".into(), body_text: body })
}
