//! HTTP in and out for the Login-Daten tabs Sitzungen and Meine Daten (the
//! account's sessions, the data export, deleting the account).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    app::SharedState,
    audit::{self, AuditEvent},
    profile::{
        own_data::{self, DeleteForm},
        routes::{SavedQuery, layout},
        sessions::describe_browser,
        store,
    },
    web::{
        cookies, dates,
        errors::AppError,
        form::{FieldErrors, WebForm},
        layout::{Layout, PageContext},
        render,
        session::Citizen,
    },
};

// ---------- Sitzungen ----------

/// One row of the sessions table.
pub struct SessionView {
    pub id: String,
    pub browser: String,
    pub network: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
    pub persistent: bool,
}

#[derive(Template)]
#[template(path = "profile/sessions.html")]
struct SessionsPage {
    layout: Layout,
    sessions: Vec<SessionView>,
    saved: String,
}

pub async fn sessions_page(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let rows = store::sessions(&state.db.pool, &citizen.account_id, state.clock.now_ms()).await?;
    let sessions = rows
        .into_iter()
        .map(|s| SessionView {
            current: s.id == citizen.session_id,
            browser: describe_browser(s.user_agent.as_deref()),
            network: s.client_prefix.unwrap_or_else(|| "unbekannt".into()),
            started: dates::berlin(s.created_at),
            last_seen: dates::berlin(s.last_seen_at),
            persistent: s.persistent,
            id: s.id,
        })
        .collect();
    render(StatusCode::OK, &SessionsPage { layout: layout(&ctx, "Sitzungen"), sessions, saved: q.gespeichert })
}

pub async fn end_session(
    State(state): State<SharedState>,
    Citizen(citizen): Citizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin_write().await.map_err(anyhow::Error::from)?;
    // Another account's session id answers like an unknown one.
    if !store::delete_own_session(&mut tx, &citizen.account_id, &id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, AuditEvent::SessionEnded { account_id: &citizen.account_id }, None, state.clock.now_ms()).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    if id == citizen.session_id {
        let mut response = Redirect::to("/anmelden?abgemeldet=1").into_response();
        response.headers_mut().append(header::SET_COOKIE, cookies::clear(&state.config, cookies::SESSION));
        return Ok(response);
    }
    Ok(Redirect::to("/login-daten/sitzungen?gespeichert=beendet").into_response())
}

pub async fn end_other_sessions(State(state): State<SharedState>, Citizen(citizen): Citizen) -> Result<Response, AppError> {
    let mut tx = state.db.begin_write().await.map_err(anyhow::Error::from)?;
    store::delete_other_sessions(&mut tx, &citizen.account_id, &citizen.session_id).await?;
    audit::record(&mut tx, AuditEvent::SessionEnded { account_id: &citizen.account_id }, None, state.clock.now_ms()).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(Redirect::to("/login-daten/sitzungen?gespeichert=andere").into_response())
}

// ---------- Meine Daten ----------

#[derive(Template)]
#[template(path = "profile/own_data.html")]
struct OwnDataPage {
    layout: Layout,
    errors: FieldErrors,
    confirmed: bool,
}

pub async fn own_data_page(ctx: PageContext, Citizen(_citizen): Citizen) -> Result<Response, AppError> {
    render(StatusCode::OK, &OwnDataPage { layout: layout(&ctx, "Meine Daten"), errors: FieldErrors::default(), confirmed: false })
}

pub async fn export_data(State(state): State<SharedState>, Citizen(citizen): Citizen) -> Result<Response, AppError> {
    let json = own_data::export(&state, &citizen).await?;
    let mut conn = state.db.pool.acquire().await.map_err(anyhow::Error::from)?;
    audit::record(&mut conn, AuditEvent::DataExported { account_id: &citizen.account_id }, None, state.clock.now_ms()).await?;
    let mut response = json.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"buergerportal-meine-daten.json\""));
    Ok(response)
}

#[derive(Template)]
#[template(path = "profile/deleted.html")]
struct DeletedPage {
    layout: Layout,
}

pub async fn delete_account(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    WebForm(form): WebForm<DeleteForm>,
) -> Result<Response, AppError> {
    match own_data::delete(&state, &citizen, &form).await? {
        own_data::DeleteOutcome::Deleted => {
            let mut layout = ctx.layout("Konto gelöscht", &[("Konto gelöscht", None)]);
            layout.citizen_name = None;
            let mut response = render(StatusCode::OK, &DeletedPage { layout })?;
            response.headers_mut().append(header::SET_COOKIE, cookies::clear(&state.config, cookies::SESSION));
            Ok(response)
        }
        own_data::DeleteOutcome::Invalid(errors) => {
            let page = OwnDataPage { layout: layout(&ctx, "Meine Daten"), errors, confirmed: !form.bestaetigung.is_empty() };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
