//! The `buergerportal` command: serve, migrate and admin tasks.

use std::{process::ExitCode, sync::Arc};

use buergerportal::{
    app::{AppState, Application, run_maintenance, shutdown_signal},
    config::Config,
    db::{Db, SystemClock},
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
        /// Load demonstration data (nothing beyond the empty portal yet).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run the periodic clean-up once (unfinished accounts, expired sessions, …).
    Maintenance,
}

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
            if demo {
                tracing::info!("demo mode: no demonstration data is defined yet");
            }
            tracing::info!(config = ?config, "starting");
            let app = Application::build(config, Arc::new(SystemClock)).await?;
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
    }
}
