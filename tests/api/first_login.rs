//! Erstanmeldung: the initial password opens only the first-login step; the citizen
//! chooses question, answer and password, and the account becomes active.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn the_initial_password_leads_to_the_first_login_and_nowhere_else() {
    let app = spawn_app().await;
    let r = Registration::new("anna@example.de");
    let initial = app.register_and_read_password(&r).await;
    let page = app.login(&r.email, &initial, false).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/erstanmeldung");
    for path in ["/postkorb", "/", "/login-daten/allgemein", "/konto-erstellen"] {
        let page = app.client.get(path).await;
        assert_eq!(page.location(), "/erstanmeldung", "{path}");
    }
    let form = app.client.get("/erstanmeldung").await;
    assert_eq!(form.status, StatusCode::OK);
    let labels = form.labels();
    for wanted in ["Frage", "Antwort", "Neues Kennwort", "Eingabe wiederholen"] {
        assert!(labels.iter().any(|l| l.starts_with(wanted)), "{wanted} in {labels:?}");
    }
    for q in ["Wie lautet der Zweitname Ihres Vaters?", "Wie lautete Ihre erste Telefonnummer?", "Eine eigene Frage festlegen."] {
        assert!(form.body.contains(q), "{q}");
    }
    // Phones must not "correct" passwords and answers.
    assert!(form.body.contains(
        r#"id="antwort" name="antwort" type="text" autocomplete="off" autocapitalize="off" autocorrect="off" spellcheck="false""#
    ));
}

#[tokio::test]
async fn completing_the_first_login_activates_the_account() {
    let app = spawn_app().await;
    let r = Registration::new("anna@example.de");
    let initial = app.register_and_read_password(&r).await;
    app.login(&r.email, &initial, false).await;
    let page = app.complete_first_login("eigene", "Wie hieß mein erstes Fahrrad?", "Blitz", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(page.location(), "/postkorb");
    let postkorb = app.client.get("/postkorb").await;
    assert_eq!(postkorb.status, StatusCode::OK);
    let text = postkorb.text();
    for wanted in
        ["Mein Postkorb", "Meine Aufträge", "Historie", "Keine Daten vorhanden", "0 bis 0 von 0 Einträgen", "Anna Schmidt", "Abmelden"]
    {
        assert!(text.contains(wanted), "{wanted}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE status = 'active'").await, 1);
    let (question, answer_hash): (String, String) =
        sqlx::query_as("SELECT security_question, security_answer_hash FROM accounts").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(question, "Wie hieß mein erstes Fahrrad?");
    assert!(answer_hash.starts_with("$argon2id$"));
    // A notice that the account was activated.
    let mails = app.smtp.wait_for(&r.email, 2).await;
    assert!(mails[1].body.contains("aktiviert"));
    // The initial password is void; the new password works.
    let other = app.new_browser();
    assert_eq!(other.login(&r.email, &initial, false).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other.login(&r.email, GOOD_PASSWORD, false).await.location(), "/postkorb");
}

#[tokio::test]
async fn weak_or_mismatching_passwords_get_a_german_reason() {
    let app = spawn_app().await;
    let r = Registration::new("anna.schmidt@example.de");
    let initial = app.register_and_read_password(&r).await;
    app.login(&r.email, &initial, false).await;
    let cases: &[(&str, &str, &str, &str, &str, &str)] = &[
        // question, own question, answer, password, repeat, (field, message)
        ("1", "", "1234", "kurz", "kurz", "kennwort:zu kurz"),
        ("1", "", "1234", "passwort1234", "passwort1234", "kennwort:zu leicht zu erraten"),
        ("1", "", "1234", "Schmidt Regenbogen 2024!", "Schmidt Regenbogen 2024!", "kennwort:enthält Ihren Namen"),
        ("1", "", "1234", "anna.schmidt@example.de Regen", "anna.schmidt@example.de Regen", "kennwort:E-Mail-Adresse"),
        ("1", "", "1234", GOOD_PASSWORD, "Laterne Sommerwiese", "kennwort_wiederholung:stimmen nicht überein"),
        ("1", "", "1234", "Ampel Regen Kaffeetasse Brücke", "Ampel Regen Kaffeetasse Brücke", "kennwort:zu leicht zu erraten"),
        ("", "", "1234", GOOD_PASSWORD, GOOD_PASSWORD, "frage:wählen Sie eine Frage"),
        ("eigene", "", "1234", GOOD_PASSWORD, GOOD_PASSWORD, "eigene_frage:eigene Frage"),
        ("1", "", "   ", GOOD_PASSWORD, GOOD_PASSWORD, "antwort:Antwort ein"),
        ("99", "", "1234", GOOD_PASSWORD, GOOD_PASSWORD, "frage:wählen Sie eine Frage"),
    ];
    for (q, own, answer, pw, repeat, expected) in cases {
        let (field, message) = expected.split_once(':').unwrap();
        let page = app.complete_first_login(q, own, answer, pw, repeat).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{expected}");
        let shown = page.error_at(field).unwrap_or_else(|| panic!("no message at {field}: {}", page.text()));
        assert!(shown.contains(message), "{expected}: {shown}");
        assert!(!page.body.contains(&format!("value=\"{pw}")), "passwords are never echoed");
        assert_eq!(page.value_of("kennwort"), None, "password inputs carry no value");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE status = 'active'").await, 0);
}

#[tokio::test]
async fn an_expired_initial_password_says_so_and_a_new_one_can_be_requested() {
    let app = spawn_app().await;
    let r = Registration::new("anna@example.de");
    let initial = app.register_and_read_password(&r).await;
    app.clock.advance(Duration::from_secs(25 * 3600));
    let page = app.login(&r.email, &initial, false).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("initiales Kennwort ist abgelaufen"));
    assert!(page.body.contains("href=\"/kennwort-vergessen\""));

    let form = app.client.get("/kennwort-vergessen").await;
    let labels = form.labels();
    assert!(labels.iter().any(|l| l.starts_with("E-Mail-Adresse")) && labels.iter().any(|l| l.starts_with("Text-Überprüfung")));
    let fields = vec![("email", r.email.clone()), ("captcha_id", form.hidden("captcha_id")), ("captcha_antwort", CAPTCHA.into())];
    let done = app.client.submit(&form, "/kennwort-vergessen", &fields).await;
    assert_eq!(done.status, StatusCode::OK);
    let mails = app.smtp.wait_for(&r.email, 2).await;
    let fresh = initial_password_in(&mails[1]);
    assert_ne!(fresh, initial);
    assert_eq!(app.login(&r.email, &initial, false).await.status, StatusCode::UNAUTHORIZED, "the old one is void");
    assert_eq!(app.login(&r.email, &fresh, false).await.location(), "/erstanmeldung");
}

#[tokio::test]
async fn requesting_a_new_initial_password_looks_the_same_for_unknown_addresses() {
    let app = spawn_app().await;
    let form = app.client.get("/kennwort-vergessen").await;
    let fields =
        vec![("email", "niemand@example.de".to_string()), ("captcha_id", form.hidden("captcha_id")), ("captcha_antwort", CAPTCHA.into())];
    let page = app.client.submit(&form, "/kennwort-vergessen", &fields).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("wenn Sie die folgende Frage richtig beantworten können"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.smtp.mails().is_empty());
}

#[tokio::test]
async fn an_initial_password_works_only_once() {
    let app = spawn_app().await;
    let r = Registration::new("anna@example.de");
    let initial = app.register_and_read_password(&r).await;
    assert_eq!(app.login(&r.email, &initial, false).await.location(), "/erstanmeldung");
    let other = app.new_browser();
    assert_eq!(other.login(&r.email, &initial, false).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn accounts_without_first_login_are_deleted_seven_days_after_expiry() {
    let app = spawn_app().await;
    app.register_and_read_password(&Registration::new("vergessen@example.de")).await;
    app.active_citizen("aktiv@example.de").await;
    app.clock.advance(Duration::from_secs(24 * 3600 + 6 * 24 * 3600));
    app.run_maintenance().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 2, "not yet: only six days after expiry");
    app.clock.advance(Duration::from_secs(2 * 24 * 3600));
    app.run_maintenance().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE status = 'active'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'unfinished_account_deleted'").await, 1);
}
