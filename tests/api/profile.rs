//! Login-Daten: a citizen keeps their data up to date, changes password, question
//! and e-mail address, sees and ends sessions, downloads and deletes their data.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

const NEW_PASSWORD: &str = "Wolkenkratzer Gartenschlauch Pinguin";

fn general_fields(email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("anrede", "frau".into()),
        ("vorname", "Anna".into()),
        ("zweitname", String::new()),
        ("nachname", "Schmidt".into()),
        ("geburtsdatum", "24.12.1980".into()),
        ("geschlecht", "weiblich".into()),
        ("email", email.into()),
        ("aktuelles_kennwort", String::new()),
    ]
}

fn with(mut fields: Vec<(&'static str, String)>, key: &str, value: &str) -> Vec<(&'static str, String)> {
    fields.iter_mut().filter(|(k, _)| *k == key).for_each(|(_, v)| *v = value.to_string());
    fields
}

impl TestApp {
    async fn save_general(&self, fields: &[(&'static str, String)]) -> Page {
        let form = self.client.get("/login-daten/allgemein").await;
        self.client.submit(&form, "/login-daten/allgemein", fields).await
    }

    async fn save_password_tab(&self, browser: &Browser, fields: &[(&str, &str)]) -> Page {
        let form = browser.get("/login-daten/kennwort").await;
        let fields: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        browser.submit(&form, "/login-daten/kennwort", &fields).await
    }

    async fn save_address(&self, fields: &[(&str, &str)]) -> Page {
        let form = self.client.get("/login-daten/adresse").await;
        let fields: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.client.submit(&form, "/login-daten/adresse", &fields).await
    }
}

/// The confirmation link in the last mail to `address`.
fn confirmation_path(mail: &ReceivedMail) -> String {
    let line = mail.body.lines().find(|l| l.contains("/login-daten/email-bestaetigen/")).expect("link in mail");
    line.trim().trim_start_matches("http://portal.test").to_string()
}

#[tokio::test]
async fn login_data_pages_are_only_for_logged_in_citizens() {
    let app = spawn_app().await;
    for path in [
        "/login-daten/allgemein",
        "/login-daten/kennwort",
        "/login-daten/adresse",
        "/login-daten/sitzungen",
        "/login-daten/meine-daten",
        "/login-daten/meine-daten/datenauskunft.json",
    ] {
        assert_eq!(app.client.get(path).await.location(), "/anmelden", "{path}");
    }
}

#[tokio::test]
async fn the_salutation_defaults_to_none_and_greetings_follow_it() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let page = app.client.get("/login-daten/allgemein").await;
    let labels = page.labels();
    for wanted in ["Anrede", "Vorname", "Nachname", "Geburtsdatum", "Geschlecht", "E-Mail-Adresse"] {
        assert!(labels.iter().any(|l| l.starts_with(wanted)), "{wanted}");
    }
    assert!(page.body.contains(r#"<option value="keine" selected>keine Angabe</option>"#), "no salutation is preset");
    assert!(page.text().contains("Verifizierung mit neuem Personalausweis"));
    assert!(app.client.get("/postkorb").await.text().contains("Guten Tag Anna Schmidt"));

    let saved = app.save_general(&general_fields(&r.email)).await;
    assert_eq!(saved.location(), "/login-daten/allgemein?gespeichert=ja");
    let page = app.client.get(&saved.location()).await;
    assert!(page.text().contains("Ihre Daten wurden gespeichert."));
    assert_eq!(page.value_of("geburtsdatum").unwrap(), "24.12.1980");
    assert!(app.client.get("/postkorb").await.text().contains("Sehr geehrte Frau Schmidt"));
    // Mails greet her the same way.
    app.save_password_tab(
        &app.client,
        &[("aktuelles_kennwort", GOOD_PASSWORD), ("kennwort", NEW_PASSWORD), ("kennwort_wiederholung", NEW_PASSWORD)],
    )
    .await;
    let mails = app.smtp.wait_for(&r.email, 3).await;
    assert!(mails[2].body.starts_with("Sehr geehrte Frau Schmidt,"), "{}", mails[2].body);
}

#[tokio::test]
async fn bad_general_data_gets_messages_at_the_fields_and_is_kept() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    for (field, value, expected) in [
        ("vorname", "", "Vornamen ein"),
        ("nachname", "<b>Schmidt</b>", "nur Buchstaben"),
        ("geburtsdatum", "31.02.2000", "gibt es nicht"),
        ("geburtsdatum", "1980-12-24", "TT.MM.JJJJ"),
        ("anrede", "majestaet", "Anrede aus der Liste"),
        ("geschlecht", "x", "aus der Liste"),
        ("email", "kaputt@", "gültige E-Mail-Adresse"),
    ] {
        let page = app.save_general(&with(general_fields(&r.email), field, value)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(page.error_at(field).unwrap_or_default().contains(expected), "{field}: {:?}", page.error_at(field));
        if field != "anrede" && field != "geschlecht" {
            assert_eq!(page.value_of(field).unwrap(), value, "{field} kept");
        }
    }
    let name: String = sqlx::query_scalar("SELECT given_name FROM accounts").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(name, "Anna", "nothing saved");
}

#[tokio::test]
async fn an_email_change_needs_the_password_and_a_confirmation_from_the_new_mailbox() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let fields = general_fields("anna.neu@example.de");
    let page = app.save_general(&fields).await;
    assert!(page.error_at("aktuelles_kennwort").unwrap().contains("aktuelles Kennwort ein"));
    let page = app.save_general(&with(fields.clone(), "aktuelles_kennwort", "falsch falsch falsch")).await;
    assert!(page.error_at("aktuelles_kennwort").unwrap().contains("nicht korrekt"));
    assert_eq!(page.value_of("aktuelles_kennwort"), None);

    let page = app.save_general(&with(fields, "aktuelles_kennwort", GOOD_PASSWORD)).await;
    assert_eq!(page.location(), "/login-daten/allgemein?gespeichert=email");
    let confirm = app.smtp.wait_for("anna.neu@example.de", 1).await;
    let notice = app.smtp.wait_for(&r.email, 3).await;
    assert!(notice[2].body.contains("neue E-Mail-Adresse eingetragen"));
    assert!(!notice[2].body.contains("anna.neu@example.de"), "the notice doesn't spread the new address");
    let link = confirmation_path(&confirm[0]);

    // Until confirmed, the old address is the login.
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.location(), "/postkorb");
    // Opening the link (as a mail scanner would) changes nothing.
    let stranger = app.new_browser();
    let page = stranger.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("E-Mail-Adresse bestätigen"));
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE email = 'anna@example.de'").await, 1);

    let done = stranger.submit(&page, &link, &[]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text().contains("Bestätigt"));
    assert_eq!(app.new_browser().login("anna.neu@example.de", GOOD_PASSWORD, false).await.location(), "/postkorb");
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.status, StatusCode::UNAUTHORIZED);
    let notice = app.smtp.wait_for(&r.email, 4).await;
    assert!(notice[3].body.contains("wurde soeben geändert"), "{:?}", notice.iter().map(|m| &m.body).collect::<Vec<_>>());

    // The link works once.
    let again = stranger.submit(&page, &link, &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.text().contains("ungültig, abgelaufen oder wurde schon verwendet"));
}

#[tokio::test]
async fn expired_and_tampered_confirmation_links_are_refused() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    app.save_general(&with(general_fields("anna.neu@example.de"), "aktuelles_kennwort", GOOD_PASSWORD)).await;
    let link = confirmation_path(&app.smtp.wait_for("anna.neu@example.de", 1).await[0]);
    let tampered = format!("{}x", link);
    assert_eq!(app.client.get(&tampered).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.client.get(&format!("/login-daten/email-bestaetigen/{}", "A".repeat(5000))).await.status, StatusCode::NOT_FOUND);
    app.clock.advance(Duration::from_secs(25 * 3600));
    let page = app.client.get(&link).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let home = app.client.get("/anmelden").await;
    let posted = app.client.submit(&home, &link, &[]).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND, "{}", posted.text());
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE email = 'anna@example.de'").await, 1);
}

#[tokio::test]
async fn a_confirmation_link_opened_in_another_accounts_session_is_refused() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    app.save_general(&with(general_fields("anna.neu@example.de"), "aktuelles_kennwort", GOOD_PASSWORD)).await;
    let link = confirmation_path(&app.smtp.wait_for("anna.neu@example.de", 1).await[0]);
    // Bernd, logged in on the same computer, opens Anna's link.
    let bernd = app.new_browser();
    app.active_citizen_in(&bernd, &Registration { vorname: "Bernd".into(), ..Registration::new("bernd@example.de") }).await;
    let page = bernd.get(&link).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text().contains("gehört zu einem anderen Bürgerkonto"));
    let posted = bernd.submit(&bernd.get("/anmelden").await, &link, &[]).await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE email = 'anna@example.de'").await, 1);
    // Anna herself (or a logged-out browser) can still confirm.
    let page = app.client.get(&link).await;
    assert_eq!(app.client.submit(&page, &link, &[]).await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE email = 'anna.neu@example.de'").await, 1);
}

#[tokio::test]
async fn changing_to_an_address_in_use_gives_no_hint_and_tells_its_owner() {
    let app = spawn_app().await;
    let other = Browser::new(&app.address);
    // Bea owns bea@example.de.
    let bea = Registration { vorname: "Bea".into(), ..Registration::new("bea@example.de") };
    app.register_in(&other, &bea).await;
    app.smtp.wait_for("bea@example.de", 1).await;
    app.active_citizen("anna@example.de").await;
    let free = app.save_general(&with(general_fields("frei@example.de"), "aktuelles_kennwort", GOOD_PASSWORD)).await;
    let taken = app.save_general(&with(general_fields("Bea@Example.de"), "aktuelles_kennwort", GOOD_PASSWORD)).await;
    assert_eq!(free.status, taken.status);
    assert_eq!(free.location(), taken.location(), "the requester can't tell");
    let bea_mails = app.smtp.wait_for("bea@example.de", 2).await;
    assert!(bea_mails[1].body.contains("anderen Bürgerkontos einzutragen"));
    assert!(bea_mails.iter().all(|m| !m.body.contains("/login-daten/email-bestaetigen/")), "no link for a taken address");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE email = 'anna@example.de'").await, 1);
}

#[tokio::test]
async fn a_new_password_ends_all_other_sessions_and_sends_a_notice() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let laptop = app.new_browser();
    laptop.login(&r.email, GOOD_PASSWORD, true).await;
    let page = app.client.get("/login-daten/kennwort").await;
    let labels = page.labels();
    for wanted in ["Aktuelles Kennwort", "Neues Kennwort", "Eingabe wiederholen", "Frage", "Antwort"] {
        assert!(labels.iter().any(|l| l.starts_with(wanted)), "{wanted} in {labels:?}");
    }
    for (fields, field, expected) in [
        (
            vec![("aktuelles_kennwort", "falsch falsch"), ("kennwort", NEW_PASSWORD), ("kennwort_wiederholung", NEW_PASSWORD)],
            "aktuelles_kennwort",
            "nicht korrekt",
        ),
        (
            vec![("aktuelles_kennwort", GOOD_PASSWORD), ("kennwort", NEW_PASSWORD), ("kennwort_wiederholung", "anders")],
            "kennwort_wiederholung",
            "stimmen nicht überein",
        ),
        (
            vec![("aktuelles_kennwort", GOOD_PASSWORD), ("kennwort", GOOD_PASSWORD), ("kennwort_wiederholung", GOOD_PASSWORD)],
            "kennwort",
            "vom aktuellen unterscheiden",
        ),
        (vec![("aktuelles_kennwort", GOOD_PASSWORD), ("kennwort", "kurz"), ("kennwort_wiederholung", "kurz")], "kennwort", "zu kurz"),
        (vec![("aktuelles_kennwort", GOOD_PASSWORD)], "kennwort", "neues Kennwort ein oder wählen Sie eine neue Frage"),
    ] {
        let page = app.save_password_tab(&app.client, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(page.error_at(field).unwrap_or_default().contains(expected), "{field}: {:?}", page.error_at(field));
    }
    let page = app
        .save_password_tab(
            &app.client,
            &[("aktuelles_kennwort", GOOD_PASSWORD), ("kennwort", NEW_PASSWORD), ("kennwort_wiederholung", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(page.location(), "/login-daten/kennwort?gespeichert=kennwort");
    assert_eq!(app.client.get("/postkorb").await.status, StatusCode::OK, "this session stays");
    assert_eq!(laptop.get("/postkorb").await.location(), "/anmelden", "the other one ended");
    let mails = app.smtp.wait_for(&r.email, 3).await;
    assert!(mails[2].subject.contains("Kennwort") || mails[2].body.contains("Kennwort Ihres Bürgerkontos wurde soeben geändert"));
    assert!(!mails[2].body.contains(NEW_PASSWORD));
    assert_eq!(app.new_browser().login(&r.email, NEW_PASSWORD, false).await.location(), "/postkorb");
}

#[tokio::test]
async fn the_question_can_be_changed_without_a_new_password() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let page = app
        .save_password_tab(
            &app.client,
            &[
                ("aktuelles_kennwort", GOOD_PASSWORD),
                ("frage", "eigene"),
                ("eigene_frage", "Wie hieß mein erstes Fahrrad?"),
                ("antwort", ""),
            ],
        )
        .await;
    assert!(page.error_at("antwort").unwrap().contains("Antwort ein"));
    let page = app
        .save_password_tab(
            &app.client,
            &[
                ("aktuelles_kennwort", GOOD_PASSWORD),
                ("frage", "eigene"),
                ("eigene_frage", "Wie hieß mein erstes Fahrrad?"),
                ("antwort", "Blitz"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/login-daten/kennwort?gespeichert=frage");
    let q: String = sqlx::query_scalar("SELECT security_question FROM accounts").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(q, "Wie hieß mein erstes Fahrrad?");
    assert!(app.smtp.wait_for(&r.email, 3).await[2].body.contains("Frage zur Kennworterinnerung"));
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.location(), "/postkorb", "password unchanged");
}

#[tokio::test]
async fn the_address_uses_a_real_country_list_and_german_postal_codes() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    let page = app.client.get("/login-daten/adresse").await;
    assert!(page.body.contains(r#"<option value="DE" selected>Deutschland</option>"#));
    assert!(page.body.contains(">Österreich</option>") && !page.body.contains("united-states-minor-outlying"));
    let labels = page.labels();
    for wanted in ["Straße", "PLZ", "Stadt", "Land", "Telefon"] {
        assert!(labels.iter().any(|l| l.starts_with(wanted)), "{wanted}");
    }
    for (fields, field, expected) in [
        (vec![("strasse", "Berliner Str. 70"), ("plz", "3333"), ("stadt", "Gütersloh"), ("land", "DE")], "plz", "fünf Ziffern"),
        (vec![("strasse", ""), ("plz", "33330"), ("stadt", "Gütersloh"), ("land", "DE")], "strasse", "Straße"),
        (vec![("strasse", "A 1"), ("plz", "33330"), ("stadt", "X"), ("land", "united-states-minor-outlying-i")], "land", "aus der Liste"),
        (vec![("strasse", "A 1"), ("plz", "33330"), ("stadt", "X"), ("land", "DE"), ("telefon", "Trommeln")], "telefon", "Ziffern"),
    ] {
        let page = app.save_address(&fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.error_at(field).unwrap_or_default().contains(expected), "{field}: {:?}", page.error_at(field));
        assert_eq!(page.value_of("stadt").unwrap(), fields.iter().find(|f| f.0 == "stadt").unwrap().1, "kept");
    }
    let page = app
        .save_address(&[("strasse", "Hauptplatz 1"), ("plz", "1010"), ("stadt", "Wien"), ("land", "AT"), ("telefon", "+43 1 4000")])
        .await;
    assert_eq!(page.location(), "/login-daten/adresse?gespeichert=ja");
    let page = app.client.get(&page.location()).await;
    assert!(page.body.contains(r#"<option value="AT" selected>Österreich</option>"#));
    assert_eq!(page.value_of("plz").unwrap(), "1010");
}

#[tokio::test]
async fn sessions_can_be_seen_and_ended_but_only_ones_own() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let laptop = app.new_browser();
    laptop.login(&r.email, GOOD_PASSWORD, false).await;
    let page = app.client.get("/login-daten/sitzungen").await;
    assert!(page.text().contains("(diese Sitzung)"));
    // Also the session opened by the first login knows its network.
    assert!(page.text().contains("127.0.0.0/24") && !page.text().contains("unbekannt"), "{}", page.text());
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(ids.len(), 2);

    // Someone else can't end Anna's sessions.
    let mallory = Browser::new(&app.address);
    let m = Registration { vorname: "Mallory".into(), ..Registration::new("mallory@example.de") };
    app.active_citizen_in(&mallory, &m).await;
    let home = mallory.get("/login-daten/sitzungen").await;
    for id in &ids {
        let page = mallory.submit(&home, &format!("/login-daten/sitzungen/{id}/beenden"), &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(laptop.get("/postkorb").await.status, StatusCode::OK);

    let page = app.client.submit(&page, "/login-daten/sitzungen/andere-beenden", &[]).await;
    assert_eq!(page.location(), "/login-daten/sitzungen?gespeichert=andere");
    assert_eq!(laptop.get("/postkorb").await.location(), "/anmelden");
    assert_eq!(app.client.get("/postkorb").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_citizen_downloads_everything_stored_about_them() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    app.save_address(&[("strasse", "Berliner Str. 70"), ("plz", "33330"), ("stadt", "Gütersloh"), ("land", "DE")]).await;
    let page = app.client.get("/login-daten/meine-daten/datenauskunft.json").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    let doc: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(doc["format"], "buergerportal-datenauskunft/1");
    assert_eq!(doc["konto"]["email"], r.email);
    assert_eq!(doc["adresse"]["stadt"], "Gütersloh");
    assert_eq!(doc["adresse"]["land"], "Deutschland");
    assert!(doc["protokoll"].as_array().unwrap().iter().any(|e| e["ereignis"] == "first_login_completed"));
    assert!(!page.body.contains("$argon2"), "no hashes");
    let token = app.client.cookies.lock().unwrap()["bp_session"].clone();
    assert!(!page.body.contains(&token));
}

#[tokio::test]
async fn deleting_the_account_needs_password_and_confirmation_and_removes_everything() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let account_id: String = sqlx::query_scalar("SELECT id FROM accounts").fetch_one(&app.state.db.pool).await.unwrap();
    let form = app.client.get("/login-daten/meine-daten").await;
    let page = app.client.submit(&form, "/login-daten/konto-loeschen", &[("loeschen_kennwort", GOOD_PASSWORD.into())]).await;
    assert!(page.error_at("bestaetigung").unwrap().contains("bestätigen"));
    let page = app
        .client
        .submit(&form, "/login-daten/konto-loeschen", &[("loeschen_kennwort", "falsch falsch".into()), ("bestaetigung", "ja".into())])
        .await;
    assert!(page.error_at("loeschen_kennwort").unwrap_or_default().contains("nicht korrekt"), "{:?}", page.error_at("loeschen_kennwort"));
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);

    let page = app
        .client
        .submit(&form, "/login-daten/konto-loeschen", &[("loeschen_kennwort", GOOD_PASSWORD.into()), ("bestaetigung", "ja".into())])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Ihr Konto wurde gelöscht"));
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM initial_passwords").await, 0);
    let leftover: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE account_id = $1")
        .bind(&account_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(leftover, 0, "the audit log keeps only a pseudonym");
    assert!(app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'account_deleted'").await == 1);
    assert!(app.smtp.wait_for(&r.email, 3).await[2].body.contains("gelöscht"));
    assert_eq!(app.client.get("/postkorb").await.location(), "/anmelden");
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.status, StatusCode::UNAUTHORIZED);
    // The address is free again.
    assert_eq!(app.register(&Registration::new(&r.email)).await.status, StatusCode::SEE_OTHER);
}
