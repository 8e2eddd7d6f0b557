//! The web layer: page frame, forms, errors, cookies, CSRF, sessions, headers, assets.

pub mod assets;
pub mod client;
pub mod cookies;
pub mod csrf;
pub mod dates;
pub mod errors;
pub mod form;
pub mod handbook;
pub mod headers;
pub mod help;
pub mod layout;
pub mod pages;
pub mod session;

use askama::Template;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use crate::crypto::sha256_hex;

/// Renders `page` with `status`.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Result<Response, errors::AppError> {
    Ok((status, Html(page.render()?)).into_response())
}

/// Renders a public page. For visitors without a session the page is the same
/// for everybody: an ETag lets browsers revalidate cheaply (304). `no-cache`
/// rather than a max-age, so that after logging in nobody sees a stale header. Logged-in pages show the citizen's name: no-store.
pub fn public_page<T: Template>(
    ctx: &layout::PageContext,
    request_headers: &HeaderMap,
    status: StatusCode,
    page: &T,
) -> Result<Response, errors::AppError> {
    let html = page.render()?;
    if ctx.session().is_some() || status != StatusCode::OK {
        return Ok((status, Html(html)).into_response());
    }
    let etag = format!("\"{}\"", &sha256_hex(&html)[..32]);
    let matches =
        request_headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if matches { StatusCode::NOT_MODIFIED.into_response() } else { (status, Html(html)).into_response() };
    let h = response.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex etag"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(response)
}
