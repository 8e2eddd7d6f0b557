//! The audit log: typed events, never passwords, answers or tokens.

use sqlx::AnyConnection;

use crate::db::{DbResult, new_id};

/// Something security-relevant that happened.
pub enum AuditEvent<'a> {
    AccountRegistered {
        account_id: &'a str,
    },
    RegistrationForKnownAddress {
        account_id: &'a str,
    },
    InitialPasswordRenewed {
        account_id: &'a str,
    },
    LoginSucceeded {
        account_id: &'a str,
    },
    LoginWithInitialPassword {
        account_id: &'a str,
    },
    LoginFailed,
    LoginThrottled,
    FirstLoginCompleted {
        account_id: &'a str,
    },
    Logout {
        account_id: &'a str,
    },
    UnfinishedAccountDeleted {
        account_id: &'a str,
    },
    RecoveryAnswered {
        account_id: &'a str,
    },
    RecoveryAnswerWrong,
    PasswordResetCompleted {
        account_id: &'a str,
    },
    ProfileChanged {
        account_id: &'a str,
    },
    AddressChanged {
        account_id: &'a str,
    },
    EmailChangeRequested {
        account_id: &'a str,
    },
    EmailChanged {
        account_id: &'a str,
    },
    PasswordChanged {
        account_id: &'a str,
    },
    SecurityQuestionChanged {
        account_id: &'a str,
    },
    SessionEnded {
        account_id: &'a str,
    },
    DataExported {
        account_id: &'a str,
    },
    /// Recorded under the pseudonym that replaces the account id in the log.
    AccountDeleted {
        pseudonym: &'a str,
    },
}

impl AuditEvent<'_> {
    fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            AuditEvent::AccountRegistered { account_id } => ("account_registered", Some(account_id)),
            AuditEvent::RegistrationForKnownAddress { account_id } => ("registration_for_known_address", Some(account_id)),
            AuditEvent::InitialPasswordRenewed { account_id } => ("initial_password_renewed", Some(account_id)),
            AuditEvent::LoginSucceeded { account_id } => ("login_succeeded", Some(account_id)),
            AuditEvent::LoginWithInitialPassword { account_id } => ("login_with_initial_password", Some(account_id)),
            AuditEvent::LoginFailed => ("login_failed", None),
            AuditEvent::LoginThrottled => ("login_throttled", None),
            AuditEvent::FirstLoginCompleted { account_id } => ("first_login_completed", Some(account_id)),
            AuditEvent::Logout { account_id } => ("logout", Some(account_id)),
            AuditEvent::UnfinishedAccountDeleted { account_id } => ("unfinished_account_deleted", Some(account_id)),
            AuditEvent::RecoveryAnswered { account_id } => ("recovery_answered", Some(account_id)),
            AuditEvent::RecoveryAnswerWrong => ("recovery_answer_wrong", None),
            AuditEvent::PasswordResetCompleted { account_id } => ("password_reset_completed", Some(account_id)),
            AuditEvent::ProfileChanged { account_id } => ("profile_changed", Some(account_id)),
            AuditEvent::AddressChanged { account_id } => ("address_changed", Some(account_id)),
            AuditEvent::EmailChangeRequested { account_id } => ("email_change_requested", Some(account_id)),
            AuditEvent::EmailChanged { account_id } => ("email_changed", Some(account_id)),
            AuditEvent::PasswordChanged { account_id } => ("password_changed", Some(account_id)),
            AuditEvent::SecurityQuestionChanged { account_id } => ("security_question_changed", Some(account_id)),
            AuditEvent::SessionEnded { account_id } => ("session_ended", Some(account_id)),
            AuditEvent::DataExported { account_id } => ("data_exported", Some(account_id)),
            AuditEvent::AccountDeleted { pseudonym } => ("account_deleted", Some(pseudonym)),
        }
    }
}

const INSERT: &str = "INSERT INTO audit_log (id, at, event, account_id, client) VALUES ($1, $2, $3, $4, $5)";

/// Records `event`; `client` is the coarse client address prefix.
pub async fn record(conn: &mut AnyConnection, event: AuditEvent<'_>, client: Option<&str>, now: i64) -> DbResult<()> {
    let (name, account_id) = event.parts();
    sqlx::query(INSERT).bind(new_id()).bind(now).bind(name).bind(account_id).bind(client).execute(conn).await?;
    tracing::info!(event = name, account = account_id.unwrap_or("-"), "audit");
    Ok(())
}
