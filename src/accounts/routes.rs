//! HTTP in and out for the Bürgerkonto: registration, login, first login, logout,
//! new initial password. Rules live in the sibling modules.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    accounts::{
        first_login::{self, FirstLoginForm},
        login::{self, LoginForm},
        registration::{self, RegistrationForm},
        sessions,
    },
    app::SharedState,
    audit::{self, AuditEvent},
    captcha::{self, Kind},
    throttle,
    web::{
        client::ClientInfo,
        cookies,
        errors::AppError,
        form::{FieldErrors, WebForm, keep},
        layout::{Layout, PageContext},
        render,
        session::{AnySession, Citizen},
    },
};

/// A captcha challenge as the form template shows it.
pub struct ChallengeView {
    pub id: String,
    pub is_image: bool,
    pub prompt: String,
}

impl From<captcha::Challenge> for ChallengeView {
    fn from(c: captcha::Challenge) -> Self {
        ChallengeView { id: c.id, is_image: c.kind == Kind::Image, prompt: c.prompt }
    }
}

/// The challenge to show: the submitted one if still open (and not to be replaced), else a new one.
pub(crate) async fn challenge_for(
    state: &SharedState,
    submitted_id: &str,
    action: &str,
    force_new: bool,
) -> Result<ChallengeView, AppError> {
    let now = state.clock.now_ms();
    let pool = &state.db.pool;
    let wanted_kind = if action == "frage" { Some(Kind::Question) } else { None };
    if !force_new
        && action.is_empty()
        && let Some(open) = captcha::find_open(pool, submitted_id, now).await?
    {
        return Ok(open.into());
    }
    // "Neuen Code erzeugen" keeps the kind the citizen chose.
    let previous_kind = captcha::kind_of(pool, submitted_id).await?;
    let kind = wanted_kind.or(previous_kind).unwrap_or(Kind::Image);
    Ok(captcha::create(pool, kind, now).await?.into())
}

// ---------- Konto erstellen ----------

#[derive(Template)]
#[template(path = "accounts/register.html")]
struct RegisterPage {
    layout: Layout,
    form: RegistrationForm,
    errors: FieldErrors,
    challenge: ChallengeView,
}

#[derive(Template)]
#[template(path = "accounts/register_done.html")]
struct RegisterDonePage {
    layout: Layout,
}

const REGISTER_TRAIL: &[(&str, Option<&str>)] = &[("Bürgerportal", Some("/anmelden")), ("Konto erstellen", None)];

pub async fn register_form(State(state): State<SharedState>, ctx: PageContext) -> Result<Response, AppError> {
    let challenge = captcha::create(&state.db.pool, Kind::Image, state.clock.now_ms()).await?.into();
    let page = RegisterPage {
        layout: ctx.layout("Konto erstellen", REGISTER_TRAIL),
        form: RegistrationForm::default(),
        errors: FieldErrors::default(),
        challenge,
    };
    render(StatusCode::OK, &page)
}

fn kept_registration(form: &RegistrationForm) -> RegistrationForm {
    RegistrationForm {
        vorname: keep(&form.vorname),
        zweitname: keep(&form.zweitname),
        nachname: keep(&form.nachname),
        geburtstag: keep(&form.geburtstag),
        email: keep(&form.email),
        captcha_id: String::new(),
        captcha_antwort: keep(&form.captcha_antwort),
        aktion: String::new(),
    }
}

pub async fn register_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    WebForm(form): WebForm<RegistrationForm>,
) -> Result<Response, AppError> {
    let layout = ctx.layout("Konto erstellen", REGISTER_TRAIL);
    if !form.aktion.is_empty() {
        let challenge = challenge_for(&state, &form.captcha_id, &form.aktion, true).await?;
        let mut kept = kept_registration(&form);
        kept.captcha_antwort.clear();
        return render(StatusCode::OK, &RegisterPage { layout, form: kept, errors: FieldErrors::default(), challenge });
    }
    match registration::register(&state, &form).await? {
        registration::Outcome::Confirmed => Ok(Redirect::to("/konto-erstellen/bestaetigung").into_response()),
        registration::Outcome::Invalid { errors, new_challenge } => {
            let challenge = challenge_for(&state, &form.captcha_id, "", new_challenge).await?;
            let mut kept = kept_registration(&form);
            if new_challenge {
                kept.captcha_antwort.clear();
            }
            render(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage { layout, form: kept, errors, challenge })
        }
    }
}

pub async fn register_done(ctx: PageContext) -> Result<Response, AppError> {
    render(StatusCode::OK, &RegisterDonePage { layout: ctx.layout("Konto erstellt", REGISTER_TRAIL) })
}

// ---------- Anmelden ----------

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    logged_out: bool,
    email: String,
    remember: bool,
    message: Option<String>,
    expired: bool,
    errors: FieldErrors,
}

const LOGIN_TRAIL: &[(&str, Option<&str>)] = &[("Bürgerportal", None)];

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    abgemeldet: Option<String>,
}

pub async fn login_form(ctx: PageContext, Query(query): Query<LoginQuery>) -> Result<Response, AppError> {
    if ctx.session().is_some_and(|s| s.is_full()) {
        return Ok(Redirect::to("/postkorb").into_response());
    }
    let page = LoginPage {
        layout: ctx.layout("Anmelden", LOGIN_TRAIL),
        logged_out: query.abgemeldet.is_some(),
        email: String::new(),
        remember: false,
        message: None,
        expired: false,
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &page)
}

pub async fn login_submit(
    State(state): State<SharedState>,
    client: ClientInfo,
    ctx: PageContext,
    WebForm(form): WebForm<LoginForm>,
) -> Result<Response, AppError> {
    let prefix = client.prefix();
    let client = login::Client { prefix: &prefix, user_agent: client.user_agent.as_deref() };
    let outcome = login::login(&state, &form, &client).await?;
    let (message, expired) = match outcome {
        login::Outcome::LoggedIn { session, first_login } => {
            // A new token at every login; the old session (if any) ends.
            if let Some(old) = ctx.session() {
                sessions::delete(&state.db.pool, &old.session_id).await?;
            }
            let target = if first_login { "/erstanmeldung" } else { "/postkorb" };
            let mut response = Redirect::to(target).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookies::set(&state.config, cookies::SESSION, &session.token, session.max_age_secs));
            return Ok(response);
        }
        login::Outcome::Failed => ("E-Mail-Adresse oder Kennwort sind nicht korrekt. Bitte prüfen Sie Ihre Eingaben.".to_string(), false),
        login::Outcome::Throttled { wait_ms } => (
            format!("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie {} und versuchen Sie es dann erneut.", throttle::wait_text(wait_ms)),
            false,
        ),
        login::Outcome::InitialPasswordExpired => (
            "Ihr initiales Kennwort ist abgelaufen. Bitte fordern Sie ein neues an – das geht mit Ihrer E-Mail-Adresse und der Text-Überprüfung.".to_string(),
            true,
        ),
    };
    let page = LoginPage {
        layout: ctx.layout("Anmelden", LOGIN_TRAIL),
        logged_out: false,
        email: keep(&form.email),
        remember: !form.speichern.is_empty(),
        message: Some(message),
        expired,
        errors: FieldErrors::default(),
    };
    let status = if expired { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::UNAUTHORIZED };
    render(status, &page)
}

// ---------- Abmelden ----------

pub async fn logout(State(state): State<SharedState>, ctx: PageContext) -> Result<Response, AppError> {
    if let Some(s) = ctx.session() {
        sessions::delete(&state.db.pool, &s.session_id).await?;
        let mut conn = state.db.pool.acquire().await.map_err(anyhow::Error::from)?;
        audit::record(&mut conn, AuditEvent::Logout { account_id: &s.account_id }, None, state.clock.now_ms()).await?;
    }
    let mut response = Redirect::to("/anmelden?abgemeldet=1").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookies::clear(&state.config, cookies::SESSION));
    Ok(response)
}

// ---------- Erstanmeldung ----------

#[derive(Template)]
#[template(path = "accounts/first_login.html")]
struct FirstLoginPage {
    layout: Layout,
    name: String,
    form: FirstLoginForm,
    errors: FieldErrors,
    /// Completing a reset: the question may be kept.
    reset: bool,
}

const FIRST_LOGIN_TRAIL: &[(&str, Option<&str>)] = &[("Bürgerportal", None), ("Erstanmeldung", None)];

pub async fn first_login_form(
    State(state): State<SharedState>,
    ctx: PageContext,
    AnySession(session): AnySession,
) -> Result<Response, AppError> {
    if session.is_full() {
        return Ok(Redirect::to("/postkorb").into_response());
    }
    let page = FirstLoginPage {
        layout: ctx.layout("Erstanmeldung", FIRST_LOGIN_TRAIL),
        name: session.display_name(),
        form: FirstLoginForm::default(),
        errors: FieldErrors::default(),
        reset: first_login::is_reset(&state, &session).await?,
    };
    render(StatusCode::OK, &page)
}

pub async fn first_login_submit(
    State(state): State<SharedState>,
    client: ClientInfo,
    ctx: PageContext,
    AnySession(session): AnySession,
    WebForm(form): WebForm<FirstLoginForm>,
) -> Result<Response, AppError> {
    if session.is_full() {
        return Ok(Redirect::to("/postkorb").into_response());
    }
    match first_login::complete(&state, &session, &form, &client).await? {
        first_login::Outcome::Activated(issued) => {
            let mut response = Redirect::to("/postkorb").into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookies::set(&state.config, cookies::SESSION, &issued.token, issued.max_age_secs));
            Ok(response)
        }
        first_login::Outcome::Invalid(errors) => {
            let kept = FirstLoginForm { frage: keep(&form.frage), eigene_frage: keep(&form.eigene_frage), ..Default::default() };
            let page = FirstLoginPage {
                layout: ctx.layout("Erstanmeldung", FIRST_LOGIN_TRAIL),
                name: session.display_name(),
                form: kept,
                errors,
                reset: first_login::is_reset(&state, &session).await?,
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------- Placeholders for the citizen's own area ----------

#[derive(Template)]
#[template(path = "pages/postkorb.html")]
struct PostkorbPage {
    layout: Layout,
    greeting: String,
}

pub async fn postkorb(ctx: PageContext, Citizen(citizen): Citizen) -> Result<Response, AppError> {
    let greeting = citizen.salutation.greeting(&citizen.given_name, &citizen.family_name).trim_end_matches(',').to_string();
    render(
        StatusCode::OK,
        &PostkorbPage { layout: ctx.layout("Mein Postkorb", &[("Bürgerportal", None), ("Mein Postkorb", None)]), greeting },
    )
}
