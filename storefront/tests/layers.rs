//! The storefront's layers, read from its code: every file sits in the
//! folder of its layer, imports run one way between folders, no file of
//! the shop imports one that imports it back, and the layers below the web
//! know nothing of actix or tera. See `src/lib.rs` for the map.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, and those each may import.
const LAYERS: &[(&str, &[&str])] = &[
    ("app", &["http", "workers", "shop", "store", "i18n"]),
    ("http", &["workers", "shop", "store", "i18n"]),
    ("workers", &["shop", "store", "i18n"]),
    ("shop", &["store", "i18n"]),
    ("store", &[]),
    ("i18n", &[]),
];

/// The layers that must not know the web.
const WITHOUT_THE_WEB: &[&str] = &["shop", "store", "workers", "i18n"];
/// What the web is made of.
const WEB_CRATES: &[&str] = &["actix_web", "tera"];

/// One source file: its path under `src/` and its text.
struct Source {
    path: String,
    text: String,
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("a source file");
            out.push(Source { path: relative, text });
        }
    }
}

/// The code of a file without its comments (doc links to other layers are
/// not imports).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level names after `prefix` in `code`: `crate::shop::cart` and
/// `crate::{shop, store}` both give their first segments.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(inner) = rest.strip_prefix('{') {
            let end = matching_brace(inner);
            for item in split_top(&inner[..end]) {
                found.push(segments(item.trim()));
            }
        } else {
            found.push(segments(rest));
        }
    }
    found.retain(|s| !s.is_empty());
    found
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `shop::cart::{self, X}` → `["shop", "cart"]`: the module path, without
/// the items.
fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() || name.chars().next().is_some_and(char::is_uppercase) {
            break;
        }
        out.push(name.to_owned());
        match rest[end..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// A file's module inside its folder: `shop/cart.rs` → `cart`,
/// `shop/mod.rs` → `mod`.
fn module_of(path: &str) -> (&str, String) {
    let (folder, file) = path.split_once('/').unwrap_or(("", path));
    let module = file
        .trim_end_matches(".rs")
        .split('/')
        .next()
        .unwrap_or("")
        .to_owned();
    (folder, module)
}

/// What the layout breaks, one line each; empty when it holds.
fn violations(files: &[Source]) -> Vec<String> {
    let layers: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    // Inside each folder: which module imports which.
    let mut inner: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files {
        if file.path == "lib.rs" || file.path == "main.rs" {
            continue;
        }
        let (folder, module) = module_of(&file.path);
        if !layers.contains_key(folder) {
            problems.push(format!("{}: not in the folder of a layer", file.path));
            continue;
        }
        let code = code(&file.text);
        for path in paths_after(&code, "crate::") {
            let target = path[0].as_str();
            if target == folder {
                if let Some(sibling) = path.get(1) {
                    if *sibling != module {
                        inner
                            .entry(folder.to_owned())
                            .or_default()
                            .entry(module.clone())
                            .or_default()
                            .insert(sibling.clone());
                    }
                } else if module != "mod" {
                    inner
                        .entry(folder.to_owned())
                        .or_default()
                        .entry(module.clone())
                        .or_default()
                        .insert("mod".to_owned());
                }
                continue;
            }
            if !layers.contains_key(target) {
                continue;
            }
            if !layers[folder].contains(&target) {
                problems.push(format!(
                    "{}: imports {} ({folder} may not use {target})",
                    file.path,
                    path.join("::")
                ));
            }
        }
        // `super::x` from a file of the folder, and `use x::` in its mod.rs.
        let siblings = files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{folder}/")))
            .map(|f| module_of(&f.path).1)
            .collect::<BTreeSet<_>>();
        let mut local = Vec::new();
        if module != "mod" && file.path.matches('/').count() == 1 {
            for path in paths_after(&code, "super::") {
                local.push(path[0].clone());
            }
        }
        if module == "mod" {
            for line in code.lines() {
                let line = line.trim_start();
                let used = line
                    .strip_prefix("pub use ")
                    .or_else(|| line.strip_prefix("use "))
                    .map(segments);
                if let Some(used) = used {
                    local.extend(used.first().cloned());
                }
            }
        }
        for sibling in local {
            if siblings.contains(&sibling) && sibling != module {
                inner
                    .entry(folder.to_owned())
                    .or_default()
                    .entry(module.clone())
                    .or_default()
                    .insert(sibling);
            }
        }
        if WITHOUT_THE_WEB.contains(&folder) {
            for web in WEB_CRATES {
                if mentions(&code, web) {
                    problems.push(format!(
                        "{}: uses {web}, but {folder} knows nothing of the web",
                        file.path
                    ));
                }
            }
        }
    }
    // No cycle among the modules of the shop.
    if let Some(graph) = inner.get("shop") {
        if let Some(cycle) = find_cycle(graph) {
            problems.push(format!("shop/: an import cycle: {}", cycle.join(" → ")));
        }
    }
    problems
}

/// Whether `code` names the crate `name` (`name::…` or `use name`).
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().last();
        let after = &code[at + name.len()..];
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            && (after.starts_with("::") || after.starts_with(';') || after.starts_with(" as "))
    })
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_storefront_keeps_its_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(
        files.len() > 20,
        "the sources were not found under {}",
        root.display()
    );
    let problems = violations(&files);
    assert!(
        problems.is_empty(),
        "the layers are broken:\n{}",
        problems.join("\n")
    );
}

fn source(path: &str, text: &str) -> Source {
    Source {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

#[test]
fn an_import_against_the_layers_is_caught() {
    let files = [
        source("shop/cart.rs", "use crate::http::visit::Visit;\n"),
        source("store/mod.rs", "use crate::{i18n, shop::Customer};\n"),
        source(
            "workers/resync.rs",
            "// see [`crate::app::startup`]\nuse crate::shop::Shop;\n",
        ),
        source("visit.rs", "use crate::shop::Shop;\n"),
        source("i18n/mod.rs", "fn f(r: actix_web::HttpRequest) {}\n"),
    ];
    let problems = violations(&files);
    let said = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(said("shop/cart.rs: imports http::visit"), "{problems:?}");
    assert!(said("store/mod.rs: imports i18n"), "{problems:?}");
    assert!(said("store/mod.rs: imports shop"), "{problems:?}");
    assert!(said("visit.rs: not in the folder"), "{problems:?}");
    assert!(said("i18n/mod.rs: uses actix_web"), "{problems:?}");
    // A doc link is not an import; workers may use the shop.
    assert!(
        !problems.iter().any(|p| p.starts_with("workers/")),
        "{problems:?}"
    );
}

#[test]
fn a_cycle_inside_the_shop_is_caught() {
    let files = [
        source(
            "shop/mod.rs",
            "pub mod cart;\npub mod checkout;\nuse checkout::SlotBook;\n",
        ),
        source("shop/cart.rs", "use crate::shop::catalog::Shelf;\n"),
        source("shop/catalog.rs", "use super::checkout::Offer;\n"),
        source("shop/checkout.rs", "use crate::shop::Shop;\n"),
    ];
    let problems = violations(&files);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("import cycle") && p.contains("checkout") && p.contains("mod")),
        "{problems:?}"
    );
    let fine = [
        source("shop/mod.rs", "pub mod cart;\nuse cart::Line;\n"),
        source("shop/cart.rs", "use crate::store::Store;\n"),
    ];
    assert!(violations(&fine).is_empty());
}
