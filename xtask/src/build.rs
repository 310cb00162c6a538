//! Builds and test runs, each a child process from the workspace root.

use crate::process::{cmd, root, run_checked};
use crate::tools::CHROMEDRIVER;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The app in release mode into `dist/`, split by route, with its precompressed copies.
pub fn app() -> Result<(), String> {
    println!("xtask: building the app (release)");
    // `--release=true`: a bare `--release` before a path is misparsed by trunk 0.21.
    run_checked(cmd("trunk").args(["build", "--release=true"]).env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
        crate::split::RUSTFLAGS,
    ))?;
    let dist = root().join("dist");
    crate::split::split(&dist)?;
    precompress(&dist)
}

/// The file types worth compressing (images and video are compressed already).
const COMPRESSIBLE: &[&str] = &["html", "js", "wasm", "css", "json", "svg", "txt"];

/// Brotli (best level) and gzip (-9) copies beside every compressible file of `dist`
/// (`x.wasm.br`, `x.wasm.gz`): omni-bff and a static host send them to browsers that
/// accept them instead of compressing on every request; brotli's best level takes
/// seconds for the wasm, so it is done once, here.
pub fn precompress(dist: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !path.is_file() || !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        // -k keeps the original, -f replaces an old copy, -n leaves the name and time
        // out of the gzip header so the same input makes the same bytes.
        run_checked(
            Command::new("gzip")
                .args(["-9", "-k", "-f", "-n"])
                .arg(&path),
        )?;
        run_checked(
            Command::new("brotli")
                .args(["-q", "11", "-k", "-f"])
                .arg(&path),
        )?;
    }
    Ok(())
}

/// Builds omni-bff with `profile` and returns the binary's path.
pub fn bff(profile: &str) -> Result<PathBuf, String> {
    println!("xtask: building omni-bff ({profile})");
    run_checked(cmd("cargo").args(["build", "--locked", "-p", "omni-bff", "--profile", profile]))?;
    let dir = if profile == "dev" { "debug" } else { profile };
    Ok(root().join("target").join(dir).join("omni-bff"))
}

/// Unit, property and BFF API tests (the BFF runs inside the test process, or as a child
/// process where a test needs one; the
/// PostgreSQL ones use the server at `postgres_url`, the S3 ones `s3_endpoint`).
pub fn native_tests(postgres_url: &str, s3_endpoint: &str) -> Result<(), String> {
    let openapi_tools = crate::tools::ensure_openapi_tools()?;
    println!("xtask: native tests");
    run_checked(
        cmd("cargo")
            .env("OMNI_TEST_POSTGRES_URL", postgres_url)
            .env("OMNI_TEST_OPENAPI_TOOLS", &openapi_tools)
            .env("OMNI_TEST_S3_ENDPOINT", s3_endpoint)
            // The app is built first: the secrets test searches dist/ too.
            .env("OMNI_TEST_REQUIRE_DIST", "1")
            .args([
                "test",
                "--locked",
                "--workspace",
                "--exclude",
                "omni-studio",
            ]),
    )
}

/// Formatting and lints, as errors: rustfmt over the workspace, clippy over the native
/// crates and over the app for the browser.
pub fn lint() -> Result<(), String> {
    println!("xtask: rustfmt and clippy");
    let components = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    for c in ["rustfmt", "clippy"] {
        if !components.lines().any(|l| l.starts_with(c)) {
            run_checked(cmd("rustup").args(["component", "add", c]))?;
        }
    }
    run_checked(cmd("cargo").args(["fmt", "--all", "--check"]))?;
    run_checked(cmd("cargo").args([
        "clippy",
        "--locked",
        "--workspace",
        "--exclude",
        "omni-studio",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run_checked(cmd("cargo").args([
        "clippy",
        "--locked",
        "-p",
        "omni-studio",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// The app's wasm-bindgen tests in headless Chromium through ChromeDriver.
pub fn wasm_tests() -> Result<(), String> {
    println!("xtask: wasm browser tests");
    run_checked(
        cmd("cargo")
            .args([
                "test",
                "--locked",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "omni-studio",
                "--tests",
            ])
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )
}
