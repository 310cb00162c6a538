//! `cargo xtask fuzz [SECONDS]`: libFuzzer (cargo-fuzz, nightly) on the prompt parser,
//! image header inspection and request validation, SECONDS each (default 600). Seeds
//! come from fuzz/seeds; the corpus grows in fuzz/corpus between runs. A crash stops
//! the run with the input's path: fix it and keep the input as a regression test.

use crate::process::cargo_bin;
use crate::process::{cmd, root, run_checked};

const TARGETS: [&str; 3] = ["prompt", "image_header", "request"];

pub fn fuzz(args: &[String]) -> Result<(), String> {
    let seconds: u64 = match args.first() {
        Some(s) => s
            .parse()
            .map_err(|_| format!("fuzz: {s:?} is not seconds"))?,
        None => 600,
    };
    ensure_cargo_fuzz()?;
    let dir = root().join("fuzz");
    let mut summary = Vec::new();
    for target in TARGETS {
        let corpus = dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        println!("xtask: fuzzing {target} for {seconds} s");
        let started = std::time::Instant::now();
        let runs = run_target(
            cmd("cargo")
                .args(["+nightly", "fuzz", "run", target])
                .arg(&corpus)
                .arg(dir.join("seeds").join(target))
                .args([
                    "--",
                    &format!("-max_total_time={seconds}"),
                    "-print_final_stats=1",
                ])
                .current_dir(&dir),
        )
        .map_err(|e| {
            format!("fuzz target {target}: {e} (the input is in fuzz/artifacts/{target})")
        })?;
        let inputs = std::fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0);
        summary.push(format!(
            "| {target} | {:.0} s | {runs} | {inputs} | none |",
            started.elapsed().as_secs_f64()
        ));
    }
    let date = String::from_utf8_lossy(
        &std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC"])
            .output()
            .map_err(|e| e.to_string())?
            .stdout,
    )
    .trim()
    .to_owned();
    let md = format!(
        "# Fuzzing\n\nRun {date}, `cargo xtask fuzz {seconds}` (libFuzzer via cargo-fuzz, \
         nightly, address sanitizer).\n\n| target | time | runs | corpus | crashes |\n\
         |---|---|---|---|---|\n{}\n",
        summary.join("\n")
    );
    print!("{md}");
    std::fs::write(root().join("bench/fuzz.md"), md).map_err(|e| e.to_string())?;
    println!("xtask: wrote bench/fuzz.md");
    Ok(())
}

/// Runs one fuzz target, echoing its output, and answers how many inputs it ran.
fn run_target(c: &mut std::process::Command) -> Result<u64, String> {
    use std::io::{BufRead, BufReader};
    let mut child = c
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    let mut runs = 0;
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                runs = n.trim().parse().unwrap_or(0);
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(runs)
    } else {
        Err(format!("found a crash ({status})"))
    }
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    if cargo_bin().join("cargo-fuzz").exists() {
        return Ok(());
    }
    println!("xtask: installing cargo-fuzz (a few minutes, once)");
    run_checked(cmd("cargo").args(["install", "--locked", "cargo-fuzz"]))
}
