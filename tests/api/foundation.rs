//! The frame every page stands on: probes, headers, error pages, labels, limits.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn probes_report_a_live_and_ready_service() {
    let app = spawn_app().await;
    assert_eq!(app.client.get("/healthz").await.status, StatusCode::OK);
    let ready = app.client.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body, "ready");
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/anmelden", "/konto-erstellen", "/gibt-es-nicht"] {
        let page = app.client.get(path).await;
        let h = |name: &str| page.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let csp = h("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("referrer-policy"), "same-origin");
        assert_eq!(h("cache-control"), "no-store", "{path}");
    }
}

#[tokio::test]
async fn cookies_are_http_only_and_same_site() {
    let app = spawn_app().await;
    let page = app.client.get("/anmelden").await;
    let csrf = page.set_cookies().into_iter().find(|c| c.starts_with("bp_csrf=")).expect("csrf cookie");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"), "{csrf}");
}

#[tokio::test]
async fn an_unknown_address_gets_a_german_404_page_in_the_layout() {
    let app = spawn_app().await;
    let page = app.client.get("/dienste/gibt-es-nicht/%ZZ").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("Seite nicht gefunden"));
    assert!(page.text().contains("Sie sind hier:") || page.body.contains("Hauptnavigation"));
}

#[tokio::test]
async fn the_navigation_follows_the_seed() {
    let app = spawn_app().await;
    let text = app.client.get("/").await.text();
    for item in [
        "Onlinedienste",
        "Alle Dienste A–Z",
        "Das Bürgerportal",
        "Verwaltungsgliederung",
        "Anmelden",
        "Impressum",
        "Datenschutz",
        "Barrierefreiheit",
    ] {
        assert!(text.contains(item), "missing {item}");
    }
    assert!(!text.contains("Mein Postkorb"));
}

#[tokio::test]
async fn forms_use_the_contract_labels() {
    let app = spawn_app().await;
    let labels = app.client.get("/konto-erstellen").await.labels();
    for wanted in ["Vorname", "Zweitname", "Nachname", "Geburtstag", "E-Mail-Adresse", "Text-Überprüfung"] {
        assert!(labels.iter().any(|l| l.starts_with(wanted)), "no label {wanted} in {labels:?}");
    }
    let labels = app.client.get("/anmelden").await.labels();
    for wanted in ["E-Mail-Adresse", "Kennwort", "Anmeldedaten speichern"] {
        assert!(labels.iter().any(|l| l.starts_with(wanted)), "no label {wanted} in {labels:?}");
    }
}

#[tokio::test]
async fn legal_pages_show_the_operators_text() {
    let app = spawn_app().await;
    let before = app.client.get("/impressum").await;
    assert!(before.text().contains("noch nicht hinterlegt"));
    std::fs::create_dir_all(app.data_dir.path().join("seiten")).unwrap();
    std::fs::write(app.data_dir.path().join("seiten/impressum.txt"), "Stadt Musterstadt\n\nRathausplatz 1 <b>fett</b>").unwrap();
    let after = app.client.get("/impressum").await;
    assert!(after.text().contains("Rathausplatz 1"));
    assert!(!after.body.contains("<b>fett") && after.text().contains("<b>fett"), "operator text is escaped");
}

#[tokio::test]
async fn a_post_without_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let fields = Registration::new("ohne-token@example.de").fields();
    let mut with_captcha = fields.clone();
    with_captcha.push(("captcha_id", form.hidden("captcha_id")));
    with_captcha.push(("captcha_antwort", CAPTCHA.into()));
    // No token at all.
    let page = app.client.post_raw("/konto-erstellen", encode(&with_captcha)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text().contains("Formular abgelaufen"));
    // A wrong token.
    let mut wrong = vec![("csrf_token", "x".repeat(43))];
    wrong.extend(with_captcha.clone());
    assert_eq!(app.client.post_raw("/konto-erstellen", encode(&wrong)).await.status, StatusCode::FORBIDDEN);
    // Another browser's token.
    let other = app.new_browser();
    let other_form = other.get("/konto-erstellen").await;
    let mut foreign = vec![("csrf_token", other_form.hidden("csrf_token"))];
    foreign.extend(with_captcha);
    assert_eq!(app.client.post_raw("/konto-erstellen", encode(&foreign)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let huge = vec![("vorname", "A".repeat(2 * 1024 * 1024))];
    let page = app.client.submit(&form, "/konto-erstellen", &huge).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    let css = app.client.get("/assets/kern/kern.min.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(app.client.get("/assets/app/portal.css").await.status, StatusCode::OK);
    assert_eq!(app.client.get("/assets/kern/../../Cargo.toml").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_for() {
    let app = spawn_app().await;
    let expected = if on_postgres() { buergerportal::db::Backend::Postgres } else { buergerportal::db::Backend::Sqlite };
    assert_eq!(app.state.db.backend, expected);
    println!("integration tests run on {expected:?}");
}

#[tokio::test]
async fn production_sends_secure_host_cookies_and_hsts() {
    let app = spawn_app_with(|c| {
        c.environment = buergerportal::config::Environment::Production;
        c.captcha_test_answer = None;
    })
    .await;
    let page = app.client.get("/anmelden").await;
    let csrf = page.set_cookies().into_iter().find(|c| c.contains("bp_csrf=")).unwrap();
    assert!(csrf.starts_with("__Host-bp_csrf=") && csrf.contains("; Secure") && csrf.contains("Path=/"), "{csrf}");
    assert!(page.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.db.pool.close().await;
    assert_eq!(app.client.get("/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.client.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_help_section_explains_the_portal() {
    let app = spawn_app().await;
    let index = app.client.get("/hilfe").await;
    for topic in [
        "Ein Bürgerkonto erstellen",
        "Die Erstanmeldung",
        "Anmelden und Abmelden",
        "Kennwort vergessen",
        "Der Postkorb",
        "Datenschutz und Sicherheit",
    ] {
        assert!(index.text().contains(topic), "{topic}");
    }
    let page = app.client.get("/hilfe/kennwort-vergessen").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Ihr bisheriges Kennwort gilt weiter"));
    assert!(page.text().contains("Sie sind hier: Home » Das Bürgerportal » Kennwort vergessen"));
    assert_eq!(app.client.get("/hilfe/gibt-es-nicht").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_handbook_can_be_downloaded_as_pdf() {
    let app = spawn_app().await;
    assert!(app.client.get("/hilfe").await.body.contains("href=\"/hilfe/handbuch.pdf\""));
    let response = reqwest::get(format!("{}/hilfe/handbuch.pdf", app.address)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 2000);
}
