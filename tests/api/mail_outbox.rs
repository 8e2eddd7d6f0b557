//! The mail outbox: nothing lost during an SMTP outage, nothing sent twice.

use std::time::Duration;

use crate::helpers::*;

#[tokio::test]
async fn an_smtp_outage_delays_mail_but_loses_none() {
    let app = spawn_app().await;
    app.smtp.set_outage(true);
    let page = app.register(&Registration::new("anna@example.de")).await;
    assert_eq!(page.status, reqwest::StatusCode::SEE_OTHER, "the citizen does not notice the outage");
    // The worker tried and scheduled a retry.
    for _ in 0..100 {
        if app.count("SELECT COUNT(*) FROM outbox WHERE attempts > 0").await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 1").await, 1);
    let error: String = sqlx::query_scalar("SELECT last_error FROM outbox").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(!error.is_empty());
    assert!(app.smtp.mails().is_empty());

    app.smtp.set_outage(false);
    app.clock.advance(Duration::from_secs(16));
    app.state.mail_wakeup.notify_one();
    let mails = app.smtp.wait_for("anna@example.de", 1).await;
    assert!(mails[0].body.contains("Ihr initiales Kennwort lautet: "));
    // The SMTP server accepted it; the worker records that right after.
    for _ in 0..100 {
        if app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await, 1);
    // Later rounds of the worker do not send it again.
    app.clock.advance(Duration::from_secs(3600));
    app.state.mail_wakeup.notify_one();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.smtp.mails_to("anna@example.de").len(), 1);
}

#[tokio::test]
async fn mails_are_plain_text_with_our_sender() {
    let app = spawn_app().await;
    app.register(&Registration::new("anna@example.de")).await;
    let mail = &app.smtp.wait_for("anna@example.de", 1).await[0];
    assert!(mail.raw.contains("Content-Type: text/plain; charset=utf-8"));
    assert!(mail.raw.contains("noreply@portal.test"));
    assert!(mail.body.contains("http://portal.test/anmelden"), "links use BP_BASE_URL");
}
