//! Anmelden: one generic answer for every failure, the same time for known and
//! unknown addresses, growing delays per address and per client.

use crate::{
    accounts::{
        domain::Email,
        sessions::{self, IssuedSession, NewSession, Stage},
        store,
    },
    app::AppState,
    audit::{self, AuditEvent},
    crypto::sha256_hex,
    throttle,
};

/// Failures per e-mail address before delays start.
const FREE_FAILURES_PER_ADDRESS: i64 = 5;
/// Failures per client address before delays start (offices share addresses).
const FREE_FAILURES_PER_CLIENT: i64 = 30;

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub kennwort: String,
    pub speichern: String,
}

/// Where the request comes from.
pub struct Client<'a> {
    pub ip: &'a str,
    pub prefix: &'a str,
    pub user_agent: Option<&'a str>,
}

pub enum Outcome {
    /// Logged in; `first_login` when the initial password was used.
    LoggedIn {
        session: IssuedSession,
        first_login: bool,
    },
    Failed,
    /// Too many failures: wait this many seconds.
    Throttled {
        wait_secs: i64,
    },
    /// The right initial password, but too late.
    InitialPasswordExpired,
}

pub async fn login(state: &AppState, form: &LoginForm, client: &Client<'_>) -> anyhow::Result<Outcome> {
    let now = state.clock.now_ms();
    let pool = &state.db.pool;
    let address_key = format!("login:address:{}", sha256_hex(&form.email.trim().to_lowercase()));
    let client_key = format!("login:client:{}", client.ip);
    let wait = throttle::wait_ms(pool, &address_key, now).await?.max(throttle::wait_ms(pool, &client_key, now).await?);
    if let Some(ms) = wait {
        let mut conn = pool.acquire().await?;
        audit::record(&mut conn, AuditEvent::LoginThrottled, Some(client.prefix), now).await?;
        return Ok(Outcome::Throttled { wait_secs: (ms + 999) / 1000 });
    }

    let account = match Email::parse(&form.email) {
        Ok(email) => {
            let mut conn = pool.acquire().await?;
            store::find_by_email(&mut conn, email.as_str()).await?
        }
        Err(_) => None,
    };
    let password = form.kennwort.as_str();
    let mut outcome = None;
    match &account {
        None => {
            state.hasher.verify(password, None).await;
        }
        Some(acc) => {
            if acc.is_active() && state.hasher.verify(password, acc.password_hash.as_deref()).await {
                outcome = Some(Stage::Full);
            } else if let Some(initial) = store::open_initial_password(pool, &acc.id).await?
                && state.hasher.verify(password, Some(&initial.hash)).await
            {
                if initial.expires_at <= now {
                    return Ok(Outcome::InitialPasswordExpired);
                }
                if store::use_initial_password(pool, &initial.id, now).await? {
                    outcome = Some(Stage::FirstLogin);
                }
            }
        }
    }

    let (Some(stage), Some(acc)) = (outcome, account) else {
        throttle::record_failure(pool, &address_key, FREE_FAILURES_PER_ADDRESS, now).await?;
        throttle::record_failure(pool, &client_key, FREE_FAILURES_PER_CLIENT, now).await?;
        let mut conn = pool.acquire().await?;
        audit::record(&mut conn, AuditEvent::LoginFailed, Some(client.prefix), now).await?;
        return Ok(Outcome::Failed);
    };

    throttle::clear(pool, &address_key).await?;
    let persistent = stage == Stage::Full && !form.speichern.is_empty();
    let session = sessions::create(
        pool,
        NewSession { account_id: &acc.id, stage, persistent, user_agent: client.user_agent, client_prefix: Some(client.prefix) },
        now,
    )
    .await?;
    let mut conn = pool.acquire().await?;
    let event = if stage == Stage::Full {
        AuditEvent::LoginSucceeded { account_id: &acc.id }
    } else {
        AuditEvent::LoginWithInitialPassword { account_id: &acc.id }
    };
    audit::record(&mut conn, event, Some(client.prefix), now).await?;
    Ok(Outcome::LoggedIn { session, first_login: stage == Stage::FirstLogin })
}
