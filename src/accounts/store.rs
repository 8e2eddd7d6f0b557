//! SQL of the Bürgerkonto.

use sqlx::{AnyConnection, AnyPool};

use crate::{
    db::{DbResult, new_id},
    mail::templates::Recipient,
    profile::domain::Salutation,
};

/// An account as login and first login need it.
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub salutation: Salutation,
}

impl AccountRow {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// The account's owner as a mail recipient.
    pub fn recipient(&self) -> Recipient<'_> {
        Recipient::new(&self.email, self.salutation, &self.given_name, &self.family_name)
    }
}

type AccountTuple = (String, String, String, String, String, Option<String>, String);

fn account(t: AccountTuple) -> AccountRow {
    let (id, email, given_name, family_name, status, password_hash, salutation) = t;
    AccountRow { id, email, given_name, family_name, status, password_hash, salutation: Salutation::from_db(&salutation) }
}

const BY_EMAIL: &str = "SELECT id, email, given_name, family_name, status, password_hash, salutation FROM accounts WHERE email = $1";
const BY_ID: &str = "SELECT id, email, given_name, family_name, status, password_hash, salutation FROM accounts WHERE id = $1";

pub async fn find_by_email(conn: &mut AnyConnection, email: &str) -> DbResult<Option<AccountRow>> {
    Ok(sqlx::query_as(BY_EMAIL).bind(email).fetch_optional(conn).await?.map(account))
}

pub async fn find_by_id(pool: &AnyPool, id: &str) -> DbResult<Option<AccountRow>> {
    Ok(sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await?.map(account))
}

/// The data of a new, not yet activated account.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub given_name: &'a str,
    pub middle_name: Option<&'a str>,
    pub family_name: &'a str,
    pub birth_date: Option<String>,
}

const INSERT_ACCOUNT: &str = "INSERT INTO accounts (id, email, given_name, middle_name, family_name, birth_date, status, created_at, updated_at) \
VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) ON CONFLICT (email) DO NOTHING RETURNING id";

/// Inserts a pending account; `None` when the address is taken (a concurrent registration).
pub async fn insert_pending(conn: &mut AnyConnection, new: &NewAccount<'_>, now: i64) -> DbResult<Option<String>> {
    Ok(sqlx::query_scalar(INSERT_ACCOUNT)
        .bind(new_id())
        .bind(new.email)
        .bind(new.given_name)
        .bind(new.middle_name)
        .bind(new.family_name)
        .bind(new.birth_date.as_deref())
        .bind(now)
        .fetch_optional(conn)
        .await?)
}

const INSERT_INITIAL: &str =
    "INSERT INTO initial_passwords (id, account_id, password_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
const VOID_INITIALS: &str = "UPDATE initial_passwords SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL";

/// Stores a new initial password and voids all earlier ones.
pub async fn replace_initial_password(conn: &mut AnyConnection, account_id: &str, hash: &str, now: i64, expires_at: i64) -> DbResult<()> {
    sqlx::query(VOID_INITIALS).bind(now).bind(account_id).execute(&mut *conn).await?;
    sqlx::query(INSERT_INITIAL).bind(new_id()).bind(account_id).bind(hash).bind(now).bind(expires_at).execute(&mut *conn).await?;
    Ok(())
}

/// The one unused initial password of an account.
pub struct InitialPasswordRow {
    pub id: String,
    pub hash: String,
    pub expires_at: i64,
}

const OPEN_INITIAL: &str = "SELECT id, password_hash, expires_at FROM initial_passwords WHERE account_id = $1 AND used_at IS NULL \
ORDER BY created_at DESC LIMIT 1";

pub async fn open_initial_password(pool: &AnyPool, account_id: &str) -> DbResult<Option<InitialPasswordRow>> {
    let row: Option<(String, String, i64)> = sqlx::query_as(OPEN_INITIAL).bind(account_id).fetch_optional(pool).await?;
    Ok(row.map(|(id, hash, expires_at)| InitialPasswordRow { id, hash, expires_at }))
}

const USE_INITIAL: &str = "UPDATE initial_passwords SET used_at = $1 WHERE id = $2 AND used_at IS NULL";

/// Marks an initial password used; false when it already was (a replay).
pub async fn use_initial_password(pool: &AnyPool, id: &str, now: i64) -> DbResult<bool> {
    Ok(sqlx::query(USE_INITIAL).bind(now).bind(id).execute(pool).await?.rows_affected() == 1)
}

const ACTIVATE: &str = "UPDATE accounts SET status = 'active', password_hash = $1, security_question = $2, security_answer_hash = $3, \
activated_at = COALESCE(activated_at, $4), updated_at = $4 WHERE id = $5";

/// Sets password, question and answer and makes the account active.
pub async fn activate(
    conn: &mut AnyConnection,
    account_id: &str,
    password_hash: &str,
    question: &str,
    answer_hash: &str,
    now: i64,
) -> DbResult<()> {
    sqlx::query(ACTIVATE).bind(password_hash).bind(question).bind(answer_hash).bind(now).bind(account_id).execute(conn).await?;
    Ok(())
}

const UNFINISHED: &str = "SELECT a.id FROM accounts a WHERE a.status = 'pending' AND NOT EXISTS \
(SELECT 1 FROM initial_passwords p WHERE p.account_id = a.id AND p.expires_at > $1)";
const DELETE_ACCOUNT: &str = "DELETE FROM accounts WHERE id = $1 AND status = 'pending'";

/// Ids of pending accounts whose last initial password expired before `cutoff`.
pub async fn unfinished_before(pool: &AnyPool, cutoff: i64) -> DbResult<Vec<String>> {
    Ok(sqlx::query_scalar(UNFINISHED).bind(cutoff).fetch_all(pool).await?)
}

pub async fn delete_pending(conn: &mut AnyConnection, account_id: &str) -> DbResult<bool> {
    Ok(sqlx::query(DELETE_ACCOUNT).bind(account_id).execute(conn).await?.rows_affected() == 1)
}

const QUESTION_BY_EMAIL: &str = "SELECT security_question FROM accounts WHERE email = $1 AND status = 'active'";

/// The security question of an active account.
pub async fn security_question(conn: &mut AnyConnection, email: &str) -> DbResult<Option<String>> {
    let q: Option<Option<String>> = sqlx::query_scalar(QUESTION_BY_EMAIL).bind(email).fetch_optional(conn).await?;
    Ok(q.flatten())
}

const ANSWER_HASH: &str = "SELECT security_answer_hash FROM accounts WHERE id = $1";

pub async fn security_answer_hash(pool: &AnyPool, account_id: &str) -> DbResult<Option<String>> {
    let h: Option<Option<String>> = sqlx::query_scalar(ANSWER_HASH).bind(account_id).fetch_optional(pool).await?;
    Ok(h.flatten())
}

const SET_PASSWORD: &str = "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3";

pub async fn set_password(conn: &mut AnyConnection, account_id: &str, password_hash: &str, now: i64) -> DbResult<()> {
    sqlx::query(SET_PASSWORD).bind(password_hash).bind(now).bind(account_id).execute(conn).await?;
    Ok(())
}

const SET_QUESTION: &str = "UPDATE accounts SET security_question = $1, security_answer_hash = $2, updated_at = $3 WHERE id = $4";

pub async fn set_security_question(
    conn: &mut AnyConnection,
    account_id: &str,
    question: &str,
    answer_hash: &str,
    now: i64,
) -> DbResult<()> {
    sqlx::query(SET_QUESTION).bind(question).bind(answer_hash).bind(now).bind(account_id).execute(conn).await?;
    Ok(())
}
