//! Kennwort vergessen: the security question unlocks a new initial password;
//! unknown addresses can't be told apart; nobody is locked out by a stranger.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

const QUESTION: &str = "Wie lautete Ihre erste Telefonnummer?";
const ANSWER: &str = "0521 123456";

fn question_on(page: &Page) -> String {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("#frage-text").unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<String>()).unwrap_or_default()
}

#[tokio::test]
async fn a_citizen_who_forgot_the_password_gets_back_in_with_the_security_question() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await; // question 3: erste Telefonnummer
    let laptop = app.new_browser();
    assert_eq!(laptop.login(&r.email, GOOD_PASSWORD, true).await.location(), "/postkorb");

    let phone = app.new_browser();
    let step2 = app.forgot(&phone, &r.email).await;
    assert_eq!(step2.status, StatusCode::OK);
    assert_eq!(question_on(&step2), QUESTION);
    assert!(step2.text().contains(
        "Ein neues Kennwort wird an Ihre E-Mail-Adresse geschickt werden, wenn Sie die folgende Frage richtig beantworten können."
    ));
    assert!(step2.body.contains("Link zum Zurücksetzen des Kennwortes versenden"));

    let wrong = app.answer(&phone, &step2, "0521 999999").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.error_at("antwort").unwrap(), "Die Antwort ist nicht korrekt.");

    // Case and surrounding spaces don't matter.
    let sent = app.answer(&phone, &wrong, "  0521   123456 ").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    assert!(sent.text().contains("Neues initiales Kennwort verschickt"));
    let mails = app.smtp.wait_for(&r.email, 3).await;
    let initial = initial_password_in(mails.last().unwrap());

    // Until the new initial password is used, the old password still works.
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.location(), "/postkorb");

    assert_eq!(phone.login(&r.email, &initial, false).await.location(), "/erstanmeldung");
    let form = phone.get("/erstanmeldung").await;
    assert!(form.text().contains("Neues Kennwort festlegen"));
    let new_password = "Wolkenkratzer Gartenschlauch Pinguin";
    let fields = vec![
        ("frage", "behalten".to_string()),
        ("eigene_frage", String::new()),
        ("antwort", String::new()),
        ("kennwort", new_password.to_string()),
        ("kennwort_wiederholung", new_password.to_string()),
    ];
    assert_eq!(phone.submit(&form, "/erstanmeldung", &fields).await.location(), "/postkorb");

    // Every other session ended, the owner was told, the old password is void.
    assert_eq!(laptop.get("/postkorb").await.location(), "/anmelden");
    let mails = app.smtp.wait_for(&r.email, 4).await;
    assert!(mails.last().unwrap().subject.contains("zurückgesetzt") || mails.last().unwrap().body.contains("neu"));
    assert!(!mails.last().unwrap().body.contains(new_password));
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.new_browser().login(&r.email, new_password, false).await.location(), "/postkorb");
    // The question was kept.
    let kept: String = sqlx::query_scalar("SELECT security_question FROM accounts").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(kept, QUESTION);
}

#[tokio::test]
async fn an_unknown_address_looks_exactly_like_a_real_one() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let known = app.forgot(&app.new_browser(), &r.email).await;
    let unknown = app.forgot(&app.new_browser(), "niemand@example.de").await;
    assert_eq!(known.status, unknown.status);
    // Same page apart from the question and the per-request tokens.
    let normalise = |p: &Page| {
        let mut body =
            p.body.replace(&question_on(p), "FRAGE").replace(&p.hidden("ticket"), "TICKET").replace(&p.hidden("csrf_token"), "CSRF");
        body.retain(|c| c != '\n');
        body
    };
    assert_eq!(normalise(&known), normalise(&unknown));
    let decoy = question_on(&unknown);
    assert!(
        [
            "Wie lautet der Zweitname Ihres Vaters?",
            "Wie lautet die Nummer Ihrer Bibliothekskarte?",
            "Wie lautet die Nummer Ihrer primären Vielfliegerkarte?",
            "Wie lautete Ihre erste Telefonnummer?",
            "Wie lautete der Name Ihres ersten Lehrers?"
        ]
        .contains(&decoy.as_str())
    );
    // Always the same decoy for the same address.
    assert_eq!(question_on(&app.forgot(&app.new_browser(), "niemand@example.de").await), decoy);
    // Every answer is wrong, and no mail goes out.
    let b = app.new_browser();
    let page = app.forgot(&b, "niemand@example.de").await;
    let answered = app.answer(&b, &page, "irgendwas").await;
    assert_eq!(answered.error_at("antwort").unwrap(), "Die Antwort ist nicht korrekt.");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.smtp.mails_to("niemand@example.de").is_empty());
}

#[tokio::test]
async fn repeated_wrong_answers_send_the_citizen_back_to_the_captcha() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let b = app.new_browser();
    let mut page = app.forgot(&b, &r.email).await;
    for _ in 0..3 {
        page = app.answer(&b, &page, "falsch").await;
        assert_eq!(page.error_at("antwort").unwrap(), "Die Antwort ist nicht korrekt.");
    }
    // Even the right answer now needs the captcha again.
    let again = app.answer(&b, &page, ANSWER).await;
    assert!(again.text().contains("mehrmals nicht korrekt"), "{}", again.text());
    assert!(again.body.contains("name=\"captcha_id\""));
    // After the captcha a wrong answer now costs a growing delay.
    let page = app.forgot(&b, &r.email).await;
    let page = app.answer(&b, &page, "falsch").await;
    assert!(app.answer(&b, &page, ANSWER).await.error_at("antwort").unwrap().contains("Bitte warten Sie"));
    app.clock.advance(Duration::from_secs(5));
    assert!(app.answer(&b, &page, ANSWER).await.text().contains("Neues initiales Kennwort verschickt"));
}

#[tokio::test]
async fn a_tampered_or_expired_ticket_starts_over() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let b = app.new_browser();
    let page = app.forgot(&b, &r.email).await;
    let ticket = page.hidden("ticket");
    let forged = ticket.replace("anna@example.de", "mallory@example.de");
    let fields = vec![("ticket", forged), ("antwort", ANSWER.to_string())];
    let answered = b.submit(&page, "/kennwort-vergessen/antwort", &fields).await;
    assert!(answered.text().contains("Bitte erneut beginnen"));
    app.clock.advance(Duration::from_secs(16 * 60));
    let late = app.answer(&b, &page, ANSWER).await;
    assert!(late.text().contains("abgelaufen"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.smtp.mails_to(&r.email).len(), 2, "registration and activation only");
}

#[tokio::test]
async fn an_account_without_first_login_gets_a_fresh_initial_password_at_step_one() {
    let app = spawn_app().await;
    let r = Registration::new("neu@example.de");
    let first = app.register_and_read_password(&r).await;
    let page = app.forgot(&app.new_browser(), &r.email).await;
    assert_eq!(page.status, StatusCode::OK);
    let mails = app.smtp.wait_for(&r.email, 2).await;
    let fresh = initial_password_in(&mails[1]);
    assert_ne!(fresh, first);
    assert_eq!(app.login(&r.email, &fresh, false).await.location(), "/erstanmeldung");
}
