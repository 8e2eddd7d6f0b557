//! The test harness: the real server on a free port with a fresh database
//! (SQLite, or PostgreSQL when `BP_TEST_POSTGRES_URL` is set), a real SMTP server
//! that records what it receives, a clock the test can move, and a browser-like
//! client with its own cookie jar.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use buergerportal::{
    app::{Application, SharedState},
    config::{Config, Environment},
    db::Clock,
};
use reqwest::{StatusCode, header};
use sqlx::Connection;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// The captcha answer every test form uses.
pub const CAPTCHA: &str = "4711";
/// A password that satisfies the policy for the default test citizen.
pub const GOOD_PASSWORD: &str = "Laterne Sommerwiese Fahrradklingel";

// ---------------------------------------------------------------- clock

/// System time plus an offset the test can grow.
#[derive(Default)]
pub struct TestClock {
    offset_ms: AtomicI64,
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        buergerportal::db::SystemClock.now_ms() + self.offset_ms.load(Ordering::SeqCst)
    }
}

impl TestClock {
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------- SMTP

/// A mail as the SMTP server received it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: String,
    pub subject: String,
    /// The decoded plain-text body.
    pub body: String,
    pub raw: String,
}

/// A small but real SMTP server on a free port that keeps every accepted mail.
/// `set_outage(true)` makes it answer 451 (temporary failure) to every mail.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
    outage: Arc<AtomicBool>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink { port, mails: Arc::default(), outage: Arc::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.converse(stream).await;
                });
            }
        });
        sink
    }

    async fn converse(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 test-smtp ready\r\n").await?;
        let mut to = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                b"250 test-smtp\r\n"
            } else if cmd.starts_with("MAIL FROM") {
                if self.outage.load(Ordering::SeqCst) { b"451 4.3.0 try again later\r\n" } else { b"250 ok\r\n" }
            } else if cmd.starts_with("RCPT TO") {
                to = line.trim_end()[8..].trim().trim_start_matches(':').trim().trim_matches(['<', '>']).to_string();
                b"250 ok\r\n"
            } else if cmd == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                }
                self.mails.lock().unwrap().push(parse_mail(&to, &raw));
                b"250 accepted\r\n"
            } else if cmd == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await?;
        }
    }

    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.mails.lock().unwrap().clone()
    }

    pub fn mails_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.mails().into_iter().filter(|m| m.to.eq_ignore_ascii_case(address)).collect()
    }

    /// Waits (up to 10 s) until `address` has received `count` mails.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..200 {
            let mails = self.mails_to(address);
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} mail(s) to {address}, got {:?}", self.mails_to(address));
    }
}

fn parse_mail(to: &str, raw: &str) -> ReceivedMail {
    let (head, body) = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n")).unwrap_or((raw, ""));
    let subject = head.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap_or("").to_string();
    let body = if head.contains("quoted-printable") { decode_quoted_printable(body) } else { body.to_string() };
    ReceivedMail { to: to.to_string(), subject, body: body.replace("\r\n", "\n"), raw: raw.to_string() }
}

fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 3 <= bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The initial password from a mail (the contract line).
pub fn initial_password_in(mail: &ReceivedMail) -> String {
    mail.body
        .lines()
        .find_map(|l| l.strip_prefix("Ihr initiales Kennwort lautet: "))
        .unwrap_or_else(|| panic!("no initial password in mail: {}", mail.body))
        .trim()
        .to_string()
}

// ---------------------------------------------------------------- database

/// A fresh, empty database URL for one test.
async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("BP_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("bp_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::postgres::PgConnection::connect(&admin).await.expect("connect to test PostgreSQL");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}/test.db", dir.display()),
    }
}

pub fn on_postgres() -> bool {
    std::env::var("BP_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

// ---------------------------------------------------------------- app

/// A running portal and a citizen's browser pointed at it.
pub struct TestApp {
    pub address: String,
    pub state: SharedState,
    pub clock: Arc<TestClock>,
    pub smtp: SmtpSink,
    pub client: Browser,
    pub data_dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings changed by `adjust` first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        base_url: "http://portal.test".into(),
        database_url: fresh_database_url(data_dir.path()).await,
        data_dir: data_dir.path().to_path_buf(),
        smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        mail_from: "Bürgerportal <noreply@portal.test>".parse().unwrap(),
        environment: Environment::Development,
        captcha_test_answer: Some(CAPTCHA.into()),
        initial_password_ttl: Duration::from_secs(24 * 3600),
        trusted_proxies: vec![],
    };
    adjust(&mut config);
    let clock = Arc::new(TestClock::default());
    let app = Application::build(config, clock.clone()).await.expect("app starts");
    let address = format!("http://{}", app.local_addr());
    let state = app.state.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = Browser::new(&address);
    TestApp { address, state, clock, smtp, client, data_dir, _stop: stop }
}

/// The data a citizen types into "Konto erstellen".
#[derive(Clone)]
pub struct Registration {
    pub vorname: String,
    pub zweitname: String,
    pub nachname: String,
    pub geburtstag: String,
    pub email: String,
}

impl Registration {
    pub fn new(email: &str) -> Self {
        Registration {
            vorname: "Anna".into(),
            zweitname: String::new(),
            nachname: "Schmidt".into(),
            geburtstag: "24.12.1980".into(),
            email: email.into(),
        }
    }

    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("vorname", self.vorname.clone()),
            ("zweitname", self.zweitname.clone()),
            ("nachname", self.nachname.clone()),
            ("geburtstag", self.geburtstag.clone()),
            ("email", self.email.clone()),
        ]
    }
}

impl TestApp {
    /// A second, independent browser.
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// Fills in and submits "Konto erstellen" with the test captcha answer.
    pub async fn register(&self, r: &Registration) -> Page {
        self.register_in(&self.client, r).await
    }

    /// Fills in and submits "Konto erstellen" in `browser`.
    pub async fn register_in(&self, browser: &Browser, r: &Registration) -> Page {
        let form = browser.get("/konto-erstellen").await;
        let mut fields = r.fields();
        fields.push(("captcha_id", form.hidden("captcha_id")));
        fields.push(("captcha_antwort", CAPTCHA.into()));
        browser.submit(&form, "/konto-erstellen", &fields).await
    }

    /// Registers and returns the initial password from the mail.
    pub async fn register_and_read_password(&self, r: &Registration) -> String {
        self.register_and_read_password_in(&self.client, r).await
    }

    async fn register_and_read_password_in(&self, browser: &Browser, r: &Registration) -> String {
        let before = self.smtp.mails_to(&r.email).len();
        let page = self.register_in(browser, r).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let mails = self.smtp.wait_for(&r.email, before + 1).await;
        initial_password_in(mails.last().unwrap())
    }

    /// Logs in in the app's browser.
    pub async fn login(&self, email: &str, password: &str, remember: bool) -> Page {
        self.client.login(email, password, remember).await
    }

    /// Registers, logs in with the initial password and completes the first login.
    pub async fn active_citizen(&self, email: &str) -> Registration {
        let r = Registration::new(email);
        self.active_citizen_in(&self.client, &r).await;
        r
    }

    /// Another citizen, `r`, active and logged in to `browser` (password [`GOOD_PASSWORD`]).
    pub async fn active_citizen_in(&self, browser: &Browser, r: &Registration) {
        let initial = self.register_and_read_password_in(browser, r).await;
        let page = browser.login(&r.email, &initial, false).await;
        assert_eq!(page.location(), "/erstanmeldung");
        let page = self.complete_first_login_in(browser, "3", "", "0521 123456", GOOD_PASSWORD, GOOD_PASSWORD).await;
        assert_eq!(page.location(), "/postkorb", "{}", page.body);
    }

    pub async fn complete_first_login(&self, question: &str, own: &str, answer: &str, password: &str, repeat: &str) -> Page {
        self.complete_first_login_in(&self.client, question, own, answer, password, repeat).await
    }

    async fn complete_first_login_in(
        &self,
        browser: &Browser,
        question: &str,
        own: &str,
        answer: &str,
        password: &str,
        repeat: &str,
    ) -> Page {
        let form = browser.get("/erstanmeldung").await;
        let fields = vec![
            ("frage", question.to_string()),
            ("eigene_frage", own.to_string()),
            ("antwort", answer.to_string()),
            ("kennwort", password.to_string()),
            ("kennwort_wiederholung", repeat.to_string()),
        ];
        browser.submit(&form, "/erstanmeldung", &fields).await
    }

    /// Runs the background clean-up once, as the periodic task would.
    pub async fn run_maintenance(&self) {
        buergerportal::app::run_maintenance(&self.state).await.unwrap();
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.state.db.pool).await.unwrap()
    }
}

// ---------------------------------------------------------------- browser

/// A client that behaves like a browser without JavaScript: keeps cookies,
/// doesn't follow redirects (tests look at them).
#[derive(Clone)]
pub struct Browser {
    base: String,
    http: reqwest::Client,
    pub cookies: Arc<Mutex<HashMap<String, String>>>,
}

/// One response.
pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the hidden or text input `name`.
    pub fn hidden(&self, name: &str) -> String {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
        doc.select(&sel).next().and_then(|e| e.value().attr("value")).map(str::to_string).unwrap_or_default()
    }

    /// The value attribute of the input with id `id` (what the form kept).
    pub fn value_of(&self, id: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(&format!("#{id}")).unwrap();
        doc.select(&sel).next().and_then(|e| e.value().attr("value")).map(str::to_string)
    }

    /// The message shown at field `id`.
    pub fn error_at(&self, id: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(&format!("#{id}-error")).unwrap();
        doc.select(&sel).next().map(|e| e.text().collect::<String>().trim().to_string())
    }

    /// The links of the error summary at the top (their targets).
    pub fn summary_targets(&self) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(".portal-error-summary a").unwrap();
        doc.select(&sel).filter_map(|e| e.value().attr("href")).map(str::to_string).collect()
    }

    /// The texts of every `<label>`, whitespace collapsed.
    pub fn labels(&self) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse("label").unwrap();
        doc.select(&sel).map(|e| e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")).collect()
    }

    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }

    pub fn text(&self) -> String {
        let doc = scraper::Html::parse_document(&self.body);
        doc.root_element().text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(30)).build().unwrap();
        Browser { base: base.to_string(), http, cookies: Arc::default() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn remember(&self, headers: &header::HeaderMap) {
        let mut jar = self.cookies.lock().unwrap();
        for v in headers.get_all(header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let first = v.split(';').next().unwrap_or("");
            if let Some((k, val)) = first.split_once('=') {
                if val.is_empty() || v.contains("Max-Age=0") {
                    jar.remove(k);
                } else {
                    jar.insert(k.to_string(), val.to_string());
                }
            }
        }
    }

    async fn finish(&self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        self.remember(&headers);
        let body = response.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Page {
        let r = self.http.get(format!("{}{}", self.base, path)).header(header::COOKIE, self.cookie_header()).send().await.unwrap();
        self.finish(r).await
    }

    /// Posts a raw url-encoded body.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Page {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Submits `fields` plus the CSRF token found on `form_page`.
    pub async fn submit(&self, form_page: &Page, path: &str, fields: &[(&str, String)]) -> Page {
        let mut all: Vec<(&str, String)> = vec![("csrf_token", form_page.hidden("csrf_token"))];
        all.extend(fields.iter().cloned());
        self.post_raw(path, encode(&all)).await
    }

    pub async fn login(&self, email: &str, password: &str, remember: bool) -> Page {
        let form = self.get("/anmelden").await;
        let mut fields = vec![("email", email.to_string()), ("kennwort", password.to_string())];
        if remember {
            fields.push(("speichern", "ja".into()));
        }
        self.submit(&form, "/anmelden", &fields).await
    }

    pub async fn logout(&self) -> Page {
        let page = self.get("/").await;
        self.submit(&page, "/abmelden", &[]).await
    }
}

/// `application/x-www-form-urlencoded` encoding.
pub fn encode(fields: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Kennwort vergessen, as a citizen walks it.
impl TestApp {
    /// Step 1 in `browser`: address and captcha.
    pub async fn forgot(&self, browser: &Browser, email: &str) -> Page {
        let form = browser.get("/kennwort-vergessen").await;
        let fields = vec![("email", email.to_string()), ("captcha_id", form.hidden("captcha_id")), ("captcha_antwort", CAPTCHA.into())];
        browser.submit(&form, "/kennwort-vergessen", &fields).await
    }

    /// Step 2: answering the question shown on `question_page`.
    pub async fn answer(&self, browser: &Browser, question_page: &Page, answer: &str) -> Page {
        let fields = vec![("ticket", question_page.hidden("ticket")), ("antwort", answer.to_string())];
        browser.submit(question_page, "/kennwort-vergessen/antwort", &fields).await
    }
}
