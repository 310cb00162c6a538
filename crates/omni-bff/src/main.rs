//! omni-bff entry point: parse the command line, then serve (or run the simulator alone).

use omni_bff::config::{self, Command};
use std::process::ExitCode;

/// Small blocks from mimalloc, large ones from glibc (see `memory`).
#[global_allocator]
static ALLOCATOR: omni_bff::memory::Allocator = omni_bff::memory::Allocator;

fn main() -> ExitCode {
    // An option's variable set to nothing (`OMNI_RATE_LIMIT=` in a unit file) means its
    // default, as if unset. Done before any thread starts, as `remove_var` requires.
    for (name, value) in std::env::vars_os() {
        if value.is_empty() && name.to_string_lossy().starts_with("OMNI_") {
            std::env::remove_var(name);
        }
    }
    omni_bff::memory::tune();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // --help and --version end here too (clap prints them and exits 0); a bad option
    // or value exits 2 with the reason.
    let command = config::parse(&args, &|k| std::env::var(k).ok()).unwrap_or_else(|e| e.exit());
    let format = match &command {
        Command::Serve(cfg) => cfg.log_format,
        Command::Simulate(_) => config::LogFormat::Text,
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("OMNI_LOG").unwrap_or_else(|_| "info".into());
    let writer = match omni_bff::log_writer::Logs::start() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("omni-bff: cannot start the log writer: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Colours only for a person at a terminal, never into a log file or journal.
    use std::io::IsTerminal as _;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_timer(omni_bff::log_format::Clock)
        .with_writer(writer.clone());
    match format {
        config::LogFormat::Text => {
            writer.take_request_lines(std::io::stderr().is_terminal());
            logs.event_format(omni_bff::log_format::Text).init()
        }
        config::LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("omni-bff: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Serve(cfg) => omni_bff::serve(*cfg).await,
            Command::Simulate(opts) => run_simulator(opts).await,
        }
    });
    drop(runtime);
    writer.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}`: the error with its causes, on one line.
            eprintln!("omni-bff: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The simulator alone, as a stand-in gateway: with `OMNI_SIM_API_KEY` set it demands
/// that bearer key, like a real gateway would.
async fn run_simulator(opts: config::SimOptions) -> anyhow::Result<()> {
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
