//! Decoding throughput: `cargo bench -p connector --bench decode`.
//!
//! Measures, for each body, the median of several runs of
//! `decode_response` (XML to value tree) and of the typed decoding that
//! follows it for product templates, and prints MB/s. The bodies: the
//! largest recorded response under ../shared/odoo-wire, a synthetic
//! 10,000-record `search_read` of product templates shaped like recording
//! 06, and a 10 MB base64 image.

use std::path::Path;
use std::time::{Duration, Instant};

use connector::records::ProductTemplate;
use connector::xmlrpc::{decode_response, encode_response, MethodResponse, Struct, Value};

fn main() {
    let wire = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/odoo-wire");
    let largest = largest_response(&wire);
    println!("{:<58} {:>9} {:>8} {:>10}", "body", "size", "median", "MB/s");
    if let Some((path, body)) = largest {
        let label = format!(
            "largest recording: {}",
            path.strip_prefix(&wire).unwrap_or(&path).display()
        );
        bench(&label, &body, 30, |b| {
            std::hint::black_box(decode_response(b).ok());
        });
    }

    let products = synthetic_products(10_000);
    bench(
        "synthetic search_read, 10,000 templates (tree)",
        &products,
        10,
        |b| {
            std::hint::black_box(decode_response(b).ok());
        },
    );
    bench(
        "synthetic search_read, 10,000 templates (typed)",
        &products,
        10,
        |b| {
            let Ok(MethodResponse::Success(value)) = decode_response(b) else {
                panic!("synthetic body does not decode")
            };
            let rows: Vec<ProductTemplate> =
                connector::records::decode("bench", value).unwrap_or_else(|e| panic!("typed decode: {e}"));
            std::hint::black_box(rows);
        },
    );

    let image = synthetic_image(10 * 1024 * 1024);
    bench("10 MB image as base64 text", &image, 10, |b| {
        std::hint::black_box(decode_response(b).ok());
    });
}

fn bench(label: &str, body: &[u8], runs: usize, f: impl Fn(&[u8])) {
    f(body); // warm up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f(body);
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let mb = body.len() as f64 / 1_000_000.0;
    println!(
        "{label:<58} {:>7.2}MB {:>6.1}ms {:>10.1}",
        mb,
        median.as_secs_f64() * 1000.0,
        mb / median.as_secs_f64()
    );
}

fn largest_response(wire: &Path) -> Option<(std::path::PathBuf, Vec<u8>)> {
    let mut best: Option<(std::path::PathBuf, u64)> = None;
    for series in std::fs::read_dir(wire).ok()?.flatten() {
        let Ok(files) = std::fs::read_dir(series.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if !path.to_string_lossy().ends_with(".response.xml") {
                continue;
            }
            let size = file.metadata().ok()?.len();
            if best.as_ref().is_none_or(|(_, s)| size > *s) {
                best = Some((path, size));
            }
        }
    }
    let (path, _) = best?;
    let body = std::fs::read(&path).ok()?;
    Some((path, body))
}

fn synthetic_products(n: i64) -> Vec<u8> {
    let rows: Vec<Value> = (1..=n)
        .map(|id| {
            let m2o = |id: i64, name: &str| Value::Array(vec![Value::Int(id), Value::from(name)]);
            Value::Struct(
                Struct::new()
                    .with("id", id)
                    .with("name", format!("Pain de campagne n°{id} <bio> & local"))
                    .with("display_name", format!("[P{id:05}] Pain de campagne n°{id}"))
                    .with("list_price", 3.2 + (id % 100) as f64 / 100.0)
                    .with(
                        "description_sale",
                        if id % 3 == 0 {
                            Value::Bool(false)
                        } else {
                            Value::from("Levain naturel, farine T80.")
                        },
                    )
                    .with("categ_id", m2o(id % 20 + 1, "All / Saleable / Bakery"))
                    .with(
                        "public_categ_ids",
                        vec![Value::Int(id % 7 + 1), Value::Int(id % 5 + 10)],
                    )
                    .with("uom_id", m2o(1, "Units"))
                    .with("taxes_id", vec![Value::Int(4)])
                    .with("sale_ok", true)
                    .with("active", true)
                    .with("is_published", true)
                    .with("default_code", format!("P{id:05}"))
                    .with("barcode", Value::Bool(false))
                    .with("write_date", "2026-11-23 02:49:06")
                    .with("product_variant_ids", vec![Value::Int(id)])
                    .with("weight", 0.5)
                    .with("to_weight", id % 4 == 0),
            )
        })
        .collect();
    encode_response(&Value::Array(rows)).into_bytes()
}

fn synthetic_image(bytes: usize) -> Vec<u8> {
    use base64::Engine as _;
    let raw: Vec<u8> = (0..bytes * 3 / 4).map(|i| (i * 31 % 251) as u8).collect();
    let text = base64::engine::general_purpose::STANDARD.encode(raw);
    let row = Struct::new()
        .with("id", 23)
        .with("image_1920", text)
        .with("write_date", "2026-11-23 02:49:06");
    encode_response(&Value::Array(vec![Value::Struct(row)])).into_bytes()
}
