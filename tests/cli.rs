//! The `buergerportal` command as an operator uses it: settings errors, migrate,
//! graceful shutdown on SIGTERM.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_buergerportal");

fn command(data: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BP_")) {
        c.env_remove(k);
    }
    c.env("BP_DATA_DIR", data).env("BP_DATABASE_URL", format!("sqlite://{}/cli.db", data.display()));
    c
}

#[test]
fn an_invalid_setting_ends_with_a_clear_message_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (variable, value) in
        [("BP_LISTEN", "nicht-eine-adresse"), ("BP_INITIAL_PASSWORD_TTL", "bald"), ("BP_DATABASE_URL", "mysql://x"), ("BP_ENV", "staging")]
    {
        let out = command(dir.path()).env(variable, value).args(["serve"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{variable}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(variable), "{variable}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn production_refuses_the_captcha_test_switch() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .env("BP_ENV", "production")
        .env("BP_BASE_URL", "https://portal.example.de")
        .env("BP_CAPTCHA_TEST_ANSWER", "4711")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BP_CAPTCHA_TEST_ANSWER"));
}

#[test]
fn migrate_creates_the_schema_and_can_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = command(dir.path()).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(dir.path().join("cli.db").exists());
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = command(dir.path())
        .env("BP_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let stopping = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(stopping.elapsed() < Duration::from_secs(15), "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn help_is_available_for_every_command() {
    for args in [vec!["--help"], vec!["serve", "--help"], vec!["migrate", "--help"], vec!["maintenance", "--help"]] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
    }
}
