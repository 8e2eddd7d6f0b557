//! Load benchmark for the catalogue (issue: 5,000 services, search p99 < 5 ms,
//! A–Z < 20 ms). Generates a catalogue, imports it into a fresh SQLite database,
//! starts the real server in-process and measures requests over loopback.
//!
//! Run: `cargo bench --bench catalogue` (results go to docs/BENCHMARKS.md by hand).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use buergerportal::{
    app::Application,
    catalogue::{
        file::{CatalogueFile, Procedure, ServiceEntry, UnitEntry},
        import,
    },
    config::{Config, Environment},
    db::{Clock, SystemClock},
};

const SERVICES: usize = 5_000;

const NOUNS: &[&str] = &[
    "Hundesteuer",
    "Personalausweis",
    "Reisepass",
    "Meldebescheinigung",
    "Wohnsitz",
    "Gewerbe",
    "Baugenehmigung",
    "Sperrmüll",
    "Kita-Platz",
    "Anwohnerparkausweis",
    "Führungszeugnis",
    "Geburtsurkunde",
    "Eheurkunde",
    "Sterbeurkunde",
    "Wohngeld",
    "Grundsteuer",
    "Fundsache",
    "Sondernutzung",
    "Veranstaltung",
    "Baumfällung",
    "Abfallbehälter",
    "Straßenbeleuchtung",
    "Bibliotheksausweis",
    "Musikschule",
    "Ferienspiele",
    "Hausnummer",
    "Beglaubigung",
    "Briefwahl",
    "Parkerleichterung",
    "Zweitwohnungssteuer",
    "Vergnügungssteuer",
    "Elternbeitrag",
    "Schulweg",
    "Lärmschutz",
    "Gaststätte",
    "Marktstand",
    "Taxikonzession",
    "Bewohnerparken",
    "Friedhof",
    "Grabstelle",
];
const ACTIONS: &[&str] =
    &["beantragen", "anmelden", "abmelden", "ändern", "verlängern", "ersetzen", "melden", "bescheinigen", "prüfen", "auskunft"];
const WORDS: &[&str] =
    &["Stadt", "Bürger", "Antrag", "Nachweis", "Frist", "Gebühr", "Termin", "Unterlagen", "online", "Ausweis", "Adresse", "Kind"];

fn generate() -> CatalogueFile {
    let mut units = vec![UnitEntry { slug: "vv".into(), name: "Verwaltungsvorstand".into(), ..Default::default() }];
    for i in 1..=10 {
        units.push(UnitEntry {
            slug: format!("fb-{i}"),
            name: format!("Fachbereich {i}"),
            parent: Some("vv".into()),
            ..Default::default()
        });
    }
    let services = (0..SERVICES)
        .map(|i| {
            let noun = NOUNS[i % NOUNS.len()];
            let action = ACTIONS[(i / NOUNS.len()) % ACTIONS.len()];
            let variant = i / (NOUNS.len() * ACTIONS.len());
            let short: Vec<&str> = (0..14).map(|k| WORDS[(i * 7 + k * 3) % WORDS.len()]).collect();
            ServiceEntry {
                slug: format!("dienst-{i}"),
                name: format!("{noun} {action} {}", if variant > 0 { format!("Variante {variant}") } else { String::new() })
                    .trim()
                    .to_string(),
                synonyms: vec![format!("{noun}antrag"), format!("{}{}", noun.chars().take(5).collect::<String>(), variant)],
                short_text: format!("{noun}: {}.", short.join(" ")),
                procedure: if i % 3 == 0 { Procedure::Online } else { Procedure::InPerson },
                unit: format!("fb-{}", i % 10 + 1),
                life_situations: vec![["Umzug", "Familie & Kinder", "Steuern & Abgaben", "Hund & Tier"][i % 4].into()],
                ..Default::default()
            }
        })
        .collect();
    CatalogueFile { units, services }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<40} n={:<5} p50={:>7.3} ms  p95={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config {
        listen: "127.0.0.1:0".parse()?,
        base_url: "http://127.0.0.1".into(),
        database_url: format!("sqlite://{}/bench.db", dir.path().display()),
        data_dir: dir.path().to_path_buf(),
        smtp_url: None,
        mail_from: "Bürgerportal <noreply@localhost>".parse()?,
        environment: Environment::Development,
        captcha_test_answer: None,
        initial_password_ttl: Duration::from_secs(3600),
        trusted_proxies: vec![],
    };
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    let file = generate();
    let started = Instant::now();
    let result = import::import(&app.state.db, &file, SystemClock.now_ms()).await?;
    println!("import of {} services: {result} in {:?}", file.services.len(), started.elapsed());

    // The search itself, without HTTP.
    let index = app.state.catalogue.index(&app.state.db, SystemClock.now_ms()).await?;
    let queries = [
        "hundesteur",
        "Perso",
        "personalausweis beantragen",
        "Sperrmüll",
        "kita platz",
        "Grundsteuer ändern",
        "führungszeugnis",
        "xyzzy",
        "umzug",
        "Baugenehmigung Variante 3",
    ];
    let mut samples = vec![];
    for round in 0..200 {
        let q = queries[round % queries.len()];
        let t = Instant::now();
        std::hint::black_box(index.search(q, 50));
        samples.push(t.elapsed());
    }
    report("search (in-process index)", samples);

    let address = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    // Warm-up.
    for _ in 0..20 {
        client.get(format!("{address}/dienste/suche?suche=hund")).send().await?.bytes().await?;
    }
    let mut samples = vec![];
    for round in 0..1000 {
        let q = queries[round % queries.len()];
        let t = Instant::now();
        let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let r = client.get(format!("{address}/dienste/suche?suche={encoded}")).send().await?;
        assert!(r.status().is_success());
        r.bytes().await?;
        samples.push(t.elapsed());
    }
    report("GET /dienste/suche (HTTP, loopback)", samples);

    let mut samples = vec![];
    let mut size = 0;
    for _ in 0..200 {
        let t = Instant::now();
        let r = client.get(format!("{address}/dienste/a-z")).send().await?;
        size = r.bytes().await?.len();
        samples.push(t.elapsed());
    }
    report(&format!("GET /dienste/a-z ({} KiB)", size / 1024), samples);

    let mut samples = vec![];
    for i in 0..500 {
        let t = Instant::now();
        client.get(format!("{address}/dienste/dienst-{}", i * 7 % SERVICES)).send().await?.bytes().await?;
        samples.push(t.elapsed());
    }
    report("GET /dienste/{slug}", samples);

    let _ = stop.send(());
    server.await??;
    Ok(())
}
