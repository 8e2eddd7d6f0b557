//! Application state, router assembly, middleware and the background tasks.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    middleware,
    response::IntoResponse,
    routing::{get, post},
};
use tokio::{
    net::TcpListener,
    sync::{Notify, watch},
};
use tower::ServiceBuilder;
use tower_http::{catch_panic::CatchPanicLayer, timeout::TimeoutLayer, trace::TraceLayer};

use crate::{
    accounts, captcha, catalogue,
    config::Config,
    crypto::{SecretHasher, random_token},
    db::{Clock, Db},
    mail::worker::{MailWorker, Transport},
    throttle,
    web::{self, assets, csrf, errors::error_page, pages},
};

/// Everything a request handler may need.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub hasher: SecretHasher,
    /// Key for the CSRF tokens; shared by all instances through the database.
    pub csrf_key: Vec<u8>,
    /// Key for recovery tickets and decoy questions.
    pub recovery_key: Vec<u8>,
    /// This instance's search index over the catalogue.
    pub catalogue: crate::catalogue::CatalogueCache,
    /// Wakes the mail worker right after a mail was queued.
    pub mail_wakeup: Arc<Notify>,
}

pub type SharedState = Arc<AppState>;

const SECRET_INSERT: &str = "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
const SECRET_SELECT: &str = "SELECT value FROM server_secrets WHERE name = $1";

/// The named server secret; created on first use, the same for every instance.
async fn server_secret(db: &Db, name: &str, now: i64) -> anyhow::Result<String> {
    sqlx::query(SECRET_INSERT).bind(name).bind(random_token()).bind(now).execute(&db.pool).await?;
    Ok(sqlx::query_scalar(SECRET_SELECT).bind(name).fetch_one(&db.pool).await?)
}

impl AppState {
    /// Connects, migrates and loads the server secrets.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<SharedState> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let csrf_key = server_secret(&db, "csrf", clock.now_ms()).await?.into_bytes();
        let recovery_key = server_secret(&db, "recovery", clock.now_ms()).await?.into_bytes();
        Ok(Arc::new(AppState {
            config,
            db,
            clock,
            hasher: SecretHasher::default(),
            csrf_key,
            recovery_key,
            catalogue: Default::default(),
            mail_wakeup: Arc::new(Notify::new()),
        }))
    }
}

/// All routes with their middleware.
pub fn router(state: SharedState) -> Router {
    use crate::profile::{data_routes as profile_data, routes as profile};
    use accounts::routes as acc;
    Router::new()
        .route("/", get(pages::home))
        .route("/konto-erstellen", get(acc::register_form).post(acc::register_submit))
        .route("/konto-erstellen/bestaetigung", get(acc::register_done))
        .route("/anmelden", get(acc::login_form).post(acc::login_submit))
        .route("/abmelden", post(acc::logout))
        .route("/erstanmeldung", get(acc::first_login_form).post(acc::first_login_submit))
        .route("/kennwort-vergessen", get(accounts::recovery_routes::address_form).post(accounts::recovery_routes::address_submit))
        .route("/kennwort-vergessen/antwort", post(accounts::recovery_routes::answer_submit))
        .route("/postkorb", get(acc::postkorb))
        .route("/login-daten/allgemein", get(profile::general_form).post(profile::general_submit))
        .route("/login-daten/email-bestaetigen/{token}", get(profile::confirm_email_form).post(profile::confirm_email_submit))
        .route("/login-daten/kennwort", get(profile::password_form).post(profile::password_submit))
        .route("/login-daten/adresse", get(profile::address_form).post(profile::address_submit))
        .route("/login-daten/sitzungen", get(profile_data::sessions_page))
        .route("/login-daten/sitzungen/andere-beenden", post(profile_data::end_other_sessions))
        .route("/login-daten/sitzungen/{id}/beenden", post(profile_data::end_session))
        .route("/login-daten/meine-daten", get(profile_data::own_data_page))
        .route("/login-daten/meine-daten/datenauskunft.json", get(profile_data::export_data))
        .route("/login-daten/konto-loeschen", post(profile_data::delete_account))
        .route("/dienste", get(catalogue::routes::online_services))
        .route("/dienste/a-z", get(catalogue::routes::services_a_z))
        .route("/dienste/suche", get(catalogue::routes::search))
        .route("/dienste/{slug}", get(catalogue::routes::service))
        .route("/dienste/{slug}/antrag", get(catalogue::routes::application))
        .route("/verwaltung", get(catalogue::routes::org_structure))
        .route("/verwaltung/{slug}", get(catalogue::routes::unit))
        .route("/hilfe", get(web::help::index))
        .route("/hilfe/handbuch.pdf", get(web::handbook::download))
        .route("/hilfe/{topic}", get(web::help::topic))
        .route("/impressum", get(pages::impressum))
        .route("/datenschutz", get(pages::datenschutz))
        .route("/barrierefreiheit", get(pages::barrierefreiheit))
        .route("/captcha/{file}", get(captcha::routes::image))
        .route("/assets/kern/{*path}", get(assets::kern))
        .route("/assets/app/{*path}", get(assets::own))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .fallback(web::errors::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::custom(|_| {
                    tracing::error!("a request handler panicked");
                    error_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Technischer Fehler",
                        "Leider ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später erneut.",
                        None,
                    )
                }))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
                .layer(middleware::from_fn_with_state(state.clone(), web::headers::security_headers))
                .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
                .layer(middleware::from_fn_with_state(state.clone(), web::session::load)),
        )
        .with_state(state)
}

async fn readyz(State(state): State<SharedState>) -> impl IntoResponse {
    if state.db.is_ready().await { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") }
}

/// One round of the periodic clean-up: unfinished accounts, expired sessions,
/// captcha challenges and stale rate-limit counters.
pub async fn run_maintenance(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    let accounts = accounts::cleanup::delete_unfinished_accounts(state).await?;
    let sessions = accounts::sessions::purge_expired(&state.db.pool, now).await?;
    let challenges = captcha::purge_expired(&state.db.pool, now).await?;
    let counters = throttle::purge_stale(&state.db.pool, now).await?;
    let mails = crate::mail::purge_done(&state.db.pool, now).await?;
    tracing::info!(accounts, sessions, challenges, counters, mails, "maintenance done");
    Ok(())
}

/// A bound, not yet running server (tests bind port 0 and read the port).
pub struct Application {
    pub state: SharedState,
    listener: TcpListener,
}

impl Application {
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        let state = AppState::build(config, clock).await?;
        Ok(Application { state, listener })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` resolves, with the mail worker and the periodic
    /// clean-up running beside it; in-flight requests finish first.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = MailWorker {
            db: self.state.db.clone(),
            clock: self.state.clock.clone(),
            transport: Transport::from_config(&self.state.config)?,
            from: self.state.config.mail_from.clone(),
            wakeup: self.state.mail_wakeup.clone(),
            instance: uuid::Uuid::new_v4().to_string(),
        };
        let worker_task = tokio::spawn(worker.run(stop_rx.clone()));
        let maintenance_task = tokio::spawn(maintenance_loop(self.state.clone(), stop_rx));
        let app = router(self.state.clone());
        axum::serve(self.listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await?;
        let _ = stop_tx.send(true);
        let _ = tokio::join!(worker_task, maintenance_task);
        Ok(())
    }
}

async fn maintenance_loop(state: SharedState, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {
                if let Err(e) = run_maintenance(&state).await {
                    tracing::error!(error = ?e, "maintenance failed");
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
