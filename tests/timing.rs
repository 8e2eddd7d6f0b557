//! Timing: a failed login or recovery for an unknown address must take as long as
//! for a known one, so that time reveals nothing. Runs in its own test binary,
//! one test at a time (`--test-threads=1`), because parallel tests competing for
//! the two cores would drown the difference it looks for.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use helpers::*;

/// Known and unknown addresses must take about the same time; the fastest of
/// several tries is compared, with a wide tolerance for a shared machine.
fn assert_alike(known: Duration, unknown: Duration) {
    eprintln!("timing: known {known:?}, unknown {unknown:?}");
    let ratio = known.as_secs_f64() / unknown.as_secs_f64();
    assert!((0.4..2.5).contains(&ratio), "known {known:?} vs unknown {unknown:?}");
}

const GENERIC: &str = "E-Mail-Adresse oder Kennwort sind nicht korrekt";

#[tokio::test]
async fn a_login_for_an_unknown_address_takes_as_long_as_for_a_known_one() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    let browser = app.new_browser();
    // The fastest of several interleaved tries, few enough to stay under the
    // throttling threshold.
    let mut known = Duration::MAX;
    let mut unknown = Duration::MAX;
    for i in 0..4 {
        let t = Instant::now();
        let a = browser.login(&r.email, &format!("Falsch {i} Kennwort"), false).await;
        known = known.min(t.elapsed());
        let t = Instant::now();
        let b = browser.login(&format!("niemand{i}@example.de"), "Falsch Kennwort", false).await;
        unknown = unknown.min(t.elapsed());
        assert!(a.text().contains(GENERIC) && b.text().contains(GENERIC));
    }
    assert_alike(known, unknown);
}

#[tokio::test]
async fn step_two_takes_as_long_for_unknown_addresses() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    // The fastest of several tries.
    let mut known = Duration::MAX;
    let mut unknown = Duration::MAX;
    for i in 0..3 {
        let b = app.new_browser();
        let page = app.forgot(&b, &r.email).await;
        let t = Instant::now();
        app.answer(&b, &page, &format!("falsch {i}")).await;
        known = known.min(t.elapsed());
        let page = app.forgot(&b, &format!("niemand{i}@example.de")).await;
        let t = Instant::now();
        app.answer(&b, &page, "falsch").await;
        unknown = unknown.min(t.elapsed());
    }
    assert_alike(known, unknown);
}

#[tokio::test]
async fn step_one_takes_as_long_for_unknown_addresses() {
    let app = spawn_app().await;
    let r = app.active_citizen("anna@example.de").await;
    // The fastest of several tries.
    let mut known = Duration::MAX;
    let mut unknown = Duration::MAX;
    for i in 0..3 {
        let b = app.new_browser();
        let form = b.get("/kennwort-vergessen").await;
        let fields = |email: &str, form: &Page| {
            vec![("email", email.to_string()), ("captcha_id", form.hidden("captcha_id")), ("captcha_antwort", CAPTCHA.into())]
        };
        let t = Instant::now();
        let a = b.submit(&form, "/kennwort-vergessen", &fields(&r.email, &form)).await;
        known = known.min(t.elapsed());
        let form = b.get("/kennwort-vergessen").await;
        let t = Instant::now();
        let u = b.submit(&form, "/kennwort-vergessen", &fields(&format!("niemand{i}@example.de"), &form)).await;
        unknown = unknown.min(t.elapsed());
        assert_eq!(a.status, u.status);
    }
    assert_alike(known, unknown);
}
