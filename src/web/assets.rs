//! Static assets embedded in the binary: KERN UX (CSS, fonts) and our own CSS.

use axum::{
    extract::Path,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;

use crate::web::errors::AppError;

#[derive(RustEmbed)]
#[folder = "node_modules/@kern-ux/native/dist/"]
#[include = "kern.min.css"]
#[include = "fonts/*.css"]
#[include = "fonts/**/*.woff2"]
struct Kern;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Own;

/// `/assets/kern/{*path}` and `/assets/{*path}`.
pub async fn kern(Path(path): Path<String>) -> Response {
    serve(Kern::get(&path), &path)
}

pub async fn own(Path(path): Path<String>) -> Response {
    serve(Own::get(&path), &path)
}

fn serve(file: Option<rust_embed::EmbeddedFile>, path: &str) -> Response {
    let Some(file) = file else {
        return AppError::NotFound.into_response();
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut response = file.data.into_owned().into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(mime.as_ref()).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}
