//! omni-bff entry point: parse the command line, then serve (or run the simulator alone).

use omni_bff::config::{self, Command};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OMNI_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match config::parse(&args, &|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("omni-bff: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{}", config::HELP);
            Ok(())
        }
        Command::Version => {
            println!("omni-bff {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Serve(cfg) => omni_bff::serve(cfg).await,
        Command::Simulate(opts) => run_simulator(opts).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("omni-bff: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The simulator alone, as a stand-in gateway: with `OMNI_SIM_API_KEY` set it demands
/// that bearer key, like a real gateway would.
async fn run_simulator(opts: config::SimOptions) -> Result<(), String> {
    use omni_bff::simulator::{start, SimAuth};
    let auth = match std::env::var("OMNI_SIM_API_KEY") {
        Ok(key) if !key.is_empty() => SimAuth::Bearer(key),
        _ => SimAuth::None,
    };
    let sim = start(opts, auth).await?;
    println!("simulator listening on {}", sim.base_url);
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
