//! `cargo xtask bench`: the figures that say where the studio stands, measured side by
//! side in one run on this machine, printed as one table and written to
//! bench/results.md. Tools come from Debian (wrk, nginx, gzip, brotli), installed with
//! apt when missing.

use crate::bff;
use crate::build;
use crate::process::{cmd_output, root};
use crate::tools::apt_install;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

mod browser;
mod instructions;
mod measure;
mod server;
mod size;
mod streams;

use browser::browser;
use instructions::instructions;
use server::{bff_figures, big_create, coalescing, history, load};
use size::first_load;
use streams::streams;

/// One row of the table.
struct Row {
    area: &'static str,
    what: String,
    value: String,
    /// The target the figure is held to (issue #18), where there is one.
    goal: &'static str,
}

/// The sections, by the names `cargo xtask bench NAME...` takes.
const SECTIONS: [&str; 9] = [
    "first-load",
    "browser",
    "reads",
    "instructions",
    "coalescing",
    "load",
    "streams",
    "big-create",
    "history",
];

/// Runs every section (and writes bench/results.md), or only the named ones (printed).
pub fn bench(only: &[String]) -> Result<(), String> {
    if let Some(unknown) = only.iter().find(|n| !SECTIONS.contains(&n.as_str())) {
        return Err(format!(
            "bench: no section {unknown:?}; sections: {}",
            SECTIONS.join(", ")
        ));
    }
    let wanted = |name: &str| only.is_empty() || only.iter().any(|n| n == name);
    let present =
        |bins: &'static [&'static str]| move || bins.iter().all(|b| Path::new(b).exists());
    apt_install("wrk", &["wrk"], &present(&["/usr/bin/wrk"]))?;
    apt_install("nginx", &["nginx"], &present(&["/usr/sbin/nginx"]))?;
    apt_install("brotli", &["brotli"], &present(&["/usr/bin/brotli"]))?;
    crate::tools::ensure_build_tools()?;
    build::app()?;
    let bin = build::bff("server")?;
    let mut rows = Vec::new();
    if wanted("first-load") {
        first_load(&mut rows)?;
    }
    if ["reads", "coalescing", "load", "browser"]
        .iter()
        .any(|s| wanted(s))
    {
        let server = bff::start(&bin, &["--rate-limit", "off"])?;
        if wanted("browser") {
            browser(&server, &mut rows)?;
        }
        if wanted("reads") {
            bff_figures(&server, &mut rows)?;
        }
        if wanted("coalescing") {
            coalescing(&server, &mut rows)?;
        }
        if wanted("load") {
            load(&server, &mut rows)?;
        }
    }
    if wanted("instructions") {
        instructions(&bin, &mut rows)?;
    }
    if wanted("streams") {
        // A BFF of its own, so the memory is the streams' and not the other runs'; its
        // queue sends all 100 tasks at once (the streams follow running tasks).
        let server = bff::start(&bin, &["--rate-limit", "off", "--max-in-flight", "1000"])?;
        streams(&server, &mut rows)?;
    }
    if wanted("big-create") {
        big_create(&bin, &mut rows)?;
    }
    if wanted("history") {
        history(&bin, &mut rows)?;
    }
    report(&rows, only.is_empty())
}

fn report(rows: &[Row], write: bool) -> Result<(), String> {
    let machine = cmd_output(Command::new("uname").args(["-srm"])).unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date =
        cmd_output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(md, "# Omni Studio benchmarks\n");
    let _ = writeln!(
        md,
        "Machine: {} ({cpus} CPUs); run {}",
        machine.trim(),
        date.trim()
    );
    let _ = writeln!(
        md,
        "Reproduce: `cargo xtask bench`. Everything on loopback, in one run.\n"
    );
    let _ = writeln!(md, "| area | figure | value | goal |\n|---|---|---|---|");
    for r in rows {
        let _ = writeln!(md, "| {} | {} | {} | {} |", r.area, r.what, r.value, r.goal);
    }
    print!("{md}");
    if !write {
        return Ok(());
    }
    let dir = root().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.md"), md).map_err(|e| e.to_string())?;
    println!("xtask: wrote bench/results.md");
    Ok(())
}
