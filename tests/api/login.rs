//! Anmelden and Abmelden: generic failures, throttling, session lifetimes.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

const GENERIC: &str = "E-Mail-Adresse oder Kennwort sind nicht korrekt";

#[tokio::test]
async fn wrong_password_and_unknown_address_get_the_same_answer() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let browser = app.new_browser();
    let wrong = browser.login(&r.email, "Falsches Kennwort 123", false).await;
    let unknown = browser.login("niemand@example.de", "Falsches Kennwort 123", false).await;
    let malformed = browser.login("kein-at-zeichen", "x", false).await;
    for page in [&wrong, &unknown, &malformed] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.text().contains(GENERIC));
        assert!(page.set_cookies().iter().all(|c| !c.starts_with("bp_session=")));
    }
    // The address is kept, the password never.
    assert_eq!(wrong.value_of("email").unwrap(), r.email);
    assert_eq!(wrong.value_of("kennwort"), None);
}

#[tokio::test]
async fn remember_me_makes_a_thirty_day_cookie_otherwise_a_browser_session() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let plain = app.new_browser().login(&r.email, GOOD_PASSWORD, false).await;
    let cookie = plain.set_cookies().into_iter().find(|c| c.starts_with("bp_session=")).unwrap();
    assert!(!cookie.contains("Max-Age"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let remembered = app.new_browser().login(&r.email, GOOD_PASSWORD, true).await;
    let cookie = remembered.set_cookies().into_iter().find(|c| c.starts_with("bp_session=")).unwrap();
    assert!(cookie.contains(&format!("Max-Age={}", 30 * 24 * 3600)), "{cookie}");
    let stored: i64 = app.count("SELECT COUNT(*) FROM sessions WHERE persistent = 1").await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn session_tokens_are_stored_only_as_hashes_and_renewed_at_login() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let first = app.client.cookies.lock().unwrap().get("bp_session").cloned().unwrap();
    // Logging in again from a browser that already holds a session (or a planted one).
    let page = app.client.get("/").await;
    let fields = vec![("email", r.email.clone()), ("kennwort", GOOD_PASSWORD.to_string())];
    assert_eq!(app.client.submit(&page, "/anmelden", &fields).await.location(), "/postkorb");
    let second = app.client.cookies.lock().unwrap().get("bp_session").cloned().unwrap();
    assert_ne!(first, second);
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(hashes.len(), 1, "the earlier session of this browser ended");
    assert!(!hashes.contains(&second));
}

#[tokio::test]
async fn after_logout_the_old_cookie_is_a_stranger() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    let stolen = app.client.cookies.lock().unwrap().clone();
    let page = app.client.logout().await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(app.client.get(&page.location()).await.text().contains("Sie sind abgemeldet"));
    assert!(page.set_cookies().iter().any(|c| c.starts_with("bp_session=;") && c.contains("Max-Age=0")));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    let replay = app.new_browser();
    *replay.cookies.lock().unwrap() = stolen;
    let page = replay.get("/postkorb").await;
    assert_eq!(page.location(), "/anmelden");
    assert!(!replay.get("/").await.text().contains("Anna Schmidt"));
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    app.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(app.client.get("/postkorb").await.status, StatusCode::OK);
    app.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(app.client.get("/postkorb").await.location(), "/anmelden");
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_even_when_used() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    for _ in 0..35 {
        app.clock.advance(Duration::from_secs(20 * 60));
        assert_eq!(app.client.get("/postkorb").await.status, StatusCode::OK);
    }
    app.clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(app.client.get("/postkorb").await.location(), "/anmelden");
}

#[tokio::test]
async fn repeated_failures_slow_down_the_address_without_locking_it_for_good() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let attacker = app.new_browser();
    for i in 0..5 {
        let page = attacker.login(&r.email, &format!("Rate {i}"), false).await;
        assert!(page.text().contains(GENERIC), "attempt {i}");
    }
    // Now even the right password has to wait, and the answer does not say whether the account exists.
    let page = attacker.login(&r.email, GOOD_PASSWORD, false).await;
    assert!(page.text().contains("Zu viele fehlgeschlagene Anmeldeversuche"), "{}", page.text());
    let unknown = app.new_browser();
    for i in 0..5 {
        unknown.login("niemand@example.de", &format!("Rate {i}"), false).await;
    }
    assert!(unknown.login("niemand@example.de", "x", false).await.text().contains("Zu viele"));
    // The block ends by itself.
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(app.new_browser().login(&r.email, GOOD_PASSWORD, false).await.location(), "/postkorb");
}

#[tokio::test]
async fn pages_for_citizens_send_strangers_to_the_login() {
    let app = spawn_app().await;
    assert_eq!(app.client.get("/postkorb").await.location(), "/anmelden");
    assert_eq!(app.client.get("/erstanmeldung").await.location(), "/anmelden");
    assert_eq!(app.client.get("/login-daten/allgemein").await.location(), "/anmelden");
}

#[tokio::test]
async fn the_header_shows_the_citizens_menu_when_logged_in() {
    let app = spawn_app().await;
    app.active_citizen("anna@example.de").await;
    let page = app.client.get("/").await;
    let text = page.text();
    for item in ["Mein Postkorb", "Login-Daten", "Anna Schmidt", "Abmelden"] {
        assert!(text.contains(item), "{item}");
    }
    assert!(page.body.contains("<details class=\"portal-user-menu\">"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_address_counts() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let page = app.client.get("/anmelden").await;
    let body = encode(&[("csrf_token", page.hidden("csrf_token")), ("email", "x@example.de".into()), ("kennwort", "y".into())]);
    let response = reqwest::Client::new()
        .post(format!("{}/anmelden", app.address))
        .header("cookie", format!("bp_csrf={}", app.client.cookies.lock().unwrap()["bp_csrf"]))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "203.0.113.9")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let client: String =
        sqlx::query_scalar("SELECT client FROM audit_log WHERE event = 'login_failed'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(client, "203.0.113.0/24");
}

#[tokio::test]
async fn other_spellings_of_the_address_share_its_limit() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let attacker = app.new_browser();
    for (i, spelling) in
        ["ANNA@example.de", "anna@EXAMPLE.de", " anna@example.de", "Anna@Example.De", "anna@ｅxample.de"].iter().enumerate()
    {
        let page = attacker.login(spelling, &format!("Rate {i}"), false).await;
        assert!(page.text().contains(GENERIC), "{spelling}: {}", page.text());
    }
    assert!(attacker.login(&r.email, GOOD_PASSWORD, false).await.text().contains("Zu viele"));
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_is_counted_before_any_is_checked() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let attacker = app.new_browser();
    let form = attacker.get("/anmelden").await;
    let guesses = (0..16).map(|i| {
        let fields = vec![("email", r.email.clone()), ("kennwort", format!("Rate {i} Rate"))];
        let attacker = attacker.clone();
        let form = &form;
        async move { attacker.submit(form, "/anmelden", &fields).await }
    });
    let pages = futures_util::future::join_all(guesses).await;
    let checked = pages.iter().filter(|p| p.text().contains(GENERIC)).count();
    let refused = pages.iter().filter(|p| p.text().contains("Zu viele")).count();
    assert_eq!(checked + refused, 16);
    assert_eq!(checked, 5, "only the free attempts reach the password check");
}
