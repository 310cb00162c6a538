//! The import-cycle check: within each crate, a module that uses another (through
//! `crate::` or `super::` paths, in `use` trees or inline) depends on it, and no two
//! modules may depend on each other, however long the loop. A cycle means a module sits
//! in the wrong layer. The crate root is left out: it only declares and re-exports. A
//! parent reaching its own submodules by relative path (`use tasks::create` in
//! `simulator/mod.rs`) is part of declaring them and is not counted; a child's
//! `use super::Sim` is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates checked: their source folder and root file.
const CRATES: &[(&str, &str)] = &[
    ("src", "lib.rs"),
    ("crates/omni-api/src", "lib.rs"),
    ("crates/omni-bff/src", "lib.rs"),
    ("xtask/src", "main.rs"),
];

type Module = Vec<String>;

/// Fails with every cycle found, one line each.
pub fn check(root: &Path) -> Result<(), String> {
    let mut found = Vec::new();
    for (dir, root_file) in CRATES {
        let graph = graph_of(&root.join(dir), root_file)?;
        for cycle in cycles(&graph) {
            // Every use inside the loop, so the one to move is easy to see.
            let name = |m: &Module| format!("{dir}::{}", m.join("::"));
            let edges: Vec<String> = cycle
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| cycle.contains(b))
                        .map(move |b| format!("{} uses {}", name(a), name(b)))
                })
                .collect();
            found.push(format!(
                "a cycle of {} modules: {}",
                cycle.len(),
                edges.join("; ")
            ));
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "import cycles between modules:\n  {}",
            found.join("\n  ")
        ))
    }
}

/// Each module of the crate in `dir` and the modules it uses.
fn graph_of(dir: &Path, root_file: &str) -> Result<BTreeMap<Module, BTreeSet<Module>>, String> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    let modules: BTreeMap<Module, PathBuf> = files
        .into_iter()
        .filter_map(|f| module_of(dir, &f, root_file).map(|m| (m, f)))
        .collect();
    let known: BTreeSet<Module> = modules.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut uses = BTreeSet::new();
        for path in paths_in(&strip(&text), module) {
            if let Some(target) = resolve(&path, &known) {
                if !target.is_empty() && &target != module {
                    uses.insert(target);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    Ok(graph)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `a/b.rs` and `a/b/mod.rs` are module `a::b`; the root file is the empty path; other
/// binaries (`main.rs` beside `lib.rs`, `bin/`) are not part of the library's tree.
fn module_of(dir: &Path, file: &Path, root_file: &str) -> Option<Module> {
    let rel = file.strip_prefix(dir).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    if parts.is_empty() && last == root_file {
        return Some(Vec::new());
    }
    if parts.first().is_some_and(|p| p == "bin")
        || (parts.is_empty() && (last == "main.rs" || last == "lib.rs"))
    {
        return None;
    }
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_owned());
    }
    Some(parts)
}

/// The text without comments, strings and character literals (a path in a doc comment
/// or a message is not a use).
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '/' if b.get(i + 1) == Some(&'/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            }
            '/' if b.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            'r' if b.get(i + 1) == Some(&'#')
                || (b.get(i + 1) == Some(&'"') && !ident_char(b.get(i.wrapping_sub(1)))) =>
            {
                // A raw string: r"..." or r#"..."#.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&'"') {
                    out.push(b[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    if j >= b.len() {
                        break;
                    }
                    if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            '"' => {
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            '\'' => {
                // A char literal ('a', '\n', '\u{..}') or a lifetime ('a): skip only literals.
                if b.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < b.len() && b[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if b.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    out.push('\'');
                    i += 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Every `crate::`/`super::` path in `text` (of `module`), made absolute. `use` trees
/// with braces are expanded; `super` inside an inline `mod x { }` means the file's module.
fn paths_in(text: &str, module: &Module) -> Vec<Module> {
    let tokens = tokenize(text);
    let mut out = Vec::new();
    // Depth of inline modules, tracked by the brace depth where each opened.
    let mut depth = 0usize;
    let mut inline: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i].as_str();
        match tok {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).map(String::as_str) == Some("{") => {
                inline.push(depth);
            }
            "use" => {
                let end = tokens[i..]
                    .iter()
                    .position(|t| t == ";")
                    .map_or(tokens.len(), |p| i + p);
                let here = base(module, inline.len());
                expand(&tokens[i + 1..end], Vec::new(), &here, &mut out);
                i = end;
                continue;
            }
            "crate" | "super"
                if tokens.get(i + 1).map(String::as_str) == Some("::")
                    && tokens.get(i.wrapping_sub(1)).map(String::as_str) != Some("::") =>
            {
                let mut path = vec![tok.to_owned()];
                let mut j = i + 1;
                while tokens.get(j).map(String::as_str) == Some("::")
                    && tokens
                        .get(j + 1)
                        .is_some_and(|t| ident_char(t.chars().next().as_ref()))
                {
                    path.push(tokens[j + 1].clone());
                    j += 2;
                }
                if let Some(p) = absolute(&path, &base(module, inline.len())) {
                    out.push(p);
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The module a path inside `levels` inline modules of `module` is relative to, as far
/// as this check cares: inline modules are part of their file.
fn base(module: &Module, levels: usize) -> (Module, usize) {
    (module.clone(), levels)
}

/// `crate::a::b` or `super::...` (from `here`) as a path from the crate root.
fn absolute(path: &[String], here: &(Module, usize)) -> Option<Module> {
    let (module, inline) = here;
    match path.first()?.as_str() {
        "crate" => Some(path[1..].to_vec()),
        "super" => {
            let mut m = module.clone();
            let mut rest = path;
            let mut inline = *inline;
            while rest.first().is_some_and(|p| p == "super") {
                if inline > 0 {
                    inline -= 1;
                } else {
                    m.pop()?;
                }
                rest = &rest[1..];
            }
            m.extend(rest.iter().cloned());
            Some(m)
        }
        _ => None,
    }
}

/// Expands a `use` tree (tokens after `use`, before `;`) under `prefix`.
fn expand(tokens: &[String], prefix: Vec<String>, here: &(Module, usize), out: &mut Vec<Module>) {
    // Split the top level on commas, then each part is `a::b::{...}` or `a::b as c`.
    let mut parts: Vec<&[String]> = Vec::new();
    let (mut start, mut depth) = (0, 0);
    for (k, t) in tokens.iter().enumerate() {
        match t.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "," if depth == 0 => {
                parts.push(&tokens[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    for part in parts {
        let mut path = prefix.clone();
        let mut k = 0;
        while k < part.len() {
            match part[k].as_str() {
                "::" | "pub" => k += 1,
                "{" => {
                    let close =
                        part.len() - 1 - part.iter().rev().position(|t| t == "}").unwrap_or(0);
                    expand(&part[k + 1..close], path.clone(), here, out);
                    path.clear();
                    break;
                }
                "as" | "*" | "self" => break,
                t => {
                    path.push(t.to_owned());
                    k += 1;
                }
            }
        }
        if !path.is_empty() {
            if let Some(p) = absolute(&path, here) {
                out.push(p);
            }
        }
    }
}

/// Identifiers, `::` and single punctuation.
fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".into());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// The longest known module `path` starts with (the rest names an item in it).
fn resolve(path: &Module, known: &BTreeSet<Module>) -> Option<Module> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| known.contains(p))
}

/// The strongly connected components with more than one module (Tarjan), each as a
/// loop of modules in order.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.reverse();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Module {
        s.split("::")
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn use_trees_and_inline_paths_are_found() {
        let text = strip("use crate::a::{b::C, d};\nuse super::e as f;\nfn x() { crate::g::h(); let s = \"crate::no::path\"; }\n// crate::nor::this\nmod tests { use super::*; use super::super::k; }");
        let found = paths_in(&text, &m("p::q"));
        for want in ["a::b::C", "a::d", "p::e", "g::h", "p::k"] {
            assert!(found.contains(&m(want)), "{want} in {found:?}");
        }
        assert!(!found
            .iter()
            .any(|p| p.contains(&"no".to_owned()) || p.contains(&"nor".to_owned())));
    }

    #[test]
    fn a_loop_of_three_is_a_cycle_and_a_chain_is_not() {
        let mut g = BTreeMap::new();
        g.insert(m("a"), [m("b")].into());
        g.insert(m("b"), [m("c")].into());
        g.insert(m("c"), [m("a")].into());
        g.insert(m("d"), [m("a")].into());
        let found = cycles(&g);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].len(), 3);
        g.insert(m("c"), BTreeSet::new());
        assert!(cycles(&g).is_empty());
    }
}
