//! `/captcha/{id}.png`: the image of an open challenge.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::{app::SharedState, web::errors::AppError};

pub async fn image(State(state): State<SharedState>, Path(file): Path<String>) -> Result<Response, AppError> {
    let id = file.strip_suffix(".png").ok_or(AppError::NotFound)?;
    let png = super::image_png(&state.db.pool, id, state.clock.now_ms()).await?.ok_or(AppError::NotFound)?;
    let mut response = png.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(response)
}
