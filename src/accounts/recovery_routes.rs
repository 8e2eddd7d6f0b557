//! HTTP in and out for "Kennwort vergessen" (rules in `recovery.rs`).

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use crate::{
    accounts::{
        recovery::{self, AddressForm, AnswerForm, AnswerOutcome, QuestionStep},
        routes::{ChallengeView, challenge_for},
    },
    app::SharedState,
    captcha::{self, Kind},
    web::{
        errors::AppError,
        form::{FieldErrors, WebForm, keep},
        layout::{Layout, PageContext},
        render,
    },
};

const TRAIL: &[(&str, Option<&str>)] = &[("Bürgerportal", Some("/anmelden")), ("Kennwort vergessen", None)];
const TITLE: &str = "Kennwort vergessen";

#[derive(Template)]
#[template(path = "accounts/recovery_address.html")]
struct AddressPage {
    layout: Layout,
    form: AddressForm,
    errors: FieldErrors,
    challenge: ChallengeView,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "accounts/recovery_question.html")]
struct QuestionPage {
    layout: Layout,
    step: QuestionStep,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "accounts/recovery_sent.html")]
struct SentPage {
    layout: Layout,
}

pub async fn address_form(State(state): State<SharedState>, ctx: PageContext) -> Result<Response, AppError> {
    address_page(&state, ctx, AddressForm::default(), None).await
}

async fn address_page(
    state: &SharedState,
    ctx: PageContext,
    form: AddressForm,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let challenge = captcha::create(&state.db.pool, Kind::Image, state.clock.now_ms()).await?.into();
    let status = if notice.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(status, &AddressPage { layout: ctx.layout(TITLE, TRAIL), form, errors: FieldErrors::default(), challenge, notice })
}

pub async fn address_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    WebForm(form): WebForm<AddressForm>,
) -> Result<Response, AppError> {
    let kept = |clear_answer: bool| AddressForm {
        email: keep(&form.email),
        captcha_antwort: if clear_answer { String::new() } else { keep(&form.captcha_antwort) },
        ..Default::default()
    };
    if !form.aktion.is_empty() {
        let challenge = challenge_for(&state, &form.captcha_id, &form.aktion, true).await?;
        let page =
            AddressPage { layout: ctx.layout(TITLE, TRAIL), form: kept(true), errors: FieldErrors::default(), challenge, notice: None };
        return render(StatusCode::OK, &page);
    }
    match recovery::submit_address(&state, &form).await? {
        recovery::AddressOutcome::Question(step) => {
            render(StatusCode::OK, &QuestionPage { layout: ctx.layout(TITLE, TRAIL), step, errors: FieldErrors::default() })
        }
        recovery::AddressOutcome::Invalid { errors, new_challenge } => {
            let challenge = challenge_for(&state, &form.captcha_id, "", new_challenge).await?;
            let page = AddressPage { layout: ctx.layout(TITLE, TRAIL), form: kept(new_challenge), errors, challenge, notice: None };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn answer_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    WebForm(form): WebForm<AnswerForm>,
) -> Result<Response, AppError> {
    match recovery::submit_answer(&state, &form).await? {
        AnswerOutcome::Sent => render(StatusCode::OK, &SentPage { layout: ctx.layout(TITLE, TRAIL) }),
        AnswerOutcome::WrongAnswer { step, errors } => {
            render(StatusCode::UNPROCESSABLE_ENTITY, &QuestionPage { layout: ctx.layout(TITLE, TRAIL), step, errors })
        }
        AnswerOutcome::StartAgain(notice) => address_page(&state, ctx, AddressForm::default(), Some(notice)).await,
    }
}
