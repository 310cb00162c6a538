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
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

/// The wasm target's flags for the release app: Leptos's `erase_components` (as
/// .cargo/config.toml gives every wasm build), the split points, and the relocations
/// wasm-split needs to move functions between modules.
pub const RUSTFLAGS: &str = "--cfg erase_components --cfg omni_split -C link-arg=--emit-relocs";

/// The module cargo built for Trunk.
const CARGO_WASM: &str = "target/wasm32-unknown-unknown/release/omni-studio.wasm";

/// wasm-opt at its smallest, as Trunk ran it before the split (index.html now asks Trunk
/// for none), with the features rustc's wasm target uses. A function with one caller is
/// inlined into it only when small (30 expressions; binaryen's default has no bound):
/// Chromium compiles a function when it first runs, so a large rarely taken path inlined
/// into a start-up function (the Chinese table into `t`) was compiled on every first
/// visit. Measured on /image: 3% less code compiled before the form is ready, and a
/// smaller module (385.9 KB brotli against 387.7).
const WASM_OPT: &[&str] = &[
    "-Oz",
    "--one-caller-inline-max-function-size=30",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Splits the app Trunk just built into `dist`.
pub fn split(dist: &Path) -> Result<(), String> {
    pad_trunk_hashes(dist)?;
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
        std::fs::rename(&optimised, dist.join(&hashed)).map_err(|e| e.to_string())?;
        loader = replace_once(
            &loader,
            &format!("\"./{name}\""),
            &format!("\"./{hashed}\""),
        )?;
    }
    // Which modules each page needs is read from the loader as wasm-split wrote it.
    let modules = modules_by_page(&loader)?;
    let loader = minify_js(&work, "loader", &loader)?;
    let loader_name = format!("__wasm_split-{:016x}.js", content_hash(loader.as_bytes()));
    write(&dist.join(&loader_name), &loader)?;
    // The main module and its glue, which imports the loader (by file; the wasm's own
    // import keeps the module name the glue hands it under).
    let glue = read(&bindgen.join(format!("{stem}.js")))?.replace(
        "from \"./__wasm_split.js\"",
        &format!("from \"./{loader_name}\""),
    );
    let glue = minify_js(&work, "glue", &glue)?;
    write(&dist.join(format!("{stem}.js")), &glue)?;
    wasm_opt(
        &bindgen.join(format!("{stem}_bg.wasm")),
        &dist.join(format!("{stem}_bg.wasm")),
    )?;
    let index = dist.join("index.html");
    let page = with_split(&read(&index)?, dist, &stem, &loader_name, &modules)?;
    write(&index, &page)
}

/// Trunk writes its content hash without leading zeros (`{:x}`), so about one build in
/// sixteen named a file with 15 hex digits, and the BFF and the README's nginx, which
/// take `NAME-<16 hex>` for hashed, served it as `no-cache` (an e2e test caught one).
/// Each such file is renamed with the same hash written in 16 digits, in index.html
/// too, before anything else reads the names.
fn pad_trunk_hashes(dist: &Path) -> Result<(), String> {
    let index = dist.join("index.html");
    let mut page = read(&index)?;
    for entry in std::fs::read_dir(dist).map_err(|e| e.to_string())? {
        let name = file_name(&entry.map_err(|e| e.to_string())?.path());
        let Some(padded) = padded_hash(&name) else {
            continue;
        };
        std::fs::rename(dist.join(&name), dist.join(&padded)).map_err(|e| e.to_string())?;
        page = page.replace(&format!("./{name}"), &format!("./{padded}"));
    }
    write(&index, &page)
}

/// The files Trunk names by their content (`NAME-<hash>(_bg).EXT`): what a server may
/// keep as immutable (the e2e static host's pattern is made from this list; the
/// README's nginx example spells it out).
pub const HASHED_EXTENSIONS: [&str; 4] = ["js", "wasm", "css", "svg"];

/// `NAME-<1 to 15 hex>(_bg).EXT` (one of [`HASHED_EXTENSIONS`]) with the hash in 16
/// digits; `None` for any other name.
fn padded_hash(name: &str) -> Option<String> {
    let (rest, extension) = name.rsplit_once('.')?;
    if !HASHED_EXTENSIONS.contains(&extension) {
        return None;
    }
    let (rest, bg) = match rest.strip_suffix("_bg") {
        Some(rest) => (rest, "_bg"),
        None => (rest, ""),
    };
    let (stem, hash) = rest.rsplit_once('-')?;
    let short = (1..16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit());
    short.then(|| format!("{stem}-{hash:0>16}{bg}.{extension}"))
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

/// The modules each lazy page needs, by its function's name (`page_tasks_id`), and the
/// sign-in gate's (`gate`): its own and every chunk it waits for, as the loader fetches
/// them. In the loader a module is `const __chunk_N = makeLoad(...` or
/// `export const __wasm_split_load_NAME_HASH = wrapAsyncCb(makeLoad(...`, then its file
/// (`new URL("./FILE"`) and its dependencies (`, [__chunk_3, __chunk_9]`).
fn modules_by_page(loader: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    // Variable -> (file, dependencies), in the order the loader declares them.
    let mut modules: Vec<(String, String, Vec<String>)> = Vec::new();
    for line in loader.lines() {
        let declared = line
            .strip_prefix("const ")
            .or_else(|| line.strip_prefix("export const "))
            .and_then(|l| l.split_once(" = "))
            .filter(|(_, rest)| rest.contains("makeLoad("));
        if let Some((name, _)) = declared {
            modules.push((name.to_owned(), String::new(), Vec::new()));
        } else if let (Some(m), Some(at)) = (modules.last_mut(), line.find("new URL(\"./")) {
            let file = &line[at + "new URL(\"./".len()..];
            m.1 = file[..file.find('"').unwrap_or(0)].to_owned();
        } else if let (Some(m), Some(list)) = (modules.last_mut(), line.strip_prefix(", [")) {
            let list = &list[..list.find(']').unwrap_or(0)];
            m.2 = list
                .split(", ")
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
        }
    }
    let file_of = |var: &str| modules.iter().find(|m| m.0 == var);
    let mut pages = BTreeMap::new();
    for (var, file, deps) in &modules {
        // Pages, and the sign-in gate, which runs before any page where the BFF needs a
        // sign-in; the other split points (src/deferred.rs) load when called.
        let Some(page) = var.strip_prefix("__wasm_split_load_").and_then(|p| {
            match p.strip_prefix("page_") {
                // `page_tasks_id_14047773793667930268`: the macro's hash after the name.
                Some(_) => Some(p.rsplit_once('_').map_or(p, |(name, _)| name)),
                None => (p == "gate").then_some(p),
            }
        }) else {
            continue;
        };
        let mut files = vec![file.clone()];
        let mut waiting: Vec<&String> = deps.iter().collect();
        while let Some(dep) = waiting.pop() {
            let (_, file, more) = file_of(dep).ok_or(format!("the split loader has no {dep}"))?;
            if !files.contains(file) {
                files.push(file.clone());
                waiting.extend(more);
            }
        }
        if files.iter().any(String::is_empty) {
            return Err(format!(
                "the split loader names no file for a module of {page}"
            ));
        }
        pages.insert(page.to_owned(), files);
    }
    if pages.is_empty() {
        return Err("the split loader loads no page: was the app built with omni_split?".into());
    }
    Ok(pages)
}

/// index.html with the integrity of the glue made anew (Trunk hashed the file it wrote,
/// which the split replaced) and none on the main module's preload: Chromium ignores
/// integrity on a `fetch` preload and says so in the console on every visit, and the
/// glue's own request for the module carries none, so it checked nothing. The loader is
/// preloaded beside the glue, so the browser fetches both at once, and each page's
/// modules go in as data (`omni-split`) before the first script, which preloads those
/// of the page it opens.
fn with_split(
    page: &str,
    dist: &Path,
    stem: &str,
    loader: &str,
    modules: &BTreeMap<String, Vec<String>>,
) -> Result<String, String> {
    let mut page = page.to_owned();
    let glue = format!("{stem}.js");
    let (start, end) = integrity_value(&page, &glue)?;
    page.replace_range(start..end, &integrity(&dist.join(&glue))?);
    let wasm = format!("{stem}_bg.wasm");
    let (start, end) = integrity_value(&page, &wasm)?;
    page.replace_range(start - " integrity=".len()..end, "");
    let preload = format!("<link href=./{loader} rel=modulepreload>");
    let head_end = page.find("</head>").ok_or("index.html has no </head>")?;
    page.insert_str(head_end, &preload);
    let script = page.find("<script").ok_or("index.html has no script")?;
    page.insert_str(
        script,
        &format!(
            "<script id=omni-split type=application/json>{}</script>",
            json_object(modules)?
        ),
    );
    Ok(page)
}

/// Where the value of the `integrity` attribute of `file`'s preload link is in `page`.
fn integrity_value(page: &str, file: &str) -> Result<(usize, usize), String> {
    let attribute = format!("href=./{file} integrity=");
    let start = page
        .find(&attribute)
        .ok_or(format!("index.html does not preload {file}"))?
        + attribute.len();
    let end = page[start..]
        .find([' ', '>'])
        .map_or(page.len(), |i| start + i);
    Ok((start, end))
}

/// `{"page":["file",...],...}`: names and files are identifiers and file names, which
/// need no escaping; one that would is an error (left out, its page would lose its
/// preload without a word).
fn json_object(modules: &BTreeMap<String, Vec<String>>) -> Result<String, String> {
    let quoted = |s: &str| {
        if s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            Ok(format!("\"{s}\""))
        } else {
            Err(format!(
                "the split module name {s:?} is not a plain file name"
            ))
        }
    };
    let entries = modules
        .iter()
        .map(|(page, files)| {
            let files = files
                .iter()
                .map(|f| quoted(f))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("{}:[{}]", quoted(page)?, files.join(",")))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(format!("{{{}}}", entries.join(",")))
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

/// `source`, an ES module, minified by terser. Trunk minifies the JavaScript it writes,
/// but the glue and the loader are written after it (measured on the glue: 68 KB to 31
/// KB, 9.0 to 7.2 KB brotli). Names are shortened inside the module only: exports and
/// the wasm's import keys are properties and strings, which terser leaves alone.
fn minify_js(work: &Path, name: &str, source: &str) -> Result<String, String> {
    let from = work.join(format!("{name}.js"));
    let to = work.join(format!("{name}.min.js"));
    write(&from, source)?;
    run_checked(
        cmd("terser")
            .arg(&from)
            .args(["--module", "--compress", "--mangle", "-o"])
            .arg(&to),
    )?;
    read(&to)
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

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
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
    fn each_page_needs_its_module_and_every_chunk_it_waits_for() {
        let loader = r#"import { initSync } from "./app.js";
const __chunk_8 = makeLoad(() => {
    const src = fetch(new URL("./chunk_8-aa.wasm", import.meta.url));
}
, []);
const __chunk_9 = makeLoad(() => {
    const src = fetch(new URL("./chunk_9-bb.wasm", import.meta.url));
}
, [__chunk_8]);
export const __wasm_split_load_page_tasks_id_1404 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_page_tasks_id_1404-cc.wasm", import.meta.url));
}
, [__chunk_9]));
export const __wasm_split_load_page_video_1404 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_page_video_1404-dd.wasm", import.meta.url));
}
, []));
export const __wasm_split_load_read_error = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_read_error-ee.wasm", import.meta.url));
}
, [__chunk_8]));
export const __wasm_split_load_gate = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_gate-ff.wasm", import.meta.url));
}
, [__chunk_8]));
"#;
        let pages = modules_by_page(loader).unwrap();
        assert_eq!(
            pages["page_tasks_id"],
            [
                "split_page_tasks_id_1404-cc.wasm",
                "chunk_9-bb.wasm",
                "chunk_8-aa.wasm"
            ]
        );
        assert_eq!(pages["page_video"], ["split_page_video_1404-dd.wasm"]);
        assert_eq!(pages["gate"], ["split_gate-ff.wasm", "chunk_8-aa.wasm"]);
        assert_eq!(
            pages.len(),
            3,
            "another deferred function is not a page: {pages:?}"
        );
        assert!(modules_by_page("import x;").is_err(), "no page is an error");
    }

    #[test]
    fn a_name_that_would_need_escaping_fails_the_build() {
        let plain = BTreeMap::from([("page_x".to_owned(), vec!["a-01.wasm".to_owned()])]);
        assert_eq!(json_object(&plain).unwrap(), r#"{"page_x":["a-01.wasm"]}"#);
        for (page, file) in [("page_x", "a\"b.wasm"), ("page<x", "a.wasm")] {
            let odd = BTreeMap::from([(page.to_owned(), vec![file.to_owned()])]);
            assert!(json_object(&odd).is_err(), "{page} {file}");
        }
    }

    #[test]
    fn a_short_trunk_hash_is_written_in_16_digits() {
        assert_eq!(
            padded_hash("omni-studio-39700a9183e6c7b_bg.wasm").as_deref(),
            Some("omni-studio-039700a9183e6c7b_bg.wasm")
        );
        assert_eq!(
            padded_hash("main-abc.css").as_deref(),
            Some("main-0000000000000abc.css")
        );
        assert_eq!(
            padded_hash("favicon-ce7eb70bae674e2.svg").as_deref(),
            Some("favicon-0ce7eb70bae674e2.svg")
        );
        for kept in [
            "omni-studio-1234567890abcdef.js",
            "index.html",
            "config.json",
            "favicon-12.png",
            "main.css",
            "a-xyz.js",
        ] {
            assert_eq!(padded_hash(kept), None, "{kept}");
        }
    }

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
    fn the_page_gets_fresh_integrity_for_the_glue_none_for_the_module_and_the_loader() {
        let dir = std::env::temp_dir().join(format!("omni-split-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app-1.js"), "glue").unwrap();
        std::fs::write(dir.join("app-1_bg.wasm"), "wasm").unwrap();
        let page = "<head><link crossorigin href=./app-1.js integrity=sha384-old rel=modulepreload>\
                    <link as=fetch crossorigin href=./app-1_bg.wasm integrity=sha384-old2 rel=preload></head>";
        let modules = BTreeMap::from([("page_x".to_owned(), vec!["split_x-01.wasm".to_owned()])]);
        let page = format!("<title>t</title><script>base()</script>{page}");
        let out = with_split(&page, &dir, "app-1", "__wasm_split-00.js", &modules).unwrap();
        assert!(out.starts_with(
            "<title>t</title><script id=omni-split type=application/json>{\"page_x\":[\"split_x-01.wasm\"]}</script><script>base()"
        ), "{out}");
        // `printf glue | sha384sum`, in base64.
        let glue = "sha384-OQbpQaJL4O579hGvzBmML/8pgAWF5AO3MV2W+sJNoPxYBrIh5sYlxhRs3CI7K+FV";
        assert!(
            out.contains(&format!("href=./app-1.js integrity={glue} rel")),
            "{out}"
        );
        assert!(!out.contains("sha384-old"), "{out}");
        assert!(
            out.contains("<link as=fetch crossorigin href=./app-1_bg.wasm rel=preload>"),
            "{out}"
        );
        assert!(out.ends_with("<link href=./__wasm_split-00.js rel=modulepreload></head>"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
