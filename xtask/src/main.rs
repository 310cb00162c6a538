//! `cargo xtask run | test`: installs what a fresh machine lacks, builds, and runs the
//! studio or every test layer. std only, so it compiles in seconds.

mod bench;
mod bff;
mod build;
mod cycles;
mod fuzz;
#[cfg(test)]
mod i18n_check;
mod nginx;
mod postgres;
mod process;
mod s3;
mod split;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
    run [-- ARGS]   install missing tools, build the app (release), start omni-bff on
                    http://127.0.0.1:8080 with the built-in simulator; ARGS go to omni-bff
    build           install missing tools and build the app (release) into dist/: split
                    by route, optimised, precompressed (what `run` serves)
    test            rustfmt and clippy (as errors), unit, property and BFF API tests, wasm
                    browser tests, and end-to-end tests in headless Chromium against a
                    real omni-bff
    test e2e [FILE...]
                    only the end-to-end tests (all of e2e/, or the files named)
    bench [SECTION...]
                    sizes, throughput against nginx, coalescing, load, a big create,
                    history at 100,000 tasks, 10,000 event streams: one table with
                    goals, written to bench/results.md
                    (only printed when SECTIONs are named: first-load, reads,
                    coalescing, load, streams, big-create, history, browser)
    cycles          fail on an import cycle between modules of a crate (also part of test)
    fuzz [SECONDS]  libFuzzer on the prompt parser, image headers and request validation,
                    SECONDS each (default 600; needs the nightly toolchain)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("build") => tools::ensure_build_tools().and_then(|()| build::app()),
        Some("test") if args.get(1).map(String::as_str) == Some("e2e") => e2e_only(&args[2..]),
        Some("test") => test(),
        Some("bench") => bench::bench(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("cycles") => cycles::check(&process::root()),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let bff_args: Vec<String> = match args.first().map(String::as_str) {
        Some("--") => args[1..].to_vec(),
        _ => args.to_vec(),
    };
    tools::ensure_build_tools()?;
    build::app()?;
    let bin = build::bff("server")?;
    bff::run_foreground(&bin, &bff_args)
}

fn e2e_only(files: &[String]) -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    build::app()?;
    let bin = build::bff("dev")?;
    bff::e2e(&bin, files)
}

fn test() -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    tools::ensure_operator_tools()?;
    let mut failed = Vec::new();
    let mut step = |name: &str, result: Result<(), String>| {
        if let Err(e) = result {
            eprintln!("xtask: {name} failed: {e}");
            failed.push(name.to_owned());
        }
    };
    step("rustfmt and clippy", build::lint());
    step("import cycles", cycles::check(&process::root()));
    // The app first: the native tests search its files for secrets.
    let app = build::app();
    let native = app
        .clone()
        .and_then(|()| postgres::Postgres::start())
        .and_then(|pg| {
            let s3 = s3::S3::start()?;
            build::native_tests(&pg.url, &s3.endpoint)
        });
    step(
        "native tests (unit, property, BFF API, PostgreSQL, S3)",
        native,
    );
    step("wasm browser tests", build::wasm_tests());
    let e2e = app
        .and_then(|()| build::bff("dev"))
        .and_then(|bin| bff::e2e(&bin, &[]));
    step("end-to-end tests", e2e);
    if failed.is_empty() {
        println!("xtask: every test layer passed");
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}
