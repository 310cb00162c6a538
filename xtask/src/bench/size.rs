//! What a first visit downloads, and the wasm's code by crate.

use super::{cmd_output, Row};
use crate::process::{cmd, root, run_checked};
use std::path::Path;
use std::process::Command;

pub(super) fn compressed(path: &Path, tool: &str, level: &[&str]) -> Result<usize, String> {
    let out = Command::new(tool)
        .args(level)
        .arg("-c")
        .arg(path)
        .output()
        .map_err(|e| format!("{tool}: {e}"))?;
    Ok(out.stdout.len())
}

/// Bytes a first visit to `/image` downloads, raw / gzip -9 / brotli -q 11: index.html
/// and the files it names (stylesheet, glue, main module, split loader), summed by type.
/// The pages split off load only when their route is opened (the browser section
/// weighs each route's visit as served).
pub(super) fn first_load(rows: &mut Vec<Row>) -> Result<(), String> {
    let dist = root().join("dist");
    let index = std::fs::read_to_string(dist.join("index.html"))
        .map_err(|e| format!("{}: {e}", dist.display()))?;
    let mut files: Vec<_> = std::fs::read_dir(&dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut total = (0, 0, 0);
    for ext in ["html", "css", "js", "wasm"] {
        let mut sum = (0, 0, 0);
        for path in &files {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let named = name == "index.html" || index.contains(&format!("./{name}"));
            if !named || path.extension().and_then(|e| e.to_str()) != Some(ext) {
                continue;
            }
            let raw = std::fs::metadata(path)
                .map(|m| m.len() as usize)
                .unwrap_or(0);
            sum.0 += raw;
            sum.1 += compressed(path, "gzip", &["-9"])?;
            sum.2 += compressed(path, "brotli", &["-q", "11"])?;
        }
        total = (total.0 + sum.0, total.1 + sum.1, total.2 + sum.2);
        rows.push(Row {
            area: "first load",
            goal: "",
            what: format!("{ext} bytes (raw / gzip / brotli)"),
            value: format!("{} / {} / {}", sum.0, sum.1, sum.2),
        });
    }
    rows.push(Row {
        area: "first load",
        goal: "≤ 150 KB brotli",
        what: "total bytes, /image (raw / gzip / brotli)".into(),
        value: format!("{} / {} / {}", total.0, total.1, total.2),
    });
    wasm_by_crate(rows)
}

/// The wasm's code by crate (twiggy, on the whole module cargo built, before wasm-split,
/// wasm-bindgen and wasm-opt: the shares, not the shipped bytes), so a size regression
/// has a name.
pub(super) fn wasm_by_crate(rows: &mut Vec<Row>) -> Result<(), String> {
    if !crate::process::cargo_bin().join("twiggy").exists() {
        println!("xtask: installing twiggy (a few minutes, once)");
        run_checked(cmd("cargo").args(["install", "--locked", "twiggy"]))?;
    }
    let wasm = root().join("target/wasm32-unknown-unknown/release/omni-studio.wasm");
    let csv = cmd_output(
        cmd("twiggy")
            .args(["top", "-n", "1000000", "-f", "csv"])
            .arg(&wasm),
    )?;
    let mut by_crate: std::collections::HashMap<String, u64> = Default::default();
    let mut code = 0;
    for line in csv.lines().skip(1) {
        // Name,ShallowSize,...: the name may hold commas, the four numbers do not.
        let mut cols = line.rsplitn(5, ',');
        let (Some(_), Some(_), Some(_), Some(size), Some(name)) = (
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
        ) else {
            continue;
        };
        let Ok(size) = size.parse::<u64>() else {
            continue;
        };
        let name = name.trim_matches('"');
        // Debug names and wasm-bindgen's own section are gone from the shipped file.
        if name.contains("subsection")
            || name.starts_with("custom section")
            || name.contains("__wbindgen_describe")
            || name.contains("WasmDescribe")
        {
            continue;
        }
        code += size;
        *by_crate.entry(crate_of(name)).or_default() += size;
    }
    let mut list: Vec<_> = by_crate.into_iter().collect();
    list.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    for (name, size) in list.into_iter().take(12) {
        rows.push(Row {
            area: "wasm code by crate (whole app, before split and wasm-opt)",
            goal: "",
            what: name,
            value: format!(
                "{size} bytes ({:.1}%)",
                size as f64 * 100.0 / code.max(1) as f64
            ),
        });
    }
    Ok(())
}

/// The crate an item's path starts with: `<&mut serde_json::de::X as ...>::f` is
/// serde_json's, `core[1a2b]::fmt::write` is core's; `<T as tachys::...>::f` (a generic
/// self type) is the trait's crate's; data segments are `(data)`.
pub(super) fn crate_of(name: &str) -> String {
    if name.starts_with("data segment") {
        return "(data)".into();
    }
    leading_crate(name)
        .or_else(|| {
            name.find(" as ")
                .and_then(|at| leading_crate(&name[at + 4..]))
        })
        .unwrap_or_else(|| "(other)".into())
}

pub(super) fn leading_crate(path: &str) -> Option<String> {
    let path = path
        .trim_start_matches(['<', '&', '*', '('])
        .trim_start_matches("mut ")
        .trim_start_matches("const ")
        .trim_start_matches("dyn ");
    let end = path
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(path.len());
    let rest = &path[end..];
    (end > 0 && (rest.starts_with("::") || rest.starts_with('['))).then(|| path[..end].to_owned())
}
