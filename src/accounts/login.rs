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

/// Attempts per address from one network before delays start.
const FREE_PER_ADDRESS_AND_CLIENT: i64 = 5;
/// Attempts per address from anywhere: high, so that strangers elsewhere can't
/// easily keep the owner out, yet a distributed attack still slows down.
const FREE_PER_ADDRESS: i64 = 50;
/// Attempts per client network before delays start (offices share addresses).
const FREE_PER_CLIENT: i64 = 30;

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub kennwort: String,
    pub speichern: String,
}

/// Where the request comes from.
pub struct Client<'a> {
    /// The network (IPv4 /24, IPv6 /48): one person can easily use many
    /// addresses inside it, so limits count per network.
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
    /// Too many attempts: wait this long (milliseconds).
    Throttled {
        wait_ms: i64,
    },
    /// The right initial password, but too late.
    InitialPasswordExpired,
}

pub async fn login(state: &AppState, form: &LoginForm, client: &Client<'_>) -> anyhow::Result<Outcome> {
    let now = state.clock.now_ms();
    let pool = &state.db.pool;
    // The key is the address as the account lookup sees it, so other spellings
    // of the same address (case, Unicode look-alikes in the domain) share it.
    let email = Email::parse(&form.email).ok();
    let address = email.as_ref().map(|e| e.as_str().to_string()).unwrap_or_else(|| form.email.trim().to_lowercase());
    let address_key = format!("login:address:{}", sha256_hex(&address));
    let pair_key = format!("login:address-client:{}:{}", sha256_hex(&address), client.prefix);
    let client_key = format!("login:client:{}", client.prefix);
    let mut wait = None;
    for (key, free) in [(&pair_key, FREE_PER_ADDRESS_AND_CLIENT), (&address_key, FREE_PER_ADDRESS), (&client_key, FREE_PER_CLIENT)] {
        if let throttle::Attempt::Blocked { wait_ms } = throttle::attempt(pool, key, free, now).await? {
            wait = wait.max(Some(wait_ms));
        }
    }
    if let Some(ms) = wait {
        let mut conn = pool.acquire().await?;
        audit::record(&mut conn, AuditEvent::LoginThrottled, Some(client.prefix), now).await?;
        return Ok(Outcome::Throttled { wait_ms: ms });
    }

    let account = match &email {
        Some(email) => {
            let mut conn = pool.acquire().await?;
            store::find_by_email(&mut conn, email.as_str()).await?
        }
        None => None,
    };
    // Always two Argon2 checks (the password and an initial password, each
    // against a dummy hash where there is none), so the time a failed login
    // takes says nothing about the account.
    let password = form.kennwort.as_str();
    let password_hash = account.as_ref().filter(|a| a.is_active()).and_then(|a| a.password_hash.clone());
    let initial = match &account {
        Some(acc) => store::open_initial_password(pool, &acc.id).await?,
        None => None,
    };
    let password_ok = state.hasher.verify(password, password_hash.as_deref()).await;
    let initial_ok = state.hasher.verify(password, initial.as_ref().map(|i| i.hash.as_str())).await;
    let mut outcome = None;
    if password_ok {
        outcome = Some(Stage::Full);
    } else if let Some(initial) = initial.filter(|_| initial_ok) {
        if initial.expires_at <= now {
            return Ok(Outcome::InitialPasswordExpired);
        }
        if store::use_initial_password(pool, &initial.id, now).await? {
            outcome = Some(Stage::FirstLogin);
        }
    }

    let (Some(stage), Some(acc)) = (outcome, account) else {
        let mut conn = pool.acquire().await?;
        audit::record(&mut conn, AuditEvent::LoginFailed, Some(client.prefix), now).await?;
        return Ok(Outcome::Failed);
    };

    throttle::clear(pool, &pair_key).await?;
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
