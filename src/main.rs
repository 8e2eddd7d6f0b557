//! The `buergerportal` command: serve, migrate and admin tasks.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use buergerportal::{
    app::{AppState, Application, run_maintenance, shutdown_signal},
    catalogue,
    config::Config,
    db::{Clock, Db, SystemClock},
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "buergerportal", version, about = "Bürgerportal – das Online-Rathaus einer Stadt")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (migrations run first).
    Serve {
        /// Load the demonstration catalogue of the fictional city Musterstadt.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run the periodic clean-up once (unfinished accounts, expired sessions, …).
    Maintenance,
    /// Load or save the service catalogue and the Verwaltungsgliederung (docs/CATALOGUE_FORMAT.md).
    Catalogue {
        #[command(subcommand)]
        action: CatalogueAction,
    },
}

#[derive(Subcommand)]
enum CatalogueAction {
    /// Import a catalogue file: all or nothing; entries left out are retired. Exit code 2 on errors.
    Import {
        /// The TOML file.
        file: PathBuf,
    },
    /// Export the active catalogue to a file in the same format.
    Export {
        /// The TOML file to write.
        file: PathBuf,
    },
}

/// Failures that the operator must fix in their input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct InputError(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()))
        .init();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("buergerportal: invalid setting: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("buergerportal: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<InputError>() => {
            eprintln!("buergerportal: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("buergerportal: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => {
            if config.captcha_test_answer.is_some() {
                tracing::warn!(
                    "BP_CAPTCHA_TEST_ANSWER is set: every captcha accepts the test answer. NEVER use this outside automated tests."
                );
            }
            tracing::info!(config = ?config, "starting");
            let app = Application::build(config, Arc::new(SystemClock)).await?;
            if demo {
                let report = catalogue::load_demo(&app.state.db, SystemClock.now_ms()).await?;
                tracing::info!(%report, "demo catalogue of Musterstadt loaded");
            }
            tracing::info!(address = %app.local_addr(), "serving");
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Maintenance => {
            let state = AppState::build(config, Arc::new(SystemClock)).await?;
            run_maintenance(&state).await
        }
        Command::Catalogue { action: CatalogueAction::Import { file } } => {
            let bytes = std::fs::read(&file).map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            let parsed = catalogue::file::parse(&bytes).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
                InputError(format!("{} was not imported, nothing changed:\n{}", file.display(), lines.join("\n")))
            })?;
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let report = catalogue::import::import(&db, &parsed, SystemClock.now_ms()).await?;
            println!("{}: {} units, {} services — {report}", file.display(), parsed.units.len(), parsed.services.len());
            Ok(())
        }
        Command::Catalogue { action: CatalogueAction::Export { file } } => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let exported = catalogue::import::export(&db).await?;
            std::fs::write(&file, catalogue::file::to_toml(&exported)).map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            println!("{}: {} units, {} services", file.display(), exported.units.len(), exported.services.len());
            Ok(())
        }
    }
}
