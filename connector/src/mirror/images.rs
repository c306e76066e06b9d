//! Product images: not in the snapshot (they would dwarf it), but fetched
//! from Odoo once per product and version (`write_date`) and kept in a
//! cache bounded by size.

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::xmlrpc::Value;
use base64::Engine as _;
use chrono::{DateTime, Utc};

/// The image sizes Odoo keeps for a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageSize {
    /// `image_128`: thumbnails in lists.
    Small,
    /// `image_512`: product cards.
    Medium,
    /// `image_1920`: the product page.
    Large,
}

impl ImageSize {
    /// The `product.template` field.
    pub fn field(self) -> &'static str {
        match self {
            ImageSize::Small => "image_128",
            ImageSize::Medium => "image_512",
            ImageSize::Large => "image_1920",
        }
    }
}

/// An image as Odoo stores it (PNG, JPEG, WebP or SVG), with its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The media type, from the bytes' signature.
    pub content_type: &'static str,
}

type Key = (i64, DateTime<Utc>, ImageSize);

/// A size-bounded cache of product images in front of Odoo. Concurrent
/// requests for the same image make one call.
#[derive(Clone)]
pub struct ImageCache {
    client: Client,
    cache: moka::future::Cache<Key, Option<Arc<Image>>>,
}

impl std::fmt::Debug for ImageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageCache")
            .field("entries", &self.cache.entry_count())
            .field("bytes", &self.cache.weighted_size())
            .finish()
    }
}

impl ImageCache {
    /// A cache holding at most `max_bytes` of images.
    pub fn new(client: Client, max_bytes: u64) -> Self {
        let cache = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_key: &Key, value: &Option<Arc<Image>>| {
                let size = value.as_ref().map_or(64, |image| image.bytes.len() + 64);
                u32::try_from(size).unwrap_or(u32::MAX)
            })
            .build();
        Self { client, cache }
    }

    /// The image of product template `template_id` as of `write_date` (the
    /// mirror's), or `None` when it has none. Fetched from Odoo only the
    /// first time for that version.
    pub async fn get(
        &self,
        template_id: i64,
        write_date: DateTime<Utc>,
        size: ImageSize,
    ) -> Result<Option<Arc<Image>>, Error> {
        let client = self.client.clone();
        self.cache
            .try_get_with((template_id, write_date, size), async move {
                fetch(&client, template_id, size)
                    .await
                    .map(|image| image.map(Arc::new))
            })
            .await
            .map_err(|e: Arc<Error>| Arc::try_unwrap(e).unwrap_or_else(|shared| clone_error(&shared)))
    }

    /// Bytes held.
    pub async fn weighted_size(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.weighted_size()
    }
}

async fn fetch(client: &Client, template_id: i64, size: ImageSize) -> Result<Option<Image>, Error> {
    let rows = client
        .model("product.template")
        .read(vec![template_id])
        .fields([size.field()])
        .send()
        .await?;
    // `false` when the product has no image.
    let Some(Value::String(text)) = rows.first().and_then(|row| row.get(size.field())) else {
        return Ok(None);
    };
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| Error::Decode {
            call: "product.template.read".into(),
            field: format!("[0].{}", size.field()),
            message: format!("not base64: {e}"),
        })?;
    let content_type = sniff(&bytes);
    Ok(Some(Image { bytes, content_type }))
}

/// The media type of image bytes, from their signature. SVG may carry
/// scripts: whoever serves it must sandbox it.
fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        b if b.starts_with(b"<svg") || b.starts_with(b"<?xml") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A shared error handed to every waiter of a failed fetch.
fn clone_error(error: &Error) -> Error {
    match error {
        Error::Timeout { call, after } => Error::Timeout {
            call: call.clone(),
            after: *after,
        },
        Error::Fault {
            kind,
            call,
            message,
            fault,
        } => Error::Fault {
            kind: *kind,
            call: call.clone(),
            message: message.clone(),
            fault: fault.clone(),
        },
        Error::Transport {
            call,
            message,
            status,
            ..
        } => Error::Transport {
            call: call.clone(),
            message: message.clone(),
            status: *status,
            source: None,
        },
        other => Error::Decode {
            call: "product.template.read".into(),
            field: String::new(),
            message: other.to_string(),
        },
    }
}
