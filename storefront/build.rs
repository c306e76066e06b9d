//! Embeds `templates/` and `assets/` (at the workspace root) in the binary:
//! writes a table of `(relative path, bytes)` for each, so the server needs
//! no files beside it (a shop may still override any of them at run time).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into())).join("..");
    let mut out = String::new();
    for (name, dir) in [("TEMPLATES", "templates"), ("ASSETS", "assets")] {
        let dir = root.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        collect(&dir, &dir, &mut files);
        files.sort();
        let _ = writeln!(out, "pub static {name}: &[(&str, &[u8])] = &[");
        for (relative, path) in files {
            let _ = writeln!(
                out,
                "    ({relative:?}, include_bytes!({:?})),",
                path.display().to_string()
            );
        }
        let _ = writeln!(out, "];");
    }
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded.rs");
    if let Err(e) = std::fs::write(&target, out) {
        panic!("cannot write {}: {e}", target.display());
    }
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, files);
        } else if path.file_name().is_some_and(|n| n != "README.md") {
            if let Ok(relative) = path.strip_prefix(base) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                let absolute = path.canonicalize().unwrap_or(path.clone());
                files.push((relative, absolute));
            }
        }
    }
}
