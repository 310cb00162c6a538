//! Tool set-up: what a machine with only the base image lacks is installed here, and
//! what is already at the right version is left alone so a warm run takes seconds.

use crate::process::{cmd, root, run_checked, tool_path};
use std::process::Command;

/// The Trunk release that works with this toolchain (0.22 needs a newer rustc).
pub const TRUNK_VERSION: &str = "0.21.14";

fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .env("PATH", tool_path())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The wasm-bindgen version the lockfile pins; the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen".into())
}

/// The wasm target, Trunk, wasm-bindgen-cli, npm packages and the crates, offline-ready.
pub fn ensure_build_tools() -> Result<(), String> {
    // brotli makes dist/'s precompressed copies (gzip is in every base image).
    apt_install("brotli", &["brotli"], &|| {
        std::path::Path::new("/usr/bin/brotli").exists()
    })?;
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let has_wasm = targets
        .as_ref()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"));
    if !has_wasm {
        run_checked(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if version_of("trunk").as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        println!("xtask: installing trunk {TRUNK_VERSION} (a few minutes, once)");
        run_checked(
            cmd("cargo")
                .args([
                    "install",
                    "--locked",
                    "--no-default-features",
                    &format!("trunk@{TRUNK_VERSION}"),
                ])
                // Thin builds: the tool's speed does not matter, its compile time does.
                .env("CARGO_PROFILE_RELEASE_LTO", "false")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        )?;
    }
    let wbg = wasm_bindgen_version()?;
    if version_of("wasm-bindgen").as_deref() != Some(&format!("wasm-bindgen {wbg}")) {
        println!("xtask: installing wasm-bindgen-cli {wbg} (a few minutes, once)");
        // Not --locked: its lockfile pins a crate version the registry lacks.
        run_checked(cmd("cargo").args([
            "install",
            "--no-default-features",
            &format!("wasm-bindgen-cli@{wbg}"),
        ]))?;
    }
    ensure_wasm_split()?;
    let e2e = root().join("e2e");
    let npm_ready = ["wasm-opt", "terser"]
        .iter()
        .all(|bin| e2e.join("node_modules/.bin").join(bin).exists())
        && ["playwright-core", "axe-core"].iter().all(|p| {
            e2e.join("node_modules")
                .join(p)
                .join("package.json")
                .exists()
        });
    if !npm_ready {
        run_checked(
            cmd("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&e2e),
        )?;
    }
    // Trunk runs cargo --offline, so every crate must already be here.
    run_checked(cmd("cargo").args(["fetch", "--locked"]))?;
    Ok(())
}

/// The wasm-split release that reads the split points of the wasm_split_helpers in
/// Cargo.lock (0.2.x).
pub const WASM_SPLIT_VERSION: &str = "0.2.4";

/// wasm-split's command line (`wasm-split-cli`), which has no `--version`: cargo's list
/// of installed crates says which one is there.
fn ensure_wasm_split() -> Result<(), String> {
    let installed = crate::process::cmd_output(cmd("cargo").args(["install", "--list"]))?;
    if installed.contains(&format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:")) {
        return Ok(());
    }
    println!("xtask: installing wasm-split {WASM_SPLIT_VERSION} (a minute, once)");
    run_checked(
        cmd("cargo")
            .args([
                "install",
                "--locked",
                "--features",
                "build-binary",
                &format!("wasm_split_cli_support@{WASM_SPLIT_VERSION}"),
            ])
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    )
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Debian's Chromium and ChromeDriver: installed with apt when missing and we are root,
/// otherwise the exact command to run is printed.
pub fn ensure_browser() -> Result<(), String> {
    let present =
        || std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    apt_install(
        "Chromium and ChromeDriver",
        &["chromium", "chromium-driver"],
        &present,
    )
}

/// What the operability tests check with: `promtool` (Debian's prometheus package,
/// without the server's recommended extras) and `systemd-analyze`.
pub fn ensure_operator_tools() -> Result<(), String> {
    let exists = |p: &'static str| move || std::path::Path::new(p).exists();
    apt_install(
        "promtool",
        &["--no-install-recommends", "prometheus"],
        &exists("/usr/bin/promtool"),
    )?;
    apt_install(
        "systemd-analyze",
        &["--no-install-recommends", "systemd"],
        &exists("/usr/bin/systemd-analyze"),
    )
}

/// PyPI's OpenAPI validator and client generator, pinned, in their own virtualenv
/// under target/ (installed the first time); answers the virtualenv.
pub fn ensure_openapi_tools() -> Result<std::path::PathBuf, String> {
    const TOOLS: [&str; 2] = [
        "openapi-spec-validator==0.7.1",
        "openapi-python-client==0.29.1",
    ];
    let venv = crate::process::root().join("target").join("openapi-tools");
    let stamp = venv.join("installed.txt");
    let wanted = TOOLS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        println!(
            "xtask: installing {} into {}",
            TOOLS.join(", "),
            venv.display()
        );
        run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run_checked(
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(TOOLS),
        )?;
        std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    }
    Ok(venv)
}

/// Whether this process runs as root (apt works, PostgreSQL needs another user).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs Debian `packages` unless `present()` already holds; as root with apt,
/// otherwise failing with the exact command to run.
pub fn apt_install(
    what: &str,
    packages: &[&str],
    present: &dyn Fn() -> bool,
) -> Result<(), String> {
    if present() {
        return Ok(());
    }
    let install = format!(
        "apt-get update && apt-get install -y {}",
        packages.join(" ")
    );
    if !is_root() {
        return Err(format!("{what} missing; run as root: {install}"));
    }
    println!("xtask: installing {what} with apt");
    run_checked(cmd("sh").args(["-c", &format!("DEBIAN_FRONTEND=noninteractive {install}")]))?;
    if present() {
        Ok(())
    } else {
        Err(format!("{install} did not provide {what}"))
    }
}
