//! Product search latency and size: `cargo bench -p connector --bench search`.
//!
//! Builds a [`SearchIndex`] over 10,000 synthetic products named in French
//! and English (with references, barcodes on most, and two-level category
//! paths in both languages), then times a few thousand type-ahead queries
//! one by one — one to three words, the last one cut to a prefix of any
//! length, some without accents or in capitals, some references and
//! barcode prefixes, some that find nothing — and prints the latency
//! percentiles and the index's heap size.

use std::hint::black_box;
use std::time::{Duration, Instant};

use connector::search::{SearchDoc, SearchIndex};

const PRODUCTS: usize = 10_000;
const QUERIES: usize = 5_000;
const LIMIT: usize = 20;

/// (French, English) words products are named from.
const NOUNS: &[(&str, &str)] = &[
    ("Pain", "Bread"),
    ("Baguette", "Baguette"),
    ("Croissant", "Croissant"),
    ("Brioche", "Brioche"),
    ("Fromage", "Cheese"),
    ("Comté", "Comté"),
    ("Crème", "Cream"),
    ("Tarte", "Tart"),
    ("Tartelette", "Tartlet"),
    ("Confiture", "Jam"),
    ("Miel", "Honey"),
    ("Chocolat", "Chocolate"),
    ("Café", "Coffee"),
    ("Thé", "Tea"),
    ("Jus", "Juice"),
    ("Farine", "Flour"),
    ("Sucre", "Sugar"),
    ("Huile", "Oil"),
    ("Vinaigre", "Vinegar"),
    ("Moutarde", "Mustard"),
    ("Saucisson", "Sausage"),
    ("Jambon", "Ham"),
    ("Pâté", "Pâté"),
    ("Terrine", "Terrine"),
    ("Yaourt", "Yogurt"),
    ("Beurre", "Butter"),
    ("Lait", "Milk"),
    ("Œufs", "Eggs"),
    ("Galette", "Galette"),
    ("Biscuit", "Biscuit"),
    ("Madeleine", "Madeleine"),
    ("Financier", "Financier"),
    ("Éclair", "Éclair"),
    ("Flan", "Custard tart"),
    ("Quiche", "Quiche"),
    ("Soupe", "Soup"),
    ("Salade", "Salad"),
    ("Compote", "Compote"),
    ("Sirop", "Syrup"),
    ("Bière", "Beer"),
    ("Vin", "Wine"),
    ("Cidre", "Cider"),
    ("Pâtes", "Pasta"),
    ("Riz", "Rice"),
    ("Lentilles", "Lentils"),
    ("Pois chiches", "Chickpeas"),
    ("Tapenade", "Tapenade"),
    ("Rillettes", "Rillettes"),
    ("Savon", "Soap"),
    ("Bougie", "Candle"),
];

const FLAVOURS: &[(&str, &str)] = &[
    ("à l'abricot", "apricot"),
    ("aux amandes", "almond"),
    ("au citron", "lemon"),
    ("à la fraise", "strawberry"),
    ("à la framboise", "raspberry"),
    ("aux noisettes", "hazelnut"),
    ("au caramel", "caramel"),
    ("à la vanille", "vanilla"),
    ("aux pommes", "apple"),
    ("aux poires", "pear"),
    ("aux cèpes", "porcini"),
    ("aux herbes de Provence", "Provence herbs"),
    ("au piment d'Espelette", "Espelette pepper"),
    ("à l'ail", "garlic"),
    ("aux figues", "fig"),
    ("au sarrasin", "buckwheat"),
    ("de seigle", "rye"),
    ("aux céréales", "multigrain"),
    ("au châtaigne", "chestnut"),
    ("à la lavande", "lavender"),
];

const QUALITIES: &[(&str, &str)] = &[
    ("bio", "organic"),
    ("fermier", "farmhouse"),
    ("artisanal", "artisan"),
    ("complet", "wholemeal"),
    ("doux", "mild"),
    ("fort", "strong"),
    ("fumé", "smoked"),
    ("grillé", "roasted"),
    ("frais", "fresh"),
    ("maison", "homemade"),
    ("sans gluten", "gluten-free"),
    ("de saison", "seasonal"),
    ("extra", "extra"),
    ("léger", "light"),
    ("épicé", "spicy"),
];

const CATEGORIES: &[(&str, &str)] = &[
    ("Boulangerie / Pains", "Bakery / Breads"),
    ("Boulangerie / Viennoiseries", "Bakery / Pastries"),
    ("Pâtisserie / Gâteaux", "Patisserie / Cakes"),
    ("Crèmerie / Fromages", "Dairy / Cheeses"),
    ("Crèmerie / Yaourts", "Dairy / Yogurts"),
    ("Épicerie sucrée / Confitures", "Sweet grocery / Jams"),
    ("Épicerie salée / Conserves", "Savoury grocery / Preserves"),
    ("Boucherie / Charcuterie", "Butcher / Cured meats"),
    ("Boissons / Vins", "Drinks / Wines"),
    ("Boissons / Jus", "Drinks / Juices"),
    ("Maison / Hygiène", "Home / Hygiene"),
    ("Fruits et légumes / Fruits", "Fruit and vegetables / Fruit"),
];

const SIZES: &[&str] = &["100 g", "250 g", "500 g", "1 kg", "75 cl", "1 L", "x6", "x12", ""];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn products(rng: &mut Rng) -> Vec<SearchDoc> {
    (0..PRODUCTS)
        .map(|i| {
            let (noun_fr, noun_en) = *rng.pick(NOUNS);
            let (flavour_fr, flavour_en) = *rng.pick(FLAVOURS);
            let (quality_fr, quality_en) = *rng.pick(QUALITIES);
            let size = *rng.pick(SIZES);
            let (fr, en) = match rng.below(3) {
                0 => (
                    format!("{noun_fr} {flavour_fr} {size}"),
                    format!("{} {} {size}", capitalise(flavour_en), noun_en.to_lowercase()),
                ),
                1 => (
                    format!("{noun_fr} {quality_fr} {size}"),
                    format!("{} {} {size}", capitalise(quality_en), noun_en.to_lowercase()),
                ),
                _ => (
                    format!("{noun_fr} {quality_fr} {flavour_fr} {size}"),
                    format!(
                        "{} {flavour_en} {} {size}",
                        capitalise(quality_en),
                        noun_en.to_lowercase()
                    ),
                ),
            };
            let (cat_fr, cat_en) = *rng.pick(CATEGORIES);
            let mut categories = vec![
                ("fr_FR".to_owned(), cat_fr.to_owned()),
                ("en_US".to_owned(), cat_en.to_owned()),
            ];
            if rng.chance(15) {
                let (fr, en) = *rng.pick(CATEGORIES);
                categories.push(("fr_FR".to_owned(), fr.to_owned()));
                categories.push(("en_US".to_owned(), en.to_owned()));
            }
            let prefix: String = noun_fr.chars().take(3).collect::<String>().to_uppercase();
            SearchDoc {
                id: 1_000 + i as i64,
                names: vec![
                    ("fr_FR".to_owned(), fr.trim().to_owned()),
                    ("en_US".to_owned(), en.trim().to_owned()),
                ],
                default_code: rng.chance(90).then(|| format!("{prefix}-{:05}", i)),
                barcode: rng
                    .chance(70)
                    .then(|| format!("{:013}", 3_760_000_000_000u64 + rng.next() % 1_000_000_000)),
                categories,
            }
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A prefix of `word` of `n` characters (at least one).
fn prefix(word: &str, n: usize) -> String {
    word.chars().take(n.max(1)).collect()
}

fn strip_accents(s: &str) -> String {
    connector::search::normalize(s)
}

/// Type-ahead queries: (query, language).
fn queries(rng: &mut Rng, docs: &[SearchDoc]) -> Vec<(String, &'static str)> {
    (0..QUERIES)
        .map(|_| {
            let doc = rng.pick(docs);
            let lang = if rng.chance(70) { "fr_FR" } else { "en_US" };
            let kind = rng.below(100);
            let query = if kind < 80 {
                // Words of the name (or, sometimes, the other language's),
                // the last one cut.
                let name_lang = if rng.chance(90) {
                    lang
                } else if lang == "fr_FR" {
                    "en_US"
                } else {
                    "fr_FR"
                };
                let name = doc
                    .names
                    .iter()
                    .find(|(l, _)| l == name_lang)
                    .map_or("", |(_, n)| n);
                let words: Vec<&str> = name
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect();
                let count = 1 + rng.below(3.min(words.len()));
                let start = rng.below(words.len() - count + 1);
                let mut parts: Vec<String> = Vec::new();
                for (j, w) in words[start..start + count].iter().enumerate() {
                    if j + 1 == count {
                        parts.push(prefix(w, 1 + rng.below(w.chars().count())));
                    } else if rng.chance(25) {
                        parts.push(prefix(w, 3 + rng.below(3)));
                    } else {
                        parts.push((*w).to_owned());
                    }
                }
                let query = parts.join(" ");
                match rng.below(10) {
                    0 => strip_accents(&query),
                    1 => query.to_uppercase(),
                    _ => query.to_lowercase(),
                }
            } else if kind < 88 {
                // A category word.
                let (_, path) = rng.pick(&doc.categories);
                let leaf = path.rsplit(" / ").next().unwrap_or(path);
                prefix(leaf, 2 + rng.below(8))
            } else if kind < 94 {
                // A reference, whole or in part.
                let code = doc.default_code.clone().unwrap_or_else(|| "PAI-0".to_owned());
                prefix(&code, 3 + rng.below(7))
            } else if kind < 97 {
                // A barcode, whole or in part.
                let code = doc.barcode.clone().unwrap_or_else(|| "376".to_owned());
                prefix(&code, 4 + rng.below(10))
            } else {
                // Nothing to find.
                format!("zq{}", rng.below(1000))
            };
            (query, lang)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{label:<34} {:>6} queries  p50 {:>7.1}µs  p90 {:>7.1}µs  p99 {:>7.1}µs  max {:>7.1}µs  mean {:>7.1}µs",
        times.len(),
        micros(percentile(times, 0.50)),
        micros(percentile(times, 0.90)),
        micros(percentile(times, 0.99)),
        micros(times[times.len() - 1]),
        micros(mean),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`)
    // only a short smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let mut rng = Rng(0x5EED);
    let docs = products(&mut rng);
    let mut queries = queries(&mut rng, &docs);
    if !full {
        queries.truncate(100);
    }

    let start = Instant::now();
    let index = SearchIndex::build(docs.clone());
    let build = start.elapsed();
    let bytes = index.heap_bytes();
    println!(
        "index: {} products, {} words, {} postings; built in {:.1} ms; heap {:.1} KiB = {:.0} bytes/product",
        index.len(),
        index.token_count(),
        index.posting_count(),
        build.as_secs_f64() * 1e3,
        bytes as f64 / 1024.0,
        bytes as f64 / index.len() as f64,
    );
    let text: usize = docs
        .iter()
        .map(|d| {
            d.names.iter().map(|(_, n)| n.len()).sum::<usize>()
                + d.categories.iter().map(|(_, c)| c.len()).sum::<usize>()
                + d.default_code.as_ref().map_or(0, String::len)
                + d.barcode.as_ref().map_or(0, String::len)
        })
        .sum();
    println!(
        "(for scale: the indexed text itself is {:.0} bytes/product)",
        text as f64 / docs.len() as f64
    );

    // Warm up.
    for (q, lang) in queries.iter().take(500) {
        black_box(index.search(q, lang, LIMIT));
    }

    let mut all = Vec::with_capacity(queries.len());
    let mut by_words: [Vec<Duration>; 3] = Default::default();
    let mut one_char = Vec::new();
    let mut hits_total = 0usize;
    let mut empty = 0usize;
    for (q, lang) in &queries {
        let start = Instant::now();
        let hits = black_box(index.search(black_box(q), lang, LIMIT));
        let took = start.elapsed();
        all.push(took);
        let words = q.split_whitespace().count().clamp(1, 3);
        by_words[words - 1].push(took);
        if q.chars().count() == 1 {
            one_char.push(took);
        }
        hits_total += hits.len();
        empty += usize::from(hits.is_empty());
    }
    println!(
        "queries: {} (limit {LIMIT}), {:.1} hits on average, {} with none",
        queries.len(),
        hits_total as f64 / queries.len() as f64,
        empty
    );
    report("all type-ahead queries", &mut all);
    for (i, times) in by_words.iter_mut().enumerate() {
        if !times.is_empty() {
            report(&format!("  {} word(s)", i + 1), times);
        }
    }
    if !one_char.is_empty() {
        report("  a single character", &mut one_char);
    }

    // The worst cases: the broadest single letters, and many short words.
    let mut worst = Vec::new();
    for q in [
        "p",
        "a",
        "b",
        "c",
        "s",
        "1",
        "3",
        "p a",
        "a b c d e f g h",
        "de la au",
    ] {
        for lang in ["fr_FR", "en_US"] {
            for _ in 0..20 {
                let start = Instant::now();
                black_box(index.search(black_box(q), lang, LIMIT));
                worst.push(start.elapsed());
            }
        }
    }
    report("broad queries (\"p\", \"a b c d…\")", &mut worst);

    let long = "pain au chocolat ".repeat(600);
    let mut hostile = Vec::new();
    for _ in 0..100 {
        let start = Instant::now();
        black_box(index.search(black_box(&long), "fr_FR", LIMIT));
        hostile.push(start.elapsed());
    }
    report(&format!("{} KB query", long.len() / 1000), &mut hostile);
}
