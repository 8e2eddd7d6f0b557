//! HTTP in and out for the Login-Daten tabs. Every page needs a full session
//! (`Citizen`), and every object is loaded with the citizen's account id.

// The select macro compares `&str` options with `String` values via to_string(); a handful per page.
#![allow(clippy::cmp_owned)]

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    app::SharedState,
    audit::{self, AuditEvent},
    profile::{
        countries,
        domain::{AddressInput, Gender, PostalAddress, Salutation, parse_phone},
        general::{self, Confirmation, GeneralForm},
        password::{self, PasswordForm},
        store,
    },
    web::{
        errors::AppError,
        form::{FieldErrors, WebForm, keep},
        layout::{Layout, PageContext},
        render,
        session::Citizen,
    },
};

/// `?gespeichert=…` after a successful save (post/redirect/get).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    pub gespeichert: String,
}

pub fn layout(ctx: &PageContext, tab: &str) -> Layout {
    ctx.layout(&format!("Login-Daten: {tab}"), &[("Bürgerportal", None), ("Login-Daten", Some("/login-daten/allgemein")), (tab, None)])
}

// ---------- Allgemein ----------

#[derive(Template)]
#[template(path = "profile/general.html")]
struct GeneralPage {
    layout: Layout,
    form: GeneralForm,
    errors: FieldErrors,
    salutations: [(&'static str, &'static str); 3],
    genders: [(&'static str, &'static str); 4],
    saved: String,
}

fn iso_to_german(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!("{d}.{m}.{y}"),
        _ => String::new(),
    }
}

pub async fn general_form(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let p = store::profile(&state.db.pool, &citizen.account_id).await?;
    let form = GeneralForm {
        anrede: p.salutation.form_value().into(),
        vorname: p.given_name,
        zweitname: p.middle_name.unwrap_or_default(),
        nachname: p.family_name,
        geburtsdatum: p.birth_date.as_deref().map(iso_to_german).unwrap_or_default(),
        geschlecht: p.gender.form_value().into(),
        email: p.email,
        aktuelles_kennwort: String::new(),
    };
    let page = GeneralPage {
        layout: layout(&ctx, "Allgemein"),
        form,
        errors: FieldErrors::default(),
        salutations: Salutation::OPTIONS,
        genders: Gender::OPTIONS,
        saved: q.gespeichert,
    };
    render(StatusCode::OK, &page)
}

pub async fn general_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    WebForm(form): WebForm<GeneralForm>,
) -> Result<Response, AppError> {
    match general::save(&state, &citizen, &form).await? {
        general::Outcome::Saved { email_pending } => {
            let target = if email_pending { "/login-daten/allgemein?gespeichert=email" } else { "/login-daten/allgemein?gespeichert=ja" };
            Ok(Redirect::to(target).into_response())
        }
        general::Outcome::Invalid(errors) => {
            let kept = GeneralForm {
                anrede: keep(&form.anrede),
                vorname: keep(&form.vorname),
                zweitname: keep(&form.zweitname),
                nachname: keep(&form.nachname),
                geburtsdatum: keep(&form.geburtsdatum),
                geschlecht: keep(&form.geschlecht),
                email: keep(&form.email),
                aktuelles_kennwort: String::new(),
            };
            let page = GeneralPage {
                layout: layout(&ctx, "Allgemein"),
                form: kept,
                errors,
                salutations: Salutation::OPTIONS,
                genders: Gender::OPTIONS,
                saved: String::new(),
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------- E-Mail bestätigen ----------

#[derive(Template)]
#[template(path = "profile/confirm_email.html")]
struct ConfirmEmailPage {
    layout: Layout,
    token: String,
    /// None: the form; Some(true): done; Some(false): not possible.
    result: Option<bool>,
    message: &'static str,
}

fn confirm_layout(ctx: &PageContext) -> Layout {
    ctx.layout("Neue E-Mail-Adresse bestätigen", &[("Bürgerportal", None), ("E-Mail-Adresse bestätigen", None)])
}

const LINK_INVALID: &str = "Dieser Bestätigungslink ist ungültig, abgelaufen oder wurde schon verwendet. Sie können die Änderung unter Login-Daten erneut anfordern.";

/// Shows the confirm button; a GET never changes anything (mail scanners open links).
pub async fn confirm_email_form(
    State(state): State<SharedState>,
    ctx: PageContext,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let logged_in_as = ctx.session().map(|s| s.account_id.clone());
    let problem =
        if token.len() < 100 { general::check_link(&state, &token, logged_in_as.as_deref()).await? } else { Some(Confirmation::Invalid) };
    match problem {
        None => render(StatusCode::OK, &ConfirmEmailPage { layout: confirm_layout(&ctx), token, result: None, message: "" }),
        Some(problem) => confirmation_page(&ctx, problem),
    }
}

fn confirmation_page(ctx: &PageContext, outcome: Confirmation) -> Result<Response, AppError> {
    let (status, result, message) = match outcome {
        Confirmation::Changed => {
            (StatusCode::OK, Some(true), "Ihre neue E-Mail-Adresse ist bestätigt. Melden Sie sich ab jetzt mit dieser Adresse an.")
        }
        Confirmation::Invalid => (StatusCode::NOT_FOUND, Some(false), LINK_INVALID),
        Confirmation::Taken => (
            StatusCode::CONFLICT,
            Some(false),
            "Diese E-Mail-Adresse kann nicht verwendet werden. Bitte wählen Sie unter Login-Daten eine andere Adresse.",
        ),
        Confirmation::OtherAccount => (
            StatusCode::FORBIDDEN,
            Some(false),
            "Dieser Link gehört zu einem anderen Bürgerkonto als dem, mit dem Sie gerade angemeldet sind. Bitte melden Sie sich ab und öffnen Sie den Link erneut.",
        ),
    };
    render(status, &ConfirmEmailPage { layout: confirm_layout(ctx), token: String::new(), result, message })
}

pub async fn confirm_email_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let logged_in_as = ctx.session().map(|s| s.account_id.clone());
    let outcome = if token.len() < 100 { general::confirm(&state, &token, logged_in_as.as_deref()).await? } else { Confirmation::Invalid };
    confirmation_page(&ctx, outcome)
}

// ---------- Kennwort ----------

#[derive(Template)]
#[template(path = "profile/password.html")]
struct PasswordPage {
    layout: Layout,
    current_question: String,
    form: PasswordForm,
    errors: FieldErrors,
    saved: String,
}

async fn password_page(
    state: &SharedState,
    ctx: &PageContext,
    account_id: &str,
    form: PasswordForm,
    errors: FieldErrors,
    saved: String,
) -> Result<PasswordPage, AppError> {
    let p = store::profile(&state.db.pool, account_id).await?;
    Ok(PasswordPage { layout: layout(ctx, "Kennwort"), current_question: p.security_question.unwrap_or_default(), form, errors, saved })
}

pub async fn password_form(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let page = password_page(&state, &ctx, &citizen.account_id, PasswordForm::default(), FieldErrors::default(), q.gespeichert).await?;
    render(StatusCode::OK, &page)
}

pub async fn password_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    WebForm(form): WebForm<PasswordForm>,
) -> Result<Response, AppError> {
    match password::save(&state, &citizen, &form).await? {
        password::Outcome::Saved { password_changed, question_changed } => {
            let what = match (password_changed, question_changed) {
                (true, true) => "beides",
                (true, false) => "kennwort",
                _ => "frage",
            };
            Ok(Redirect::to(&format!("/login-daten/kennwort?gespeichert={what}")).into_response())
        }
        password::Outcome::Invalid(errors) => {
            let kept = PasswordForm { frage: keep(&form.frage), eigene_frage: keep(&form.eigene_frage), ..Default::default() };
            let page = password_page(&state, &ctx, &citizen.account_id, kept, errors, String::new()).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------- Adresse ----------

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct AddressForm {
    pub strasse: String,
    pub plz: String,
    pub stadt: String,
    pub land: String,
    pub telefon: String,
}

#[derive(Template)]
#[template(path = "profile/address.html")]
struct AddressPage {
    layout: Layout,
    form: AddressForm,
    errors: FieldErrors,
    countries: &'static [(String, String)],
    saved: String,
}

pub async fn address_form(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let p = store::profile(&state.db.pool, &citizen.account_id).await?;
    let form = AddressForm {
        strasse: p.street.unwrap_or_default(),
        plz: p.postal_code.unwrap_or_default(),
        stadt: p.city.unwrap_or_default(),
        land: p.country,
        telefon: p.phone.unwrap_or_default(),
    };
    render(
        StatusCode::OK,
        &AddressPage {
            layout: layout(&ctx, "Adresse"),
            form,
            errors: FieldErrors::default(),
            countries: countries::all(),
            saved: q.gespeichert,
        },
    )
}

pub async fn address_submit(
    State(state): State<SharedState>,
    ctx: PageContext,
    Citizen(citizen): Citizen,
    WebForm(form): WebForm<AddressForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let input = AddressInput { street: &form.strasse, postal_code: &form.plz, city: &form.stadt, country: &form.land };
    let address = PostalAddress::parse(&input).map_err(|list| list.into_iter().for_each(|(field, e)| errors.add(field, e.0))).ok();
    let phone = errors.check("telefon", parse_phone(&form.telefon));
    if let (Some(address), Some(phone), true) = (&address, &phone, errors.is_empty()) {
        let now = state.clock.now_ms();
        store::update_address(&state.db.pool, &citizen.account_id, address, phone.as_deref(), now).await?;
        let mut conn = state.db.pool.acquire().await.map_err(anyhow::Error::from)?;
        audit::record(&mut conn, AuditEvent::AddressChanged { account_id: &citizen.account_id }, None, now).await?;
        return Ok(Redirect::to("/login-daten/adresse?gespeichert=ja").into_response());
    }
    let kept = AddressForm {
        strasse: keep(&form.strasse),
        plz: keep(&form.plz),
        stadt: keep(&form.stadt),
        land: keep(&form.land),
        telefon: keep(&form.telefon),
    };
    let page = AddressPage { layout: layout(&ctx, "Adresse"), form: kept, errors, countries: countries::all(), saved: String::new() };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
