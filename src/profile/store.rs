//! SQL of the Login-Daten.

use sqlx::{AnyConnection, AnyPool};

use crate::{
    db::{DbResult, new_id},
    profile::domain::{Gender, PostalAddress, Salutation},
};

/// Everything the Login-Daten pages show and the data export contains.
pub struct Profile {
    pub email: String,
    pub salutation: Salutation,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    /// ISO date.
    pub birth_date: Option<String>,
    pub gender: Gender,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub phone: Option<String>,
    pub security_question: Option<String>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
}

type ProfileRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

const PROFILE: &str = "SELECT email, salutation, given_name, middle_name, family_name, birth_date, gender, street, postal_code, city, \
country, phone, security_question, created_at, activated_at FROM accounts WHERE id = $1";

pub async fn profile(pool: &AnyPool, account_id: &str) -> DbResult<Profile> {
    let r: ProfileRow = sqlx::query_as(PROFILE).bind(account_id).fetch_one(pool).await?;
    Ok(Profile {
        email: r.0,
        salutation: Salutation::from_db(&r.1),
        given_name: r.2,
        middle_name: r.3,
        family_name: r.4,
        birth_date: r.5,
        gender: Gender::from_db(&r.6),
        street: r.7,
        postal_code: r.8,
        city: r.9,
        country: r.10,
        phone: r.11,
        security_question: r.12,
        created_at: r.13,
        activated_at: r.14,
    })
}

/// The general data as saved from the Allgemein tab.
pub struct GeneralData<'a> {
    pub salutation: Salutation,
    pub given_name: &'a str,
    pub middle_name: Option<&'a str>,
    pub family_name: &'a str,
    pub birth_date: Option<String>,
    pub gender: Gender,
}

const UPDATE_GENERAL: &str = "UPDATE accounts SET salutation = $1, given_name = $2, middle_name = $3, family_name = $4, birth_date = $5, \
gender = $6, updated_at = $7 WHERE id = $8";

pub async fn update_general(conn: &mut AnyConnection, account_id: &str, d: &GeneralData<'_>, now: i64) -> DbResult<()> {
    sqlx::query(UPDATE_GENERAL)
        .bind(d.salutation.db())
        .bind(d.given_name)
        .bind(d.middle_name)
        .bind(d.family_name)
        .bind(d.birth_date.as_deref())
        .bind(d.gender.db())
        .bind(now)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

const UPDATE_ADDRESS: &str =
    "UPDATE accounts SET street = $1, postal_code = $2, city = $3, country = $4, phone = $5, updated_at = $6 WHERE id = $7";

pub async fn update_address(pool: &AnyPool, account_id: &str, a: &PostalAddress, phone: Option<&str>, now: i64) -> DbResult<()> {
    sqlx::query(UPDATE_ADDRESS)
        .bind(&a.street)
        .bind(&a.postal_code)
        .bind(&a.city)
        .bind(&a.country)
        .bind(phone)
        .bind(now)
        .bind(account_id)
        .execute(pool)
        .await?;
    Ok(())
}

// ---------- e-mail changes ----------

const VOID_EMAIL_CHANGES: &str = "UPDATE email_changes SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL";
const INSERT_EMAIL_CHANGE: &str =
    "INSERT INTO email_changes (id, account_id, new_email, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// Records a requested change (voiding earlier ones of the account).
pub async fn insert_email_change(
    conn: &mut AnyConnection,
    account_id: &str,
    new_email: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> DbResult<()> {
    sqlx::query(VOID_EMAIL_CHANGES).bind(now).bind(account_id).execute(&mut *conn).await?;
    sqlx::query(INSERT_EMAIL_CHANGE)
        .bind(new_id())
        .bind(account_id)
        .bind(new_email)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// An open change request found by its token.
pub struct EmailChange {
    pub id: String,
    pub account_id: String,
    pub new_email: String,
}

const OPEN_EMAIL_CHANGE: &str =
    "SELECT id, account_id, new_email FROM email_changes WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";

pub async fn open_email_change(conn: &mut AnyConnection, token_hash: &str, now: i64) -> DbResult<Option<EmailChange>> {
    let row: Option<(String, String, String)> = sqlx::query_as(OPEN_EMAIL_CHANGE).bind(token_hash).bind(now).fetch_optional(conn).await?;
    Ok(row.map(|(id, account_id, new_email)| EmailChange { id, account_id, new_email }))
}

const USE_EMAIL_CHANGE: &str = "UPDATE email_changes SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
const SET_EMAIL: &str = "UPDATE accounts SET email = $1, updated_at = $2 WHERE id = $3";

/// Applies a confirmed change; false when it was used meanwhile.
pub async fn apply_email_change(conn: &mut AnyConnection, change: &EmailChange, now: i64) -> DbResult<bool> {
    if sqlx::query(USE_EMAIL_CHANGE).bind(now).bind(&change.id).execute(&mut *conn).await?.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(SET_EMAIL).bind(&change.new_email).bind(now).bind(&change.account_id).execute(&mut *conn).await?;
    sqlx::query(VOID_EMAIL_CHANGES).bind(now).bind(&change.account_id).execute(conn).await?;
    Ok(true)
}

// ---------- sessions ----------

/// One session as the Sitzungen page lists it.
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: Option<String>,
    pub client_prefix: Option<String>,
    pub persistent: bool,
}

const SESSIONS: &str = "SELECT id, created_at, last_seen_at, user_agent, client_prefix, persistent FROM sessions \
WHERE account_id = $1 AND absolute_expires_at > $2 AND last_seen_at + idle_timeout_ms > $2 ORDER BY last_seen_at DESC";

pub async fn sessions(pool: &AnyPool, account_id: &str, now: i64) -> DbResult<Vec<SessionRow>> {
    type Row = (String, i64, i64, Option<String>, Option<String>, i64);
    let rows: Vec<Row> = sqlx::query_as(SESSIONS).bind(account_id).bind(now).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, created_at, last_seen_at, user_agent, client_prefix, persistent)| SessionRow {
            id,
            created_at,
            last_seen_at,
            user_agent,
            client_prefix,
            persistent: persistent != 0,
        })
        .collect())
}

const DELETE_OWN_SESSION: &str = "DELETE FROM sessions WHERE id = $1 AND account_id = $2";
const DELETE_OTHER_SESSIONS: &str = "DELETE FROM sessions WHERE account_id = $1 AND id <> $2";

/// Ends one of the account's own sessions; false when it is not theirs (or gone).
pub async fn delete_own_session(conn: &mut AnyConnection, account_id: &str, session_id: &str) -> DbResult<bool> {
    Ok(sqlx::query(DELETE_OWN_SESSION).bind(session_id).bind(account_id).execute(conn).await?.rows_affected() == 1)
}

/// Ends every session of the account but `keep`.
pub async fn delete_other_sessions(conn: &mut AnyConnection, account_id: &str, keep: &str) -> DbResult<u64> {
    Ok(sqlx::query(DELETE_OTHER_SESSIONS).bind(account_id).bind(keep).execute(conn).await?.rows_affected())
}

// ---------- own data ----------

/// One audit entry of the account, for the data export.
pub struct AuditRow {
    pub at: i64,
    pub event: String,
    pub client: Option<String>,
}

const AUDIT_OF: &str = "SELECT at, event, client FROM audit_log WHERE account_id = $1 ORDER BY at";

pub async fn audit_entries(pool: &AnyPool, account_id: &str) -> DbResult<Vec<AuditRow>> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(AUDIT_OF).bind(account_id).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(at, event, client)| AuditRow { at, event, client }).collect())
}

const PSEUDONYMISE_AUDIT: &str = "UPDATE audit_log SET account_id = $1 WHERE account_id = $2";
const DELETE_ACCOUNT: &str = "DELETE FROM accounts WHERE id = $1";

/// Deletes the account (sessions, passwords and change requests go with it) and
/// replaces its id in the audit log by `pseudonym`.
pub async fn delete_account(conn: &mut AnyConnection, account_id: &str, pseudonym: &str) -> DbResult<()> {
    sqlx::query(PSEUDONYMISE_AUDIT).bind(pseudonym).bind(account_id).execute(&mut *conn).await?;
    sqlx::query(DELETE_ACCOUNT).bind(account_id).execute(conn).await?;
    Ok(())
}
