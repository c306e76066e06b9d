//! Pages and static files: the tera templates and assets embedded at build
//! time (see `build.rs`), each replaceable by a file of the same name in the
//! override directory, and the messages of each language.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use serde_json::{Map, Value};

use crate::i18n::Messages;
use sha2::{Digest, Sha256};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// A static file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Its bytes.
    pub bytes: Arc<[u8]>,
    /// Its media type.
    pub content_type: &'static str,
    /// A strong validator: a hash of the bytes.
    pub etag: String,
}

/// Renders pages and serves assets.
#[derive(Debug)]
pub struct Renderer {
    tera: tera::Tera,
    messages: HashMap<String, Messages>,
    assets: HashMap<String, Asset>,
}

impl Renderer {
    /// The embedded files, each replaced by the file of the same name under
    /// `override_dir/templates` or `override_dir/assets` when there is one.
    /// A template that does not parse stops the start, naming the file.
    pub fn load(override_dir: Option<&Path>) -> anyhow::Result<Renderer> {
        let mut templates: HashMap<String, Vec<u8>> = embedded::TEMPLATES
            .iter()
            .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
            .collect();
        let mut assets: HashMap<String, Vec<u8>> = embedded::ASSETS
            .iter()
            .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
            .collect();
        let mut message_overrides = HashMap::new();
        if let Some(dir) = override_dir {
            if !dir.is_dir() {
                anyhow::bail!("STOREFRONT_OVERRIDE_DIR={} is not a directory", dir.display());
            }
            overrides(&dir.join("templates"), &mut templates)?;
            overrides(&dir.join("assets"), &mut assets)?;
            // Messages are merged, not replaced: a shop changes the
            // sentences it wants, and a key added by a new version of the
            // shop is never missing from its file.
            for (name, bytes) in templates.iter_mut().filter(|(n, _)| n.starts_with("messages/")) {
                if let Some((_, embedded)) = embedded::TEMPLATES.iter().find(|(n, _)| n == name) {
                    message_overrides.insert(name.clone(), std::mem::replace(bytes, embedded.to_vec()));
                }
            }
        }
        let mut tera = tera::Tera::default();
        let mut pages = Vec::new();
        let mut messages = HashMap::new();
        for (name, bytes) in &templates {
            if let Some(lang) = name
                .strip_prefix("messages/")
                .and_then(|n| n.strip_suffix(".json"))
            {
                let mut map: Map<String, Value> = serde_json::from_slice(bytes)
                    .with_context(|| format!("templates/{name} is not a JSON object of messages"))?;
                if let Some(custom) = message_overrides.get(name) {
                    let custom: Map<String, Value> = serde_json::from_slice(custom).with_context(|| {
                        format!("the override of templates/{name} is not a JSON object of messages")
                    })?;
                    map.extend(custom);
                }
                messages.insert(lang.to_owned(), Messages::new(map));
            } else if name.ends_with(".html") {
                let text =
                    std::str::from_utf8(bytes).with_context(|| format!("templates/{name} is not UTF-8"))?;
                pages.push((name.clone(), text.to_owned()));
            }
        }
        tera.add_raw_templates(pages)
            .map_err(|e| anyhow::anyhow!("{}", error_chain(&e)))
            .context("a template does not parse")?;
        tera.autoescape_on(vec![".html"]);
        // Tera's default also escapes `/`, which mangles every URL for no
        // gain: `&`, `<`, `>`, `"` and `'` are what HTML needs.
        tera.set_escape_fn(crate::i18n::escape_html);
        let assets = assets
            .into_iter()
            .map(|(name, bytes)| {
                let etag = format!("\"{}\"", crate::store::ids::hex(&Sha256::digest(&bytes)[..12]));
                let content_type = content_type(&name);
                (
                    name,
                    Asset {
                        bytes: bytes.into(),
                        content_type,
                        etag,
                    },
                )
            })
            .collect();
        Ok(Renderer {
            tera,
            messages,
            assets,
        })
    }

    /// Renders template `name`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, tera::Error> {
        self.tera.render(name, context)
    }

    /// The messages of a language (`fr`, `en`), falling back to English.
    pub fn messages(&self, lang: &str) -> &Messages {
        static EMPTY: std::sync::OnceLock<Messages> = std::sync::OnceLock::new();
        self.messages
            .get(lang)
            .or_else(|| self.messages.get("en"))
            .unwrap_or_else(|| EMPTY.get_or_init(Messages::default))
    }

    /// The asset at `path` (relative to `assets/`), if there is one. The
    /// path is looked up, never joined to a directory: `..` finds nothing.
    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }
}

/// Reads the files under `dir` into `files`, by relative path.
fn overrides(dir: &Path, files: &mut HashMap<String, Vec<u8>>) -> anyhow::Result<()> {
    fn walk(base: &Path, dir: &Path, files: &mut HashMap<String, Vec<u8>>) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(base, &path, files)?;
            } else if let Ok(relative) = path.strip_prefix(base) {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                files.insert(relative.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
        Ok(())
    }
    if dir.is_dir() {
        walk(dir, dir, files)?;
    }
    Ok(())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A tera error with its causes (tera puts the useful part in the source).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_load_and_both_languages_have_every_message() {
        let renderer = Renderer::load(None).unwrap();
        let keys = |lang: &str| -> std::collections::BTreeSet<String> {
            renderer.messages.get(lang).unwrap().keys().cloned().collect()
        };
        let (en, fr) = (keys("en"), keys("fr"));
        assert!(en.len() > 100, "{}", en.len());
        assert_eq!(
            en.difference(&fr).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in French"
        );
        assert_eq!(
            fr.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in English"
        );
        for asset in ["style.css", "app.js", "placeholder.svg"] {
            assert!(renderer.asset(asset).is_some(), "{asset}");
        }
        assert!(renderer.asset("../Cargo.toml").is_none());
    }

    /// Every message key the Rust code asks for exists (a missing one
    /// would show its key to customers).
    #[test]
    fn every_message_the_code_names_exists() {
        let renderer = Renderer::load(None).unwrap();
        let en = renderer.messages("en");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for pattern in [".get(\"", ".format(\"", "=> \""] {
                for piece in text.split(pattern).skip(1) {
                    let key: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    let looks_like_key =
                        key.len() > 3 && piece[key.len()..].starts_with('"') && key.contains('_');
                    if looks_like_key && !en.has(&key) && !IGNORED.contains(&key.as_str()) {
                        missing.push(format!("{}: {key}", path.file_name().unwrap().to_string_lossy()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    /// Strings matched by the scan above that are not message keys.
    const IGNORED: &[&str] = &[
        "idempotency_key",
        "sent_unreadable",
        "product_id",
        "template_id",
        "order_key",
        "slot_id",
        "csrf_token",
        "login_required_x",
        "fiscal_position_id",
    ];
}
