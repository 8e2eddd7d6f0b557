//! The catalogue: an operator loads the city's file; citizens browse A–Z, the
//! Onlinedienste and the Verwaltungsgliederung, and find services by search.

use std::process::Command;

use reqwest::StatusCode;

use crate::helpers::*;

const FIXTURE: &str = include_str!("../fixtures/catalogue.toml");

impl TestApp {
    /// Runs `buergerportal catalogue …` against this app's database.
    fn catalogue_cli(&self, args: &[&str]) -> std::process::Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_buergerportal"));
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BP_")) {
            c.env_remove(k);
        }
        c.env("BP_DATABASE_URL", &self.state.config.database_url)
            .env("BP_DATA_DIR", self.data_dir.path())
            .arg("catalogue")
            .args(args)
            .output()
            .unwrap()
    }

    fn import_text(&self, text: &str) -> std::process::Output {
        let path = self.data_dir.path().join(format!("import-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, text).unwrap();
        self.catalogue_cli(&["import", path.to_str().unwrap()])
    }

    async fn with_catalogue(self) -> Self {
        let out = self.import_text(FIXTURE);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        self.state.catalogue.invalidate();
        self
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn without_a_catalogue_the_pages_say_so_honestly() {
    let app = spawn_app().await;
    for path in ["/dienste", "/dienste/a-z", "/verwaltung"] {
        let page = app.client.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("Keine Daten vorhanden"), "{path}");
    }
}

#[tokio::test]
async fn a_to_z_lists_every_service_under_its_letter_in_german_order() {
    let app = spawn_app().await.with_catalogue().await;
    let page = app.client.get("/dienste/a-z").await;
    assert_eq!(page.status, StatusCode::OK);
    // Ä with A, Ü with U; letters without services are not links.
    assert!(page.body.contains(r##"<a href="#buchstabe-A">A</a>"##));
    assert!(page.body.contains(r##"<a href="#buchstabe-U">U</a>"##));
    assert!(page.body.contains(r#"<span aria-disabled="true" title="Keine Dienste mit B">B</span>"#));
    let text = page.text();
    let a = text.find("Ämterauskunft").unwrap();
    let h = text.find("Hund anmelden (Hundesteuer)").unwrap();
    let u = text.find("Übersetzung beglaubigen").unwrap();
    let w = text.find("Wohnsitz anmelden").unwrap();
    assert!(a < h && h < u && u < w, "German order");
    assert!(page.labels().iter().any(|l| l.starts_with("Suche")));
    assert!(text.contains("Sie sind hier: Home » Alle Dienste A–Z"));
}

#[tokio::test]
async fn onlinedienste_are_grouped_by_life_situation() {
    let app = spawn_app().await.with_catalogue().await;
    let text = app.client.get("/dienste").await.text();
    assert!(text.contains("Umzug") && text.contains("Hund & Tier"));
    assert!(text.contains("Wohnsitz anmelden") && text.contains("Hund anmelden (Hundesteuer)"));
    assert!(!text.contains("Übersetzung beglaubigen"), "only online services");
}

#[tokio::test]
async fn citizens_find_services_despite_typos_and_colloquial_words() {
    let app = spawn_app().await.with_catalogue().await;
    for (query, expected) in [
        ("hundesteur", "Hund anmelden (Hundesteuer)"),
        ("Hundemarke", "Hund anmelden (Hundesteuer)"),
        ("Perso", "Personalausweis beantragen"),
        ("Persnalausweis", "Personalausweis beantragen"),
        ("umzug", "Wohnsitz anmelden"),
        ("aemter", "Ämterauskunft"),
    ] {
        let page = app.client.get(&format!("/dienste/suche?suche={}", encode(&[("x", query.to_string())]).trim_start_matches("x="))).await;
        assert_eq!(page.status, StatusCode::OK);
        let doc = scraper::Html::parse_document(&page.body);
        let first = doc.select(&scraper::Selector::parse(".portal-service-list a").unwrap()).next().map(|e| e.text().collect::<String>());
        assert_eq!(first.as_deref(), Some(expected), "{query}");
        assert_eq!(page.value_of("suche").unwrap(), query, "the query stays in the field");
    }
}

#[tokio::test]
async fn odd_search_input_gets_an_honest_answer_and_never_a_500() {
    let app = spawn_app().await.with_catalogue().await;
    let empty = app.client.get("/dienste/suche?suche=").await;
    assert!(empty.text().contains("Bitte geben Sie einen Suchbegriff ein"));
    let none = app.client.get("/dienste/suche?suche=xyzzy").await;
    assert!(none.text().contains("Keine Treffer für „xyzzy“") && none.body.contains("href=\"/dienste/a-z\""));
    for q in ["%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%27%3B%20DROP%20TABLE%20services%3B--", "%ZZ", "%00%07", &"a".repeat(20_000)] {
        let page = app.client.get(&format!("/dienste/suche?suche={q}")).await;
        assert!(page.status == StatusCode::OK || page.status == StatusCode::BAD_REQUEST, "{q}: {}", page.status);
        assert!(!page.body.contains("<script>alert(1)</script>"));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM services").await, 6);
}

#[tokio::test]
async fn a_service_page_shows_everything_and_the_way_to_apply() {
    let app = spawn_app().await.with_catalogue().await;
    let page = app.client.get("/dienste/personalausweis").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    for wanted in [
        "Personalausweis beantragen",
        "Biometrisches Passfoto",
        "37,00 Euro",
        "etwa 3 Wochen",
        "§ 9 PAuswG",
        "99102013104000",
        "Team Ausweise",
        "Raum 12",
        "Abteilung Meldewesen",
        "persönlich",
    ] {
        assert!(text.contains(wanted), "{wanted}");
    }
    assert!(page.body.contains("<strong>vereinbaren Sie einen Termin</strong>"));
    assert!(!page.body.contains("<script>alert(1)</script>"), "markdown is rendered safely");
    assert!(page.body.contains(r#"href="/verwaltung/abt-meldewesen""#));
    assert!(page.body.contains(r#"href="tel:0524182111""#));
    assert!(text.contains("Sie sind hier: Home » Alle Dienste A–Z » Personalausweis beantragen"));

    let online = app.client.get("/dienste/hundesteuer").await.text();
    assert!(online.contains("Anmelden und online beantragen"), "login needed first");
    assert_eq!(app.client.get("/dienste/hundesteuer/antrag").await.location(), "/anmelden");
    assert_eq!(app.client.get("/dienste/personalausweis/antrag").await.status, StatusCode::NOT_FOUND, "not an online service");
    let external = app.client.get("/dienste/kfz-zulassung").await;
    assert!(external.body.contains("https://www.kreis-musterland.example/zulassung"));
}

#[tokio::test]
async fn unknown_services_and_units_get_the_404_page() {
    let app = spawn_app().await.with_catalogue().await;
    for path in ["/dienste/gibt-es-nicht", "/verwaltung/gibt-es-nicht", &format!("/dienste/{}", "x".repeat(5000)), "/dienste/%3Cscript%3E"]
    {
        let page = app.client.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.text().contains("Seite nicht gefunden"));
    }
}

#[tokio::test]
async fn the_verwaltungsgliederung_shows_the_tree_and_each_unit() {
    let app = spawn_app().await.with_catalogue().await;
    let page = app.client.get("/verwaltung").await;
    let doc = scraper::Html::parse_document(&page.body);
    let nested = doc
        .select(&scraper::Selector::parse(".portal-tree > li > ul > li > ul > li a").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>();
    assert_eq!(nested, ["Abteilung Meldewesen"], "three levels");
    let unit = app.client.get("/verwaltung/fb-buergerservice").await.text();
    for wanted in [
        "Fachbereich Bürgerservice",
        "FB 1",
        "05241 82-100",
        "buergerservice@musterstadt.example",
        "Do 14:00–18:00",
        "Abteilung Meldewesen",
        "Ämterauskunft",
        "Gehört zu: Verwaltungsvorstand",
    ] {
        assert!(unit.contains(wanted), "{wanted}");
    }
}

#[tokio::test]
async fn public_pages_can_be_revalidated_cheaply() {
    let app = spawn_app().await.with_catalogue().await;
    let first = app.client.get("/dienste/a-z").await;
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(first.headers["cache-control"], "private, no-cache", "revalidated every time, so a login shows at once");
    let response = reqwest::Client::new().get(format!("{}/dienste/a-z", app.address)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    // Logged-in pages are personal: never cached.
    app.active_citizen("anna@example.de").await;
    let page = app.client.get("/dienste/a-z").await;
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(page.headers.get("etag").is_none());
}

#[tokio::test]
async fn import_is_idempotent_and_export_round_trips_exactly() {
    let app = spawn_app().await;
    let first = app.import_text(FIXTURE);
    assert!(stdout(&first).contains("10 added, 0 updated, 0 retired, 0 unchanged"), "{}", stdout(&first));
    let again = app.import_text(FIXTURE);
    assert!(stdout(&again).contains("0 added, 0 updated, 0 retired, 10 unchanged"), "{}", stdout(&again));

    let exported = app.data_dir.path().join("export.toml");
    assert!(app.catalogue_cli(&["export", exported.to_str().unwrap()]).status.success());
    let text = std::fs::read_to_string(&exported).unwrap();
    let reimport = app.import_text(&text);
    assert!(stdout(&reimport).contains("0 added, 0 updated, 0 retired, 10 unchanged"), "{}", stdout(&reimport));
    let exported2 = app.data_dir.path().join("export2.toml");
    app.catalogue_cli(&["export", exported2.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&exported2).unwrap(), text, "export is stable");
}

#[tokio::test]
async fn services_left_out_are_retired_and_can_come_back() {
    let app = spawn_app().await.with_catalogue().await;
    let without = FIXTURE.replace("slug = \"kfz-zulassung\"", "slug = \"kfz-zulassung-neu\"");
    let out = app.import_text(&without);
    assert!(stdout(&out).contains("1 added, 0 updated, 1 retired"), "{}", stdout(&out));
    app.state.catalogue.invalidate();
    assert_eq!(app.client.get("/dienste/kfz-zulassung").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM services WHERE slug = 'kfz-zulassung' AND retired = 1").await, 1, "kept, not deleted");
    let changed = FIXTURE.replace("fees = \"37,00 Euro\"", "fees = \"37,50 Euro\"");
    let out = app.import_text(&changed);
    // The changed service and the returning one are updated; the renamed one is retired.
    assert!(stdout(&out).contains("0 added, 2 updated, 1 retired"), "{}", stdout(&out));
    app.state.catalogue.invalidate();
    assert!(app.client.get("/dienste/personalausweis").await.text().contains("37,50 Euro"));
    assert_eq!(app.client.get("/dienste/kfz-zulassung").await.status, StatusCode::OK, "back again");
}

#[tokio::test]
async fn a_bad_file_is_rejected_with_its_places_and_changes_nothing() {
    let app = spawn_app().await.with_catalogue().await;
    let cases: Vec<(String, &str)> = vec![
        (
            format!(
                "{FIXTURE}\n[[service]]\nslug = \"hundesteuer\"\nname = \"Doppelt\"\nshort_text = \"x\"\nprocedure = \"online\"\nunit = \"fb-finanzen\"\n"
            ),
            "duplicate slug",
        ),
        (FIXTURE.replace("unit = \"fb-finanzen\"", "unit = \"fb-gibt-es-nicht\""), "unknown unit \"fb-gibt-es-nicht\""),
        (FIXTURE.replacen("head = \"Bürgermeisterin Dr. Eva Beispiel\"", "parent = \"abt-meldewesen\"", 1), "cycle"),
        (FIXTURE.replacen("short_text = \"Den Personalausweis", "kurztext = \"Den Personalausweis", 1), "kurztext"),
        (FIXTURE.replacen("name = \"Ämterauskunft\"\n", "", 1), "missing field `name`"),
        (FIXTURE.replace("procedure = \"in_person\"", "procedure = \"per-fax\""), "per-fax"),
        ("[[service]\nslug = ".to_string(), "line 1"),
        (FIXTURE.replace("[[service]]\nslug = \"aemter-auskunft\"", "[[service]]\nslug = \"a-z\""), "reserved"),
    ];
    for (text, expected) in &cases {
        let out = app.import_text(text);
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let err = stderr(&out);
        assert!(err.contains(expected) && err.contains("nothing changed"), "{expected}: {err}");
    }
    let mut invalid_utf8 = FIXTURE.as_bytes().to_vec();
    invalid_utf8.extend_from_slice(b"\n# \xc3\x28\n");
    let path = app.data_dir.path().join("latin1.toml");
    std::fs::write(&path, &invalid_utf8).unwrap();
    let out = app.catalogue_cli(&["import", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("UTF-8"));
    let missing = app.catalogue_cli(&["import", "/nonexistent/katalog.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    // Nothing changed.
    assert_eq!(app.count("SELECT COUNT(*) FROM services WHERE retired = 0").await, 6);
    let unchanged = app.import_text(FIXTURE);
    assert!(stdout(&unchanged).contains("10 unchanged"));
}

#[tokio::test]
async fn a_logged_in_citizen_is_told_honestly_that_the_online_form_is_not_there_yet() {
    let app = spawn_app().await.with_catalogue().await;
    app.active_citizen("anna@example.de").await;
    let service = app.client.get("/dienste/hundesteuer").await;
    assert!(service.body.contains(r#"href="/dienste/hundesteuer/antrag""#));
    let page = app.client.get("/dienste/hundesteuer/antrag").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("noch nicht verfügbar") && page.text().contains("Fachbereich Finanzen"));
}
