//! The release app split by route. Trunk builds the app as one module; this step then
//! takes the module cargo built (with the `omni_split` cfg, so each lazy page's function
//! is a split point, and with relocations) and splits it with wasm-split: a main module
//! holding the shell and `/image`, one module per lazy page, and chunks of code two
//! pages share, plus the loader (`__wasm_split-HASH.js`) that fetches them. The main
//! module goes through wasm-bindgen under Trunk's name, and every module through
//! wasm-opt, into `dist/`; index.html keeps Trunk's names, with fresh integrity hashes
//! for the files replaced and the loader preloaded.
//!
//! Each split module is named by its content (`NAME-<16 hex>.wasm`, as Trunk names its
//! files), so the servers keep it as immutable and a new build never meets a stale one.
//! The loader fetches them relative to its own address, so one `dist/` still works under
//! any prefix and embedded.

use crate::process::{cmd, root, run_checked};
use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

/// The wasm target's flags for the release app: Leptos's `erase_components` (as
/// .cargo/config.toml gives every wasm build), the split points, and the relocations
/// wasm-split needs to move functions between modules.
pub const RUSTFLAGS: &str = "--cfg erase_components --cfg omni_split -C link-arg=--emit-relocs";

/// The module cargo built for Trunk.
const CARGO_WASM: &str = "target/wasm32-unknown-unknown/release/omni-studio.wasm";

/// wasm-opt at its smallest, as Trunk ran it before the split (index.html now asks Trunk
/// for none), with the features rustc's wasm target uses.
const WASM_OPT: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Splits the app Trunk just built into `dist`.
pub fn split(dist: &Path) -> Result<(), String> {
    let stem = bindgen_stem(dist)?;
    let work = root().join("target/wasm-split");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    run_checked(
        cmd("wasm-split-cli")
            .arg(root().join(CARGO_WASM))
            .arg(&work)
            .args(["--out-name", &stem]),
    )?;
    let main = format!("{stem}.wasm");
    let bindgen = work.join("bindgen");
    run_checked(
        cmd("wasm-bindgen")
            // The split modules share the main one's function table, an export lld made.
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
            .args(["--out-name", &stem])
            .arg("--out-dir")
            .arg(&bindgen)
            .arg(work.join(&main)),
    )?;
    // The split modules, optimised and named by their content.
    let mut loader = read(&work.join("__wasm_split.js"))?;
    for entry in std::fs::read_dir(&work).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = file_name(&path);
        if !name.ends_with(".wasm") || name == main {
            continue;
        }
        let optimised = work.join(format!("opt-{name}"));
        wasm_opt(&path, &optimised)?;
        let bytes = std::fs::read(&optimised).map_err(|e| e.to_string())?;
        let hashed = format!(
            "{}-{:016x}.wasm",
            name.trim_end_matches(".wasm"),
            content_hash(&bytes)
        );
        std::fs::write(dist.join(&hashed), &bytes).map_err(|e| e.to_string())?;
        loader = replace_once(
            &loader,
            &format!("\"./{name}\""),
            &format!("\"./{hashed}\""),
        )?;
    }
    let loader_name = format!("__wasm_split-{:016x}.js", content_hash(loader.as_bytes()));
    std::fs::write(dist.join(&loader_name), &loader).map_err(|e| e.to_string())?;
    // The main module and its glue, which imports the loader (by file; the wasm's own
    // import keeps the module name the glue hands it under).
    let glue = read(&bindgen.join(format!("{stem}.js")))?.replace(
        "from \"./__wasm_split.js\"",
        &format!("from \"./{loader_name}\""),
    );
    std::fs::write(dist.join(format!("{stem}.js")), glue).map_err(|e| e.to_string())?;
    wasm_opt(
        &bindgen.join(format!("{stem}_bg.wasm")),
        &dist.join(format!("{stem}_bg.wasm")),
    )?;
    let index = dist.join("index.html");
    let page = with_split(&read(&index)?, dist, &stem, &loader_name)?;
    std::fs::write(&index, page).map_err(|e| e.to_string())
}

/// `omni-studio-<hash>`: the name Trunk gave wasm-bindgen's output in `dist`.
fn bindgen_stem(dist: &Path) -> Result<String, String> {
    std::fs::read_dir(dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| file_name(&e.path())))
        .find_map(|n| {
            n.strip_suffix("_bg.wasm")
                .filter(|s| s.starts_with("omni-studio-"))
                .map(str::to_owned)
        })
        .ok_or(format!("no omni-studio-*_bg.wasm in {}", dist.display()))
}

/// index.html with the integrity of the glue and the main module made anew (Trunk
/// hashed the files it wrote, which the split replaced) and the loader preloaded beside
/// the glue, so the browser fetches both at once.
fn with_split(page: &str, dist: &Path, stem: &str, loader: &str) -> Result<String, String> {
    let mut page = page.to_owned();
    for file in [format!("{stem}.js"), format!("{stem}_bg.wasm")] {
        let at = page
            .find(&format!("href=./{file} integrity="))
            .ok_or(format!("index.html does not preload {file}"))?;
        let start = page[at..]
            .find("integrity=")
            .map(|i| at + i + "integrity=".len())
            .unwrap_or(at);
        let end = page[start..]
            .find([' ', '>'])
            .map_or(page.len(), |i| start + i);
        page.replace_range(start..end, &integrity(&dist.join(&file))?);
    }
    let preload = format!("<link href=./{loader} rel=modulepreload>");
    let head_end = page.find("</head>").ok_or("index.html has no </head>")?;
    page.insert_str(head_end, &preload);
    Ok(page)
}

/// The subresource integrity of `path`: `sha384-` and the digest in base64.
fn integrity(path: &Path) -> Result<String, String> {
    let out = crate::process::cmd_output(cmd("sha384sum").arg(path))?;
    let hex = out.split_whitespace().next().unwrap_or("");
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    if bytes.len() != 48 {
        return Err(format!("sha384sum {}: {out}", path.display()));
    }
    Ok(format!("sha384-{}", base64(&bytes)))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A name for content: not cryptographic, only different when the bytes are.
fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

fn wasm_opt(from: &Path, to: &Path) -> Result<(), String> {
    run_checked(cmd("wasm-opt").args(WASM_OPT).arg(from).arg("-o").arg(to))
}

/// `text` with its one `from` replaced: the loader names each module once, and a name
/// not found would leave a module the loader cannot fetch.
fn replace_once(text: &str, from: &str, to: &str) -> Result<String, String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!("the split loader names {from} {n} times, not once")),
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_the_standard_alphabet_with_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn the_page_gets_fresh_integrity_and_the_loader() {
        let dir = std::env::temp_dir().join(format!("omni-split-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app-1.js"), "glue").unwrap();
        std::fs::write(dir.join("app-1_bg.wasm"), "wasm").unwrap();
        let page = "<head><link crossorigin href=./app-1.js integrity=sha384-old rel=modulepreload>\
                    <link as=fetch crossorigin href=./app-1_bg.wasm integrity=sha384-old2 rel=preload></head>";
        let out = with_split(page, &dir, "app-1", "__wasm_split-00.js").unwrap();
        // `printf glue | sha384sum`, in base64.
        let glue = "sha384-OQbpQaJL4O579hGvzBmML/8pgAWF5AO3MV2W+sJNoPxYBrIh5sYlxhRs3CI7K+FV";
        assert!(
            out.contains(&format!("href=./app-1.js integrity={glue} rel")),
            "{out}"
        );
        assert!(!out.contains("sha384-old"), "{out}");
        assert!(out.ends_with("<link href=./__wasm_split-00.js rel=modulepreload></head>"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
