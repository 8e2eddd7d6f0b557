//! Konto erstellen: a citizen registers and gets the initial password by mail.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_new_citizen_receives_an_initial_password_by_mail() {
    let app = spawn_app().await;
    let page = app.register(&Registration::new("anna@example.de")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/konto-erstellen/bestaetigung");
    let done = app.client.get("/konto-erstellen/bestaetigung").await;
    assert!(done.text().contains("Bitte prüfen Sie Ihr E-Mail-Postfach"));

    let mails = app.smtp.wait_for("anna@example.de", 1).await;
    let password = initial_password_in(&mails[0]);
    assert!(password.chars().count() >= 12, "{password}");
    assert!(mails[0].body.contains("Guten Tag Anna Schmidt"));
    assert!(mails[0].raw.contains("Message-ID: <"));
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE status = 'pending'").await, 1);
    // Only a hash is stored.
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM initial_passwords").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(&password));
}

#[tokio::test]
async fn a_known_address_sees_the_same_page_and_its_owner_is_told() {
    let app = spawn_app().await;
    let first = app.register(&Registration::new("anna@example.de")).await;
    app.smtp.wait_for("anna@example.de", 1).await;

    let mut again = Registration::new("Anna@Example.de");
    again.vorname = "Mallory".into();
    let second = app.register(&again).await;
    assert_eq!(second.status, first.status);
    assert_eq!(second.location(), first.location());

    let mails = app.smtp.wait_for("anna@example.de", 2).await;
    assert!(mails[1].subject.contains("Registrierungsversuch") || mails[1].body.contains("versucht"));
    assert!(!mails[1].body.contains("initiales Kennwort lautet"));
    assert!(!mails[1].body.contains("Mallory"), "the notice must not carry what the stranger typed");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM initial_passwords").await, 1);
}

/// (field, typed value, expected part of the message)
const BAD_INPUT: &[(&str, &str, &str)] = &[
    ("vorname", "", "Vornamen ein"),
    ("vorname", "<script>alert(1)</script>", "nur Buchstaben"),
    ("vorname", "Robert'); DROP TABLE accounts;--", "nur Buchstaben"),
    ("vorname", "Anna\u{0007}", "nur Buchstaben"),
    ("nachname", "", "Nachnamen ein"),
    ("zweitname", "x1", "nur Buchstaben"),
    ("geburtstag", "31.02.2000", "gibt es nicht"),
    ("geburtstag", "1980-12-24", "TT.MM.JJJJ"),
    ("geburtstag", "01/01/1970", "TT.MM.JJJJ"),
    ("geburtstag", "24.12.2999", "Zukunft"),
    ("email", "", "E-Mail-Adresse ein"),
    ("email", "anna", "gültige E-Mail-Adresse"),
    ("email", "anna@example", "gültige E-Mail-Adresse"),
    ("email", "anna@@example.de", "gültige E-Mail-Adresse"),
    ("email", "jörg@example.de", "Umlaute"),
    ("email", "' OR '1'='1@x.de", "gültige E-Mail-Adresse"),
];

#[tokio::test]
async fn bad_input_gets_a_german_message_at_the_field_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    for (field, value, expected) in BAD_INPUT {
        let mut r = Registration::new("anna@example.de");
        match *field {
            "vorname" => r.vorname = value.to_string(),
            "zweitname" => r.zweitname = value.to_string(),
            "nachname" => r.nachname = value.to_string(),
            "geburtstag" => r.geburtstag = value.to_string(),
            "email" => r.email = value.to_string(),
            _ => unreachable!(),
        }
        let page = app.register(&r).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value:?}");
        let message = page.error_at(field).unwrap_or_else(|| panic!("no message at {field} for {value:?}"));
        assert!(message.contains(expected), "{field}={value:?}: {message}");
        assert!(page.summary_targets().contains(&format!("#{field}")), "summary links to {field}");
        // Everything typed is still there (control characters dropped), markup escaped.
        assert_eq!(page.value_of(field).unwrap(), value.replace('\u{0007}', ""), "{field} kept");
        assert_eq!(page.value_of("nachname").unwrap(), r.nachname, "other fields kept");
        assert!(!page.body.contains("<script>alert(1)</script>"));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 0);
    assert!(app.smtp.mails().is_empty());
}

#[tokio::test]
async fn ten_thousand_characters_are_refused_politely() {
    let app = spawn_app().await;
    let mut r = Registration::new("anna@example.de");
    r.vorname = "A".repeat(10_000);
    r.nachname = "ü".repeat(10_000);
    r.email = format!("{}@example.de", "a".repeat(10_000));
    let page = app.register(&r).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.error_at("vorname").unwrap().contains("zu lang"));
    assert!(page.error_at("nachname").unwrap().contains("zu lang"));
    assert!(page.error_at("email").unwrap().contains("zu lang"));
}

#[tokio::test]
async fn broken_percent_encoding_and_odd_bodies_never_give_a_500() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let token = form.hidden("csrf_token");
    for body in [
        format!("csrf_token={token}&vorname=%ZZ%&nachname=%C3%28&email=%"),
        format!("csrf_token={token}&vorname=a&vorname=b&email=x@y.de"),
        format!("csrf_token={token}&&&==&"),
        format!("csrf_token={token}"),
    ] {
        let page = app.client.post_raw("/konto-erstellen", body.clone()).await;
        assert!(page.status.is_client_error(), "{body}: {}", page.status);
    }
}

#[tokio::test]
async fn a_wrong_captcha_answer_is_rejected_and_a_new_code_is_shown() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let old_id = form.hidden("captcha_id");
    let mut fields = Registration::new("anna@example.de").fields();
    fields.push(("captcha_id", old_id.clone()));
    fields.push(("captcha_antwort", "FALSCH".into()));
    let page = app.client.submit(&form, "/konto-erstellen", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.error_at("captcha_antwort").unwrap().contains("stimmt nicht"));
    assert_ne!(page.hidden("captcha_id"), old_id, "a fresh challenge");
    assert_eq!(page.value_of("vorname").unwrap(), "Anna");
    // The old challenge is used up: even the right answer fails now.
    let mut retry = Registration::new("anna@example.de").fields();
    retry.push(("captcha_id", old_id));
    retry.push(("captcha_antwort", CAPTCHA.into()));
    let page = app.client.submit(&page, "/konto-erstellen", &retry).await;
    assert!(page.error_at("captcha_antwort").unwrap().contains("schon verwendet"));
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn a_captcha_expires_after_ten_minutes() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let mut fields = Registration::new("anna@example.de").fields();
    fields.push(("captcha_id", form.hidden("captcha_id")));
    fields.push(("captcha_antwort", CAPTCHA.into()));
    let page = app.client.submit(&form, "/konto-erstellen", &fields).await;
    assert!(page.error_at("captcha_antwort").unwrap().contains("abgelaufen"));
}

#[tokio::test]
async fn a_used_captcha_cannot_register_a_second_address() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let id = form.hidden("captcha_id");
    let mut first = Registration::new("erste@example.de").fields();
    first.extend([("captcha_id", id.clone()), ("captcha_antwort", CAPTCHA.into())]);
    assert_eq!(app.client.submit(&form, "/konto-erstellen", &first).await.status, StatusCode::SEE_OTHER);
    let mut second = Registration::new("zweite@example.de").fields();
    second.extend([("captcha_id", id), ("captcha_antwort", CAPTCHA.into())]);
    let page = app.client.submit(&form, "/konto-erstellen", &second).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn a_double_clicked_submit_creates_one_account_and_one_mail() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let mut fields = Registration::new("doppelt@example.de").fields();
    fields.extend([("captcha_id", form.hidden("captcha_id")), ("captcha_antwort", CAPTCHA.into())]);
    let (a, b) = tokio::join!(app.client.submit(&form, "/konto-erstellen", &fields), app.client.submit(&form, "/konto-erstellen", &fields));
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(b.status, StatusCode::SEE_OTHER);
    app.smtp.wait_for("doppelt@example.de", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.mails_to("doppelt@example.de").len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn new_code_and_question_in_words_work_without_javascript_and_keep_the_values() {
    let app = spawn_app().await;
    let form = app.client.get("/konto-erstellen").await;
    let id = form.hidden("captcha_id");
    assert!(form.body.contains(&format!("/captcha/{id}.png")));
    let image = app.client.get(&format!("/captcha/{id}.png")).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers["content-type"], "image/png");

    let mut fields = Registration::new("anna@example.de").fields();
    fields.extend([("captcha_id", id.clone()), ("aktion", "neuer-code".into())]);
    let renewed = app.client.submit(&form, "/konto-erstellen", &fields).await;
    assert_eq!(renewed.status, StatusCode::OK);
    assert_ne!(renewed.hidden("captcha_id"), id);
    assert_eq!(renewed.value_of("email").unwrap(), "anna@example.de");
    assert!(renewed.error_at("vorname").is_none(), "asking for a new code is not an error");

    let mut fields = Registration::new("anna@example.de").fields();
    fields.extend([("captcha_id", renewed.hidden("captcha_id")), ("aktion", "frage".into())]);
    let question = app.client.submit(&renewed, "/konto-erstellen", &fields).await;
    assert!(question.text().contains("Wie viel ist"), "a question in words");
    let prompt: String = question.text();
    let answer = solve(&prompt);
    let mut fields = Registration::new("anna@example.de").fields();
    fields.extend([("captcha_id", question.hidden("captcha_id")), ("captcha_antwort", answer.to_string())]);
    let page = app.client.submit(&question, "/konto-erstellen", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the spelled-out question can be answered: {}", page.text());
}

/// Answers "Wie viel ist drei plus vier?" like a person would.
fn solve(text: &str) -> u32 {
    const NUMBERS: [&str; 11] = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn"];
    let rest = text.split("Wie viel ist ").nth(1).unwrap();
    let words: Vec<&str> = rest.split(|c: char| c.is_whitespace() || c == '?').collect();
    let n = |w: &str| NUMBERS.iter().position(|x| *x == w).unwrap() as u32;
    n(words[0]) + n(words[2])
}

#[tokio::test]
async fn strangers_cannot_flood_a_mailbox_through_the_portal() {
    let app = spawn_app().await;
    app.register(&Registration::new("anna@example.de")).await;
    for _ in 0..8 {
        let page = app.register(&Registration::new("anna@example.de")).await;
        assert_eq!(page.location(), "/konto-erstellen/bestaetigung", "the answer never changes");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = app.smtp.mails_to("anna@example.de").len();
    assert!(mails <= 5, "{mails} mails");
}

#[tokio::test]
async fn many_citizens_registering_at_once_all_get_their_account() {
    let app = spawn_app().await;
    let registrations: Vec<Registration> = (0..12).map(|i| Registration::new(&format!("buerger{i}@example.de"))).collect();
    let browsers: Vec<Browser> = (0..12).map(|_| app.new_browser()).collect();
    let pages = futures_util::future::join_all(registrations.iter().zip(&browsers).map(|(r, b)| app.register_in(b, r))).await;
    for page in &pages {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 12);
}
