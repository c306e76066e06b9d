//! Pages rendered once and shared by every customer who would see the same
//! thing, with what is theirs (CSRF token, name, login, number of cart
//! lines) filled in for each request.
//!
//! A page is kept under a [`PageKey`]: everything its HTML depends on
//! besides those values (the catalog, the prices' epoch, the language, the
//! pricelist, the path, the customer's favorite and in-cart marks on the
//! page's products). It is rendered with sentinels in place of the
//! customer's values, cut at the sentinels into a [`Skeleton`], and kept
//! only if filling it with the values of the customer who asked gives,
//! byte for byte, the page rendered for them: a template that transforms
//! one of those values (an override, say) makes pages that are simply not
//! shared.
//!
//! Each skeleton also keeps its text compressed (gzip, for the clients that
//! accept it: every browser does), piece by piece so that the values can be
//! put in between without compressing anything per request: the text
//! between two values is one deflate stream, flushed at each value, whose
//! value goes in as a stored block. The CSRF token, which every form
//! repeats, keeps its length from one customer to the next: the compressor
//! sees a run of NULs of that length in its place (HTML from the templates
//! never holds a NUL: a page that does is not compressed), and sync-flushes
//! before and after it, so that the text after it can still refer back to
//! the text before. The other values vary in length: the compressor forgets
//! what came before them (a full flush). The gzip answer is checked, once,
//! against the text when the skeleton is made.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use flate2::{Compress, Compression, FlushCompress};
use rust_decimal::Decimal;

/// How many bytes of pages are kept at most.
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;
/// How long a page nobody asks for is kept.
const IDLE: Duration = Duration::from_secs(10 * 60);

/// A value of the customer's, put into a shared page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hole {
    /// The session's CSRF token.
    CsrfToken,
    /// The customer's name (escaped).
    CustomerName,
    /// The customer's login (escaped).
    CustomerLogin,
    /// The number of lines in the cart.
    CartCount,
}

impl Hole {
    const ALL: [Hole; 4] = [
        Hole::CsrfToken,
        Hole::CustomerName,
        Hole::CustomerLogin,
        Hole::CartCount,
    ];

    /// What the page is rendered with in its place: characters of Unicode's
    /// private use area, which escaping leaves alone and no template writes.
    pub fn sentinel(self) -> &'static str {
        match self {
            Hole::CsrfToken => "\u{F8F0}csrf\u{F8F1}",
            Hole::CustomerName => "\u{F8F0}name\u{F8F1}",
            Hole::CustomerLogin => "\u{F8F0}login\u{F8F1}",
            Hole::CartCount => "\u{F8F0}cart\u{F8F1}",
        }
    }
}

/// The customer's values, ready to be written into a page (escaped).
#[derive(Debug, Clone)]
pub struct Filling {
    /// The CSRF token.
    pub csrf_token: String,
    /// The name, escaped for HTML.
    pub name: String,
    /// The login, escaped for HTML.
    pub login: String,
    /// The number of cart lines.
    pub cart_count: String,
}

impl Filling {
    fn value(&self, hole: Hole) -> &str {
        match hole {
            Hole::CsrfToken => &self.csrf_token,
            Hole::CustomerName => &self.name,
            Hole::CustomerLogin => &self.login,
            Hole::CartCount => &self.cart_count,
        }
    }
}

/// What a shared page depends on, besides the customer's [`Filling`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// The template.
    pub template: &'static str,
    /// The catalog index's generation.
    pub catalog: u64,
    /// What is said of the stock: its generation.
    pub stock: u64,
    /// The shared cases' progress: its generation.
    pub cases: u64,
    /// The prices' epoch ([`connector::pricing::PriceEpochs`]).
    pub price_epoch: usize,
    /// The language.
    pub lang: String,
    /// The pricelist.
    pub pricelist: i64,
    /// The fiscal position (it changes taxes and prices).
    pub fiscal_position: Option<i64>,
    /// The path and query (forms bring the customer back to it).
    pub path: String,
    /// The products of the page the customer marked: (id, favorite,
    /// quantity in the cart).
    pub marks: Vec<(i64, bool, Option<Decimal>)>,
}

#[derive(Debug)]
enum Part {
    Text(Text),
    Hole(Hole),
}

/// A piece of a page's text.
#[derive(Debug)]
struct Text {
    text: Box<str>,
}

impl Part {
    fn text(text: &str) -> Part {
        Part::Text(Text { text: text.into() })
    }
}

/// A step of a page's CRC-32 (gzip's), computed from the parts' CRCs
/// rather than over the page: see [`CrcStep::plan`].
#[derive(Debug)]
enum CrcStep {
    /// Text and CSRF tokens up to the next other value: its CRC with NULs
    /// in place of the tokens, the sum of x^(8 d) over the tokens (d: the
    /// bytes after each, to the end of the run), the shift over its length.
    Run { crc: u32, tokens: u32, shift: u32 },
    /// A value of varying length.
    Hole(Hole),
}

impl CrcStep {
    /// The steps of `parts`. CRC-32 is linear: the CRC of a run whose token
    /// places hold NULs, plus (xor) the raw CRC of the token times x^(8 d)
    /// for each place, is the CRC of the run with the token in its places.
    /// A page's CRC then takes one multiplication per run.
    fn plan(parts: &[Part], csrf_len: usize) -> Vec<CrcStep> {
        let zeros = crc32fast::hash(&vec![0; csrf_len]);
        let csrf_shift = crc32::shift(csrf_len as u64);
        let mut steps = Vec::new();
        let (mut crc, mut tokens, mut len) = (0, 0, 0_u64);
        for part in parts {
            match part {
                Part::Text(Text { text }) => {
                    let shift = crc32::shift(text.len() as u64);
                    crc = crc32::combine(crc, crc32fast::hash(text.as_bytes()), shift);
                    tokens = crc32::multiply(tokens, shift);
                    len += text.len() as u64;
                }
                Part::Hole(Hole::CsrfToken) => {
                    crc = crc32::combine(crc, zeros, csrf_shift);
                    tokens = crc32::multiply(tokens, csrf_shift) ^ crc32::ONE;
                    len += csrf_len as u64;
                }
                Part::Hole(hole) => {
                    steps.push(CrcStep::Run {
                        crc,
                        tokens,
                        shift: crc32::shift(len),
                    });
                    steps.push(CrcStep::Hole(*hole));
                    (crc, tokens, len) = (0, 0, 0);
                }
            }
        }
        steps.push(CrcStep::Run {
            crc,
            tokens,
            shift: crc32::shift(len),
        });
        steps
    }
}

/// The compressed form of a skeleton's parts.
#[derive(Debug)]
enum Deflated {
    /// A text's compressed bytes (ending flushed, or the stream's end).
    Bytes(Box<[u8]>),
    /// A value, written as a stored block.
    Hole(Hole),
}

/// A page cut at the customer's values.
#[derive(Debug)]
pub struct Skeleton {
    parts: Vec<Part>,
    /// The length of its text, values left out.
    text_len: usize,
    /// How many times each value appears (by [`Hole`] order).
    hole_counts: [usize; Hole::ALL.len()],
    /// The length of the CSRF token the compressed form was made for.
    csrf_len: usize,
    /// The CRC-32 of that many NULs.
    csrf_zeros: u32,
    /// How the CRC of a filled page is computed.
    crc_plan: Vec<CrcStep>,
    /// The compressed form (raw deflate), if the page could have one.
    deflated: Option<Vec<Deflated>>,
}

impl Skeleton {
    /// Cuts `rendered` (the page rendered with [`Hole::sentinel`]s) and
    /// checks it against `expected` (the page rendered for the customer of
    /// `filling`): `None` if filling it does not give that page.
    pub fn make(rendered: &str, expected: &str, filling: &Filling) -> Option<Skeleton> {
        let mut parts = Vec::new();
        let mut rest = rendered;
        let mut searched = 0;
        while let Some(at) = rest[searched..].find('\u{F8F0}').map(|at| at + searched) {
            let Some(hole) = Hole::ALL
                .into_iter()
                .find(|h| rest[at..].starts_with(h.sentinel()))
            else {
                searched = at + '\u{F8F0}'.len_utf8();
                continue;
            };
            if at > 0 {
                parts.push(Part::text(&rest[..at]));
            }
            parts.push(Part::Hole(hole));
            rest = &rest[at + hole.sentinel().len()..];
            searched = 0;
        }
        parts.push(Part::text(rest));
        let mut text_len = 0;
        let mut hole_counts = [0; Hole::ALL.len()];
        for part in &parts {
            match part {
                Part::Text(Text { text }) => text_len += text.len(),
                Part::Hole(hole) => hole_counts[*hole as usize] += 1,
            }
        }
        let mut skeleton = Skeleton {
            parts,
            text_len,
            hole_counts,
            csrf_len: filling.csrf_token.len(),
            csrf_zeros: crc32fast::hash(&vec![0; filling.csrf_token.len()]),
            crc_plan: Vec::new(),
            deflated: None,
        };
        if skeleton.fill(filling) != expected {
            return None;
        }
        skeleton.deflated = deflate_parts(&skeleton.parts, skeleton.csrf_len);
        skeleton.crc_plan = CrcStep::plan(&skeleton.parts, skeleton.csrf_len);
        if skeleton.deflated.is_some() && !skeleton.gzip_checks(filling) {
            tracing::error!("a shared page did not compress as expected: served uncompressed");
            skeleton.deflated = None;
        }
        Some(skeleton)
    }

    /// The page for the customer of `filling`.
    pub fn fill(&self, filling: &Filling) -> String {
        let mut out = String::with_capacity(self.size_hint());
        for part in &self.parts {
            match part {
                Part::Text(Text { text }) => out.push_str(text),
                Part::Hole(hole) => out.push_str(filling.value(*hole)),
            }
        }
        out
    }

    /// The page for the customer of `filling`, gzipped; `None` if this page
    /// has no compressed form (or the token's length changed).
    pub fn fill_gzip(&self, filling: &Filling) -> Option<Vec<u8>> {
        let deflated = self.deflated.as_ref()?;
        if filling.csrf_token.len() != self.csrf_len {
            return None;
        }
        let mut out = Vec::with_capacity(self.size_hint() / 4);
        // The gzip header: deflate, no name, no time, unknown system.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        for part in deflated {
            match part {
                Deflated::Bytes(bytes) => out.extend_from_slice(bytes),
                Deflated::Hole(hole) => stored_block(&mut out, filling.value(*hole).as_bytes()),
            }
        }
        let token = filling.csrf_token.as_bytes();
        // The raw CRC of the token (without gzip's initial and final
        // inversions, which only depend on the length).
        let token = crc32fast::hash(token) ^ self.csrf_zeros;
        let mut crc = 0;
        for step in &self.crc_plan {
            match step {
                CrcStep::Run {
                    crc: run,
                    tokens,
                    shift,
                } => {
                    let run = run ^ crc32::multiply(*tokens, token);
                    crc = crc32::combine(crc, run, *shift);
                }
                CrcStep::Hole(hole) => {
                    let value = filling.value(*hole).as_bytes();
                    crc = crc32::combine(crc, crc32fast::hash(value), crc32::shift(value.len() as u64));
                }
            }
        }
        let length = self.length(filling);
        out.extend_from_slice(&crc.to_le_bytes());
        // ISIZE is the length modulo 2^32.
        out.extend_from_slice(&((length & 0xffff_ffff) as u32).to_le_bytes());
        Some(out)
    }

    /// Whether the skeleton has a compressed form.
    pub fn compressed(&self) -> bool {
        self.deflated.is_some()
    }

    /// The length of the page filled with `filling`.
    fn length(&self, filling: &Filling) -> u64 {
        let values: usize = Hole::ALL
            .iter()
            .map(|h| self.hole_counts[*h as usize] * filling.value(*h).len())
            .sum();
        (self.text_len + values) as u64
    }

    fn size_hint(&self) -> usize {
        self.text_len + 64 * self.hole_counts.iter().sum::<usize>()
    }

    /// The bytes it is kept in, roughly (for the cache's weight).
    fn weight(&self) -> u32 {
        let compressed: usize = self
            .deflated
            .iter()
            .flatten()
            .map(|p| match p {
                Deflated::Bytes(bytes) => bytes.len(),
                Deflated::Hole(_) => 16,
            })
            .sum();
        u32::try_from(self.size_hint() + compressed).unwrap_or(u32::MAX)
    }

    fn gzip_checks(&self, filling: &Filling) -> bool {
        let Some(gzip) = self.fill_gzip(filling) else {
            return false;
        };
        let mut text = String::new();
        flate2::read::GzDecoder::new(gzip.as_slice())
            .read_to_string(&mut text)
            .is_ok()
            && text == self.fill(filling)
    }
}

/// A stored (uncompressed) deflate block, not final, holding `bytes`.
fn stored_block(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(usize::from(u16::MAX)) {
        // The previous block ended byte-aligned (a flush), so the header's
        // three bits (not final, type 00) take a whole byte.
        out.push(0);
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// The parts compressed as described in the module's documentation; `None`
/// if a text holds a NUL or the compressor fails.
fn deflate_parts(parts: &[Part], csrf_len: usize) -> Option<Vec<Deflated>> {
    let mut compress = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(parts.len());
    let placeholder = vec![0_u8; csrf_len];
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(Text { text, .. }) => {
                if text.as_bytes().contains(&0) {
                    return None;
                }
                let flush = match parts.get(i + 1) {
                    None => FlushCompress::Finish,
                    Some(Part::Hole(Hole::CsrfToken)) => FlushCompress::Sync,
                    Some(_) => FlushCompress::Full,
                };
                out.push(Deflated::Bytes(
                    deflate(&mut compress, text.as_bytes(), flush)?.into(),
                ));
            }
            Part::Hole(hole) => {
                if *hole == Hole::CsrfToken {
                    // The compressor sees the token's length in NULs; what
                    // it writes for them is replaced by the token.
                    deflate(&mut compress, &placeholder, FlushCompress::Sync)?;
                } else if !matches!(parts.get(i.wrapping_sub(1)), Some(Part::Text(_))) {
                    // Two values in a row: forget the first one too.
                    deflate(&mut compress, b"", FlushCompress::Full)?;
                }
                out.push(Deflated::Hole(*hole));
            }
        }
    }
    Some(out)
}

/// Compresses all of `input` and flushes as asked.
fn deflate(compress: &mut Compress, input: &[u8], flush: FlushCompress) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    let start = compress.total_in();
    loop {
        let consumed = usize::try_from(compress.total_in() - start).ok()?;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        let status = compress.compress_vec(&input[consumed..], &mut out, flush).ok()?;
        let consumed = usize::try_from(compress.total_in() - start).ok()?;
        let done = match flush {
            FlushCompress::Finish => status == flate2::Status::StreamEnd,
            // Flushed when the output was not filled up.
            _ => consumed == input.len() && out.len() < out.capacity(),
        };
        if done {
            return Some(out);
        }
    }
}

/// CRC-32 (gzip's) combined from the CRCs of pieces, as zlib's
/// `crc32_combine`: a page's CRC costs a few multiplications per piece
/// instead of a pass over the page.
mod crc32 {
    use std::sync::LazyLock;

    /// The reflected polynomial.
    const POLY: u32 = 0xedb8_8320;

    /// The polynomial 1 (x^0), bit-reflected.
    pub(super) const ONE: u32 = 1 << 31;

    /// `a * b` modulo the polynomial (bit-reflected representation).
    pub(super) fn multiply(a: u32, mut b: u32) -> u32 {
        if a == 0 {
            return 0;
        }
        let mut m = 1_u32 << 31;
        let mut p = 0;
        loop {
            if a & m != 0 {
                p ^= b;
                if a & (m - 1) == 0 {
                    return p;
                }
            }
            m >>= 1;
            b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        }
    }

    /// x^(2^k) modulo the polynomial, for k in 0..32.
    static POWERS: LazyLock<[u32; 32]> = LazyLock::new(|| {
        let mut table = [0; 32];
        let mut p = 1 << 30; // x^1
        for entry in &mut table {
            *entry = p;
            p = multiply(p, p);
        }
        table
    });

    /// The operator that shifts a CRC over `len` bytes: x^(8 len).
    pub(super) fn shift(mut len: u64) -> u32 {
        let mut p = 1 << 31; // x^0
        let mut k = 3; // 8 = 2^3 bits per byte
        while len != 0 {
            if len & 1 != 0 {
                p = multiply(POWERS[k & 31], p);
            }
            len >>= 1;
            k += 1;
        }
        p
    }

    /// The CRC of A then B, from A's CRC, B's CRC and B's [`shift`].
    pub(super) fn combine(crc_a: u32, crc_b: u32, shift_b: u32) -> u32 {
        multiply(shift_b, crc_a) ^ crc_b
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn combined_crcs_are_the_crc_of_the_whole() {
            let text: Vec<u8> = (0..5000_u32).map(|i| (i * 7919 % 251) as u8).collect();
            for cuts in [
                vec![],
                vec![0],
                vec![1],
                vec![100, 101, 4999],
                vec![17, 1024, 2048, 4096],
            ] {
                let mut crc = 0;
                let mut from = 0;
                for to in cuts.into_iter().chain([text.len()]) {
                    let piece = &text[from..to];
                    crc = super::combine(crc, crc32fast::hash(piece), super::shift(piece.len() as u64));
                    from = to;
                }
                assert_eq!(crc, crc32fast::hash(&text));
            }
        }
    }
}

/// The shared pages.
#[derive(Debug)]
pub struct PageCache {
    pages: moka::sync::Cache<PageKey, Arc<Skeleton>>,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache {
            pages: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|_, skeleton: &Arc<Skeleton>| skeleton.weight())
                .time_to_idle(IDLE)
                .build(),
        }
    }
}

impl PageCache {
    /// The skeleton kept under `key`.
    pub fn get(&self, key: &PageKey) -> Option<Arc<Skeleton>> {
        self.pages.get(key)
    }

    /// Keeps a skeleton.
    pub fn insert(&self, key: PageKey, skeleton: Arc<Skeleton>) {
        self.pages.insert(key, skeleton);
    }
}

/// Whether an `Accept-Encoding` header accepts gzip.
pub fn accepts_gzip(header: &str) -> bool {
    header.split(',').any(|coding| {
        let mut params = coding.split(';');
        let name = params.next().unwrap_or_default().trim();
        let wanted = name.eq_ignore_ascii_case("gzip") || name == "*";
        let refused = params.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        wanted && !refused
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn filling(csrf: &str, name: &str, cart: &str) -> Filling {
        Filling {
            csrf_token: csrf.into(),
            name: name.into(),
            login: format!("{name}@example.com"),
            cart_count: cart.into(),
        }
    }

    /// A page as the templates make it: forms repeating the token, the
    /// name and the cart count in between.
    fn page(f: &Filling) -> String {
        let mut page = format!(
            "<header>{} <span>{}</span><form><input value=\"{}\"></form></header><ul>",
            f.name, f.cart_count, f.csrf_token
        );
        for i in 0..40 {
            page.push_str(&format!(
                "<li><article>Product {i} at {}.{:02} €<form><input name=\"csrf_token\" value=\"{}\">\
                 <input name=\"product_id\" value=\"{i}\"></form></article></li>\n",
                i * 7 % 13,
                i * 31 % 100,
                f.csrf_token
            ));
        }
        page.push_str(&format!(
            "</ul><footer>{}{}{}</footer>",
            f.name, f.login, f.cart_count
        ));
        page
    }

    fn sentinels() -> Filling {
        Filling {
            csrf_token: Hole::CsrfToken.sentinel().into(),
            name: Hole::CustomerName.sentinel().into(),
            login: Hole::CustomerLogin.sentinel().into(),
            cart_count: Hole::CartCount.sentinel().into(),
        }
    }

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_skeleton_fills_in_each_customers_values() {
        let claire = filling("Ws3xtLFpVslmNGk1P5lWiZVVOWHNp0njB5VSGEJuhPI", "Claire", "2");
        let skeleton = Skeleton::make(&page(&sentinels()), &page(&claire), &claire).unwrap();
        assert!(skeleton.compressed());
        for other in [
            filling(
                "AAAAtLFpVslmNGk1P5lWiZVVOWHNp0njB5VSGEJu000",
                "Camille &amp; Co",
                "17",
            ),
            filling("zzzztLFpVslmNGk1P5lWiZVVOWHNp0njB5VSGEJu999", "", "0"),
            // A longer token: no compressed form for it, the text still.
            filling("a-token-of-another-length", "Zoé", "1"),
        ] {
            let text = skeleton.fill(&other);
            assert_eq!(text, page(&other));
            match skeleton.fill_gzip(&other) {
                Some(gzip) => {
                    assert_eq!(gunzip(&gzip), text);
                    // The tokens (a quarter of this page) stay as they are.
                    assert!(gzip.len() * 2 < text.len(), "{} of {}", gzip.len(), text.len());
                }
                None => assert_ne!(other.csrf_token.len(), claire.csrf_token.len()),
            }
        }
    }

    #[test]
    fn a_page_that_does_not_fill_back_is_not_shared() {
        let claire = filling("Ws3xtLFpVslmNGk1P5lWiZVVOWHNp0njB5VSGEJuhPI", "Claire", "2");
        // A template that upper-cases the name: the sentinel survives, but
        // the page it gives is not Claire's.
        let mut upper = page(&claire);
        upper = upper.replace("<header>Claire", "<header>CLAIRE");
        assert!(Skeleton::make(&page(&sentinels()), &upper, &claire).is_none());
        // A page with the customer's own value baked in instead of a
        // sentinel would show it to others: refused likewise.
        let baked = page(&Filling {
            name: "Claire".into(),
            ..sentinels()
        });
        let camille = filling("Ws3xtLFpVslmNGk1P5lWiZVVOWHNp0njB5VSGEJuhPI", "Camille", "2");
        assert!(Skeleton::make(&baked, &page(&camille), &camille).is_none());
    }

    #[test]
    fn values_in_a_row_and_at_the_edges() {
        let f = filling("tok", "N", "3");
        let rendered = format!(
            "{}{}{}x{}",
            Hole::CartCount.sentinel(),
            Hole::CsrfToken.sentinel(),
            Hole::CustomerName.sentinel(),
            Hole::CustomerLogin.sentinel()
        );
        let expected = format!("3tokNx{}", f.login);
        let skeleton = Skeleton::make(&rendered, &expected, &f).unwrap();
        let g = filling("abc", "<Long name>", "12");
        assert_eq!(
            gunzip(&skeleton.fill_gzip(&g).unwrap()),
            format!("12abc<Long name>x{}", g.login)
        );
    }

    #[test]
    fn a_page_holding_a_nul_is_shared_uncompressed() {
        let f = filling("tok", "N", "3");
        let rendered = format!("a\0b{}c", Hole::CsrfToken.sentinel());
        let skeleton = Skeleton::make(&rendered, "a\0btokc", &f).unwrap();
        assert!(!skeleton.compressed());
        assert_eq!(skeleton.fill(&filling("xyz", "", "")), "a\0bxyzc");
    }

    #[test]
    fn long_values_span_stored_blocks() {
        let f = filling("tok", "N", "3");
        let rendered = format!("<p>{}</p>", Hole::CustomerName.sentinel());
        let skeleton = Skeleton::make(&rendered, "<p>N</p>", &f).unwrap();
        let long = "é".repeat(70_000);
        let g = filling("tok", &long, "3");
        assert_eq!(gunzip(&skeleton.fill_gzip(&g).unwrap()), format!("<p>{long}</p>"));
    }

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip("gzip, deflate, br, zstd"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
    }
}
