//! Child processes: the workspace root, the tools' PATH, and running a command so its
//! failure names the command line. Every other xtask module builds on this one.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A command run from the workspace root with the tools on PATH.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", tool_path());
    c
}

/// Runs a command, failing with its command line when it does not succeed.
pub fn run_checked(c: &mut Command) -> Result<(), String> {
    let line = format!("{:?}", c);
    let status = c
        .status()
        .map_err(|e| format!("cannot start {line}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{line} exited with {status}"))
    }
}

/// Runs a command and answers what it wrote, failing with its error output.
pub fn cmd_output(c: &mut Command) -> Result<String, String> {
    let out = c.output().map_err(|e| format!("cannot run {c:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{c:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Where cargo installs binaries.
pub fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// PATH with npm's wasm-opt and cargo's binaries first: Debian's older wasm-opt
/// produces a module the browser rejects.
pub fn tool_path() -> String {
    let npm_bin = root().join("e2e/node_modules/.bin");
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{old}", npm_bin.display(), cargo_bin().display())
}

/// A command for `program`, run by `prefix` when there is one (`valgrind ...`).
pub fn under(prefix: &[String], program: impl AsRef<std::ffi::OsStr>) -> Command {
    match prefix.split_first() {
        Some((runner, args)) => {
            let mut c = Command::new(runner);
            c.args(args).arg(program);
            c
        }
        None => Command::new(program),
    }
}
