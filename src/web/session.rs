//! Loads the session of each request and keeps first-login sessions on the
//! first-login page.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

pub use crate::accounts::sessions::CurrentSession;
use crate::{
    accounts::sessions,
    app::SharedState,
    web::{cookies, errors::AppError},
};

/// Paths a session in the first-login stage may still reach.
fn open_during_first_login(path: &str) -> bool {
    matches!(path, "/erstanmeldung" | "/abmelden" | "/healthz" | "/readyz" | "/impressum" | "/datenschutz" | "/barrierefreiheit")
        || path.starts_with("/assets/")
}

pub async fn load(State(state): State<SharedState>, mut request: Request, next: Next) -> Response {
    let cookie_name = cookies::name(&state.config, cookies::SESSION);
    let mut stale_cookie = false;
    if let Some(token) = cookies::read(request.headers(), &cookie_name) {
        match sessions::find_valid(&state.db.pool, &token, state.clock.now_ms()).await {
            Ok(Some(session)) => {
                if session.stage == sessions::Stage::FirstLogin && !open_during_first_login(request.uri().path()) {
                    return Redirect::to("/erstanmeldung").into_response();
                }
                request.extensions_mut().insert(session);
            }
            Ok(None) => stale_cookie = true,
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    let mut response = next.run(request).await;
    if stale_cookie && !response.headers().contains_key(header::SET_COOKIE) {
        response.headers_mut().append(header::SET_COOKIE, cookies::clear(&state.config, cookies::SESSION));
    }
    response
}

/// A citizen with a full session. Without one, the request is sent to the login page.
pub struct Citizen(pub CurrentSession);

impl<S: Send + Sync> FromRequestParts<S> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<CurrentSession>() {
            Some(s) if s.is_full() => Ok(Citizen(s.clone())),
            _ => Err(Redirect::to("/anmelden").into_response()),
        }
    }
}

/// Any logged-in session, full or first-login.
pub struct AnySession(pub CurrentSession);

impl<S: Send + Sync> FromRequestParts<S> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentSession>().cloned().map(AnySession).ok_or_else(|| Redirect::to("/anmelden").into_response())
    }
}
