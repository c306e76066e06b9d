//! Full sync against the Odoo double, timed against the bare XML-RPC calls
//! that fetch the same records without mirroring, in the same run; and the
//! mirror's memory per product, counted by the allocator.
//!
//! `cargo bench -p connector --bench sync` (10,000 and 100,000 products;
//! `SYNC_BENCH_SIZES=1000,5000` to choose). Each size reports the median
//! of 3 runs of each (1 run above 20,000 products). Both sides pay the
//! double's own cost of answering, which grows with the shop (it scans its
//! records for every page).

#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use connector::mirror::{Mirror, MirrorConfig};
use connector::records::{
    CalendarEvent, Company, Currency, Partner, Pricelist, PricelistItem, ProductCategory, ProductTemplate,
    ProductVariant, PublicCategory, Record, Tax, Uom, User,
};
use connector::{field, Client, Credentials, Domain};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use odoo_double::{Dataset, OdooDouble};

/// Counts live heap bytes, so that the mirror's size is measured, not guessed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const BATCH: u32 = 500;
const CONCURRENCY: usize = 4;

fn main() {
    let sizes: Vec<usize> = std::env::var("SYNC_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{:>8} {:>10} {:>10} {:>7} {:>14} {:>10}",
        "products", "bare (s)", "mirror (s)", "ratio", "mirror bytes", "B/product"
    );
    for n in sizes {
        runtime.block_on(run(n));
    }
}

async fn run(n: usize) {
    let started = Instant::now();
    let double = OdooDouble::start(grown_shop(n)).await.unwrap();
    eprintln!(
        "(the double loaded {n} more products in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let client = Client::builder(double.url())
        .database(double.db())
        .credentials(Credentials::new(double.admin_login(), double.admin_password()))
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let config = MirrorConfig {
        languages: vec!["fr_FR".into(), "en_US".into()],
        batch_size: BATCH,
        concurrency: CONCURRENCY,
        ..MirrorConfig::default()
    };
    // Warm up (connections, fields_get caches), then alternate the two;
    // the median of 3 runs, or 1 run for the largest shops.
    client.version().await.unwrap();
    let runs = if n > 20_000 { 1 } else { 3 };
    let mut bare_times = Vec::new();
    let mut mirror_times = Vec::new();
    let mut bytes = 0;
    let mut products = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let fetched = bare(&client).await;
        bare_times.push(started.elapsed());
        assert!(fetched >= n);

        double.clear_calls();
        let mirror = Mirror::new(client.clone(), config.clone());
        let started = Instant::now();
        mirror.full_sync().await.unwrap();
        mirror_times.push(started.elapsed());
        products = mirror.snapshot().product_count();
        double.clear_calls();
        let with_mirror = LIVE.load(Ordering::Relaxed);
        drop(mirror);
        let after = LIVE.load(Ordering::Relaxed);
        // What dropping the mirror gave back is what it held.
        bytes = (with_mirror - after).max(0) as usize;
    }
    bare_times.sort();
    mirror_times.sort();
    let (b, m) = (
        bare_times[runs / 2].as_secs_f64(),
        mirror_times[runs / 2].as_secs_f64(),
    );
    println!(
        "{:>8} {:>10.3} {:>10.3} {:>7.2} {:>14} {:>10}",
        products,
        b,
        m,
        m / b,
        bytes,
        bytes / products.max(1)
    );
}

/// The built-in shop grown by `n` published products, each with its
/// variant ([`Dataset::grown`]).
fn grown_shop(n: usize) -> Dataset {
    Dataset::shop().grown(n)
}

/// The calls a full sync makes, sent bare: for each model, `search_count`
/// and the pages of `search_read` with the same fields, order, language and
/// concurrency, answers decoded to value trees and dropped. Returns the
/// number of products fetched.
async fn bare(client: &Client) -> usize {
    let on_sale = || field("sale_ok").eq(true) & field("is_published").eq(true);
    client.version().await.unwrap();
    let products = pages::<ProductTemplate>(client, on_sale(), "fr_FR").await;
    pages::<ProductVariant>(client, on_sale(), "fr_FR").await;
    pages::<PublicCategory>(client, Domain::All, "fr_FR").await;
    pages::<ProductCategory>(client, Domain::All, "fr_FR").await;
    pages::<Partner>(client, field("user_ids.share").eq(true), "fr_FR").await;
    whole::<User>(client, field("share").eq(true)).await;
    pages::<Pricelist>(client, Domain::All, "fr_FR").await;
    pages::<PricelistItem>(client, Domain::All, "fr_FR").await;
    whole::<Tax>(client, field("type_tax_use").eq("sale")).await;
    whole::<Uom>(client, Domain::All).await;
    whole::<Currency>(client, field("active").eq(true)).await;
    whole::<Company>(client, Domain::All).await;
    let now = chrono::Utc::now();
    let slots = field("categ_ids.name").eq("Pickup")
        & field("start").ge(connector::records::fields::format_datetime(&now))
        & field("start").le(connector::records::fields::format_datetime(
            &(now + chrono::TimeDelta::days(28)),
        ));
    pages::<CalendarEvent>(client, slots, "fr_FR").await;
    // The translations of the second language.
    let ids: Vec<i64> = client
        .model("product.template")
        .search(on_sale())
        .send()
        .await
        .unwrap();
    for chunk in ids.chunks(BATCH as usize) {
        client
            .model("product.template")
            .search_read(field("id").is_in(chunk.iter().copied()))
            .fields(["name", "description_sale"])
            .lang("en_US")
            .send_raw()
            .await
            .unwrap();
    }
    products
}

async fn pages<R: Record>(client: &Client, domain: Domain, lang: &str) -> usize {
    let fields = client.fields_for::<R>().await.unwrap();
    let count: u64 = client
        .model(R::MODEL)
        .search_count(domain.clone())
        .send()
        .await
        .unwrap();
    let pages = count.div_ceil(u64::from(BATCH));
    let sizes: Vec<usize> = stream::iter(0..pages)
        .map(|page| {
            let domain = domain.clone();
            let fields = fields.clone();
            async move {
                let value = client
                    .model(R::MODEL)
                    .search_read(domain)
                    .fields(fields)
                    .order("id")
                    .limit(BATCH)
                    .offset((page * u64::from(BATCH)) as u32)
                    .lang(lang)
                    .send_raw()
                    .await?;
                Ok::<_, connector::Error>(value.as_array().map_or(0, <[_]>::len))
            }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await
        .unwrap();
    sizes.into_iter().sum()
}

async fn whole<R: Record>(client: &Client, domain: Domain) {
    let fields = client.fields_for::<R>().await.unwrap();
    client
        .model(R::MODEL)
        .search_read(domain)
        .fields(fields)
        .order("id")
        .send_raw()
        .await
        .unwrap();
}
