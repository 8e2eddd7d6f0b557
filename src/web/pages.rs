//! Pages without a feature of their own yet: the start page, the operator-editable
//! legal pages, and honest "noch leer" pages for areas later work fills.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use crate::{
    app::SharedState,
    web::{
        errors::AppError,
        layout::{Layout, PageContext},
        render,
    },
};

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    layout: Layout,
}

pub async fn home(ctx: PageContext) -> Result<Response, AppError> {
    let mut layout = ctx.layout("Startseite", &[]);
    layout.breadcrumbs.clear();
    render(StatusCode::OK, &HomePage { layout })
}

#[derive(Template)]
#[template(path = "pages/text.html")]
struct TextPage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
}

/// A legal page: the operator's file `BP_DATA_DIR/seiten/<name>.txt` (paragraphs
/// separated by blank lines), or the shipped default that says it must be replaced.
async fn legal_page(state: &SharedState, ctx: PageContext, name: &str, heading: &str, default: &str) -> Result<Response, AppError> {
    let path = state.config.pages_dir().join(format!("{name}.txt"));
    let text = tokio::fs::read_to_string(&path).await.unwrap_or_else(|_| default.to_string());
    let paragraphs = text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    let layout = ctx.layout(heading, &[(heading, None)]);
    render(StatusCode::OK, &TextPage { layout, heading: heading.into(), paragraphs })
}

const NOT_CONFIGURED: &str = "Der Betreiber dieses Bürgerportals hat diesen Text noch nicht hinterlegt.\n\n\
Betreiber: Legen Sie den Text als Datei im Datenordner unter „seiten/“ ab (siehe README).";

pub async fn impressum(State(state): State<SharedState>, ctx: PageContext) -> Result<Response, AppError> {
    legal_page(&state, ctx, "impressum", "Impressum", NOT_CONFIGURED).await
}

pub async fn datenschutz(State(state): State<SharedState>, ctx: PageContext) -> Result<Response, AppError> {
    legal_page(&state, ctx, "datenschutz", "Datenschutz", NOT_CONFIGURED).await
}

pub async fn barrierefreiheit(State(state): State<SharedState>, ctx: PageContext) -> Result<Response, AppError> {
    legal_page(&state, ctx, "barrierefreiheit", "Erklärung zur Barrierefreiheit", NOT_CONFIGURED).await
}
