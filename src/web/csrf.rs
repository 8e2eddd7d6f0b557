//! CSRF protection for every state-changing request: a random cookie per browser
//! and, in each form, an HMAC of it under the server secret (signed double submit),
//! plus a refusal of cross-site requests by `Sec-Fetch-Site`.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    app::SharedState,
    crypto::{constant_time_eq, hmac_token, random_token},
    web::{cookies, errors::error_page},
};

/// The token to put into the hidden `csrf_token` field of every form.
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// The name of the hidden form field.
pub const FIELD: &str = "csrf_token";

/// Largest form body we accept (10,000 characters in several fields, percent-encoded).
pub const MAX_FORM_BYTES: usize = 512 * 1024;

pub async fn protect(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let cookie_name = cookies::name(&state.config, cookies::CSRF);
    let existing = cookies::read(request.headers(), &cookie_name).filter(|v| v.len() == 43);
    let (cookie_value, is_new) = match existing {
        Some(v) => (v, false),
        None => (random_token(), true),
    };
    let expected = hmac_token(&state.csrf_key, &cookie_value);

    let (mut parts, body) = request.into_parts();
    let body = if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        body
    } else {
        let cross_site = parts.headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
        let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => return crate::web::errors::AppError::PayloadTooLarge.into_response(),
        };
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let submitted = is_form.then(|| form_urlencoded::parse(&bytes).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned())).flatten();
        let valid = !is_new && !cross_site && submitted.is_some_and(|t| constant_time_eq(&t, &expected));
        if !valid {
            // Paths may carry link tokens: log only their first two segments.
            let path: String = parts.uri.path().split('/').take(3).collect::<Vec<_>>().join("/");
            tracing::info!(path = %path, "request refused: CSRF token missing or wrong");
            return error_page(
                StatusCode::FORBIDDEN,
                "Formular abgelaufen",
                "Das Formular konnte nicht sicher zugeordnet werden (das Sicherheitsmerkmal fehlt oder ist abgelaufen). Bitte rufen Sie die Seite erneut auf und senden Sie das Formular noch einmal ab.",
                None,
            );
        }
        Body::from(bytes)
    };
    parts.extensions.insert(CsrfToken(expected));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if is_new {
        response.headers_mut().append(header::SET_COOKIE, cookies::set(&state.config, cookies::CSRF, &cookie_value, None));
    }
    response
}
