//! Product search: an immutable in-memory index over product names (in
//! every language the shop offers), internal references, barcodes and
//! category names, for type-ahead.
//!
//! Build a [`SearchIndex`] from [`SearchDoc`]s once per snapshot, then
//! query it from any number of threads with [`SearchIndex::search`].
//!
//! # Matching
//!
//! Text is folded (lowercase, accents and other diacritics removed:
//! `Crème` → `creme`, `Œuf` → `oeuf`, `Straße` → `strasse`) and cut into
//! words at every non-alphanumeric character; see [`normalize`]. Every word
//! of the query must match (AND) the start of some word of the product —
//! of its name in any language, its reference, its barcode or its
//! category path. Queries are read up to [`MAX_QUERY_BYTES`] bytes and
//! [`MAX_QUERY_TOKENS`] distinct words; empty queries find nothing.
//!
//! # Ranking
//!
//! Each query word scores its best match in the product, and the scores
//! add up. By what the word matched, best first:
//!
//! 1. the name in the requested language;
//! 2. the name shown instead when the product has none in that language
//!    (`en_US`, else its first name);
//! 3. the internal reference or the barcode;
//! 4. the name in another language;
//! 5. the category path.
//!
//! Within a kind, a whole word beats a word's prefix, and the first word
//! of the name (of the reference; the leaf of a category path) beats a
//! later one. A query equal to a product's whole reference or barcode
//! (after folding) puts that product first. Ties go to the shorter name
//! (as shown in the requested language), then to the smaller id, so
//! results are stable.
//!
//! # Layout
//!
//! The words of all products are interned once in one sorted table (one
//! string plus offsets), so the words starting with a prefix are a
//! contiguous range found by binary search; each word has a posting list
//! of (document index `u32`, tag `u8`) pairs stored contiguously in word
//! order, so a prefix's postings are one slice. About 150–200 bytes per
//! product in all; see [`SearchIndex::heap_bytes`].

mod fold;
#[cfg(test)]
mod tests;

use std::cmp::{Ordering, Reverse};
use std::collections::{HashMap, HashSet};
use std::fmt;

pub use fold::normalize;

/// Queries are read up to this many bytes (at a character boundary).
pub const MAX_QUERY_BYTES: usize = 1024;
/// Queries are read up to this many distinct words.
pub const MAX_QUERY_TOKENS: usize = 8;
/// Names in more languages than this (in order of first appearance) are
/// not indexed.
pub const MAX_LANGS: usize = 32;
/// The language shown when a product has no name in the requested one.
pub const FALLBACK_LANG: &str = "en_US";

/// Per-word scores; a product's score is the sum over the query's words
/// of each word's best match, plus [`EXACT_CODE`](score::EXACT_CODE).
pub mod score {
    /// The whole query equals the product's reference or barcode.
    pub const EXACT_CODE: u32 = 100_000;
    /// A word of the name in the requested language.
    pub const NAME: u16 = 600;
    /// A word of the name shown instead, the product having none in the
    /// requested language.
    pub const NAME_FALLBACK: u16 = 500;
    /// A word of the reference or barcode.
    pub const CODE: u16 = 400;
    /// A word of the name in another language.
    pub const NAME_OTHER: u16 = 300;
    /// A word of a category path.
    pub const CATEGORY: u16 = 200;
    /// Added when the query word is the whole word, not only its prefix.
    pub const WHOLE_WORD: u16 = 30;
    /// Added when the word leads: the first of a name or reference, or in
    /// the leaf of a category path.
    pub const LEADING_WORD: u16 = 15;
}

// A posting's tag: bits 0-1 the field, bit 2 the leading flag, bits 3-7 the
// language of a name.
const FIELD_MASK: u8 = 0b11;
const FIELD_NAME: u8 = 0;
const FIELD_CATEGORY: u8 = 1;
const FIELD_CODE: u8 = 2;
const LEADING: u8 = 0b100;
const LANG_SHIFT: u8 = 3;

/// A product as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchDoc {
    /// The product's id, returned in [`Hit`]s.
    pub id: i64,
    /// Its name in each language, as `(lang, name)`, e.g.
    /// `("fr_FR", "Pain de campagne")`. The first entry of a language wins.
    pub names: Vec<(String, String)>,
    /// The internal reference.
    pub default_code: Option<String>,
    /// The barcode.
    pub barcode: Option<String>,
    /// Its categories' full names, as `(lang, full name)`, e.g.
    /// `("fr_FR", "Boulangerie / Pains")`.
    pub categories: Vec<(String, String)>,
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hit {
    /// The product's id.
    pub id: i64,
    /// Its score: higher is better; see [`score`].
    pub score: u32,
}

/// The search index. Immutable once built; `Send + Sync`, and queries
/// take `&self`.
#[derive(Clone, Default)]
pub struct SearchIndex {
    /// Languages of the names, by index.
    langs: Vec<Box<str>>,
    /// Product ids, by document index.
    ids: Vec<i64>,
    /// Bit `l` set when the document has a name in language `l`.
    name_langs: Vec<u32>,
    /// The language shown when the document has no name in the requested
    /// one.
    fallback_lang: Vec<u8>,
    /// The length in characters of the name shown, by document and
    /// requested language (`langs.len() + 1` columns; the last for a
    /// language no document has).
    name_len: Vec<u16>,
    /// The words, sorted, concatenated.
    token_text: String,
    /// Where each word ends in `token_text`.
    token_end: Vec<u32>,
    /// Where each word's postings start (one more entry than words).
    posting_start: Vec<u32>,
    /// Postings: document indexes...
    posting_doc: Vec<u32>,
    /// ...and tags.
    posting_tag: Vec<u8>,
    /// Folded references and barcodes, sorted, concatenated.
    code_text: String,
    /// Where each ends in `code_text`, and its document.
    codes: Vec<(u32, u32)>,
}

impl SearchIndex {
    /// Indexes `docs`. A document whose id was already seen is skipped.
    pub fn build(docs: impl IntoIterator<Item = SearchDoc>) -> Self {
        let mut builder = Builder::default();
        for doc in docs {
            builder.add(&doc);
        }
        builder.finish()
    }

    /// The number of products indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no product is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The number of distinct words indexed.
    pub fn token_count(&self) -> usize {
        self.token_end.len()
    }

    /// The number of (word, product, field) postings.
    pub fn posting_count(&self) -> usize {
        self.posting_doc.len()
    }

    /// The heap memory the index holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        fn vec<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        vec(&self.langs)
            + self.langs.iter().map(|l| l.len()).sum::<usize>()
            + vec(&self.ids)
            + vec(&self.name_langs)
            + vec(&self.fallback_lang)
            + vec(&self.name_len)
            + self.token_text.capacity()
            + vec(&self.token_end)
            + vec(&self.posting_start)
            + vec(&self.posting_doc)
            + vec(&self.posting_tag)
            + self.code_text.capacity()
            + vec(&self.codes)
    }

    /// The best `limit` products for `query`, for a customer reading
    /// `lang` (e.g. `fr_FR`), best first.
    pub fn search(&self, query: &str, lang: &str, limit: usize) -> Vec<Hit> {
        self.search_filtered(query, lang, limit, |_| true)
    }

    /// Like [`search`](Self::search), among the products whose id `allow`
    /// accepts (e.g. those of one category, or those a customer may buy).
    pub fn search_filtered(
        &self,
        query: &str,
        lang: &str,
        limit: usize,
        allow: impl Fn(i64) -> bool,
    ) -> Vec<Hit> {
        if limit == 0 || self.ids.is_empty() {
            return Vec::new();
        }
        let query = Query::parse(query);
        if query.words.is_empty() {
            return Vec::new();
        }
        let lang = self.langs.iter().position(|l| **l == *lang).map(|l| l as u8);

        // Each query word's postings: those of the words it prefixes, the
        // first ones (`whole_end`) being those of the word equal to it.
        let mut terms = Vec::with_capacity(query.words.len());
        for word in &query.words {
            let (lo, hi) = self.prefix_range(word);
            if lo == hi {
                return Vec::new();
            }
            let whole_end = if self.token(lo) == word {
                self.posting_start[lo + 1]
            } else {
                self.posting_start[lo]
            };
            terms.push((self.posting_start[lo], whole_end, self.posting_start[hi]));
        }
        // The most selective first: later words only refine its candidates.
        terms.sort_unstable_by_key(|&(start, _, end)| end - start);

        let n = self.ids.len();
        // How many words each document matched so far, and its best score
        // for the current word.
        let mut matched = vec![0u8; n];
        let mut best = vec![0u16; n];
        let mut candidates: Vec<(u32, u32)> = Vec::new();
        for (i, &(start, whole_end, end)) in terms.iter().enumerate() {
            let i = i as u8;
            for p in start as usize..end as usize {
                let doc = self.posting_doc[p] as usize;
                let seen = matched[doc];
                if seen < i {
                    continue;
                }
                let s = self.posting_score(p, doc, lang, (p as u32) < whole_end);
                if seen == i {
                    matched[doc] = i + 1;
                    best[doc] = s;
                    if i == 0 {
                        candidates.push((doc as u32, 0));
                    }
                } else if s > best[doc] {
                    best[doc] = s;
                }
            }
            candidates.retain_mut(|(doc, total)| {
                let doc = *doc as usize;
                if matched[doc] == i + 1 {
                    *total += u32::from(best[doc]);
                    true
                } else {
                    false
                }
            });
            if candidates.is_empty() {
                return Vec::new();
            }
        }

        // A query that is a whole reference or barcode. Scores stay far
        // below u16::MAX, which marks these documents in `best`.
        if let Some(key) = &query.code_key {
            let (lo, hi) = self.code_range(key);
            if lo < hi {
                for &(_, doc) in &self.codes[lo..hi] {
                    best[doc as usize] = u16::MAX;
                }
                for (doc, total) in &mut candidates {
                    if best[*doc as usize] == u16::MAX {
                        *total += score::EXACT_CODE;
                    }
                }
            }
        }

        candidates.retain(|&(doc, _)| allow(self.ids[doc as usize]));
        let column = usize::from(lang.unwrap_or(self.langs.len() as u8));
        let columns = self.langs.len() + 1;
        let order = |a: &(u32, u32), b: &(u32, u32)| -> Ordering {
            let key = |&(doc, total): &(u32, u32)| {
                let doc = doc as usize;
                (
                    Reverse(total),
                    self.name_len[doc * columns + column],
                    self.ids[doc],
                )
            };
            key(a).cmp(&key(b))
        };
        if candidates.len() > limit {
            candidates.select_nth_unstable_by(limit - 1, order);
            candidates.truncate(limit);
        }
        candidates.sort_unstable_by(order);
        candidates
            .into_iter()
            .map(|(doc, score)| Hit {
                id: self.ids[doc as usize],
                score,
            })
            .collect()
    }

    fn token(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.token_end[i - 1] as usize };
        &self.token_text[start..self.token_end[i] as usize]
    }

    fn code(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.codes[i - 1].0 as usize };
        &self.code_text[start..self.codes[i].0 as usize]
    }

    /// The words starting with `prefix`: a range of word indexes.
    fn prefix_range(&self, prefix: &str) -> (usize, usize) {
        let n = self.token_end.len();
        let lo = partition_point(0, n, |i| self.token(i) < prefix);
        let hi = partition_point(lo, n, |i| self.token(i).starts_with(prefix));
        (lo, hi)
    }

    /// The references and barcodes equal to `key`: a range of `codes`.
    fn code_range(&self, key: &str) -> (usize, usize) {
        let n = self.codes.len();
        let lo = partition_point(0, n, |i| self.code(i) < key);
        let hi = partition_point(lo, n, |i| self.code(i) == key);
        (lo, hi)
    }

    fn posting_score(&self, p: usize, doc: usize, lang: Option<u8>, whole: bool) -> u16 {
        let tag = self.posting_tag[p];
        let mut s = match tag & FIELD_MASK {
            FIELD_NAME => {
                let name_lang = tag >> LANG_SHIFT;
                match lang {
                    Some(l) if l == name_lang => score::NAME,
                    _ => {
                        let has_lang = lang.is_some_and(|l| self.name_langs[doc] & (1 << l) != 0);
                        if !has_lang && name_lang == self.fallback_lang[doc] {
                            score::NAME_FALLBACK
                        } else {
                            score::NAME_OTHER
                        }
                    }
                }
            }
            FIELD_CODE => score::CODE,
            _ => score::CATEGORY,
        };
        if whole {
            s += score::WHOLE_WORD;
        }
        if tag & LEADING != 0 {
            s += score::LEADING_WORD;
        }
        s
    }
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("products", &self.len())
            .field("langs", &self.langs)
            .field("tokens", &self.token_count())
            .field("postings", &self.posting_count())
            .field("codes", &self.codes.len())
            .field("heap_bytes", &self.heap_bytes())
            .finish()
    }
}

/// The first index in `lo..hi` where `pred` is false, `pred` being true
/// then false over the range.
fn partition_point(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A parsed query.
struct Query {
    /// Distinct folded words, at most [`MAX_QUERY_TOKENS`].
    words: Vec<String>,
    /// All its words joined by spaces, when none was dropped: the key of
    /// an exact reference or barcode match.
    code_key: Option<String>,
}

impl Query {
    fn parse(text: &str) -> Self {
        let mut cut = text.len().min(MAX_QUERY_BYTES);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut words: Vec<String> = Vec::new();
        let mut all = 0usize;
        let mut key = String::new();
        fold::tokens(&text[..cut], |w| {
            all += 1;
            if all <= MAX_QUERY_TOKENS {
                if !key.is_empty() {
                    key.push(' ');
                }
                key.push_str(w);
                if words.len() < MAX_QUERY_TOKENS && !words.iter().any(|x| x == w) {
                    words.push(w.to_owned());
                }
            }
        });
        let complete = cut == text.len() && all <= MAX_QUERY_TOKENS && !key.is_empty();
        Query {
            words,
            code_key: complete.then_some(key),
        }
    }
}

#[derive(Default)]
struct Builder {
    langs: Vec<Box<str>>,
    seen: HashSet<i64>,
    ids: Vec<i64>,
    name_langs: Vec<u32>,
    fallback_lang: Vec<u8>,
    /// (document, language, length of the name in characters).
    name_lens: Vec<(u32, u8, u16)>,
    words: HashMap<Box<str>, u32>,
    /// (word, document, tag).
    postings: Vec<(u32, u32, u8)>,
    /// (folded code, document).
    codes: Vec<(String, u32)>,
}

impl Builder {
    fn lang(&mut self, lang: &str) -> Option<u8> {
        if let Some(l) = self.langs.iter().position(|l| **l == *lang) {
            return Some(l as u8);
        }
        if self.langs.len() >= MAX_LANGS {
            return None;
        }
        self.langs.push(lang.into());
        Some((self.langs.len() - 1) as u8)
    }

    fn add(&mut self, doc: &SearchDoc) {
        if self.ids.len() >= u32::MAX as usize || !self.seen.insert(doc.id) {
            return;
        }
        let d = self.ids.len() as u32;
        self.ids.push(doc.id);

        let mut mask = 0u32;
        let mut first = None;
        let mut fallback = None;
        for (lang, name) in &doc.names {
            let Some(l) = self.lang(lang) else { continue };
            if mask & (1 << l) != 0 {
                continue;
            }
            mask |= 1 << l;
            first.get_or_insert(l);
            if **lang == *FALLBACK_LANG {
                fallback = Some(l);
            }
            let len = name.trim().chars().count().min(usize::from(u16::MAX)) as u16;
            self.name_lens.push((d, l, len));
            self.add_words(name, d, (l << LANG_SHIFT) | FIELD_NAME, true);
        }
        self.name_langs.push(mask);
        self.fallback_lang.push(fallback.or(first).unwrap_or(0));

        for (_, path) in &doc.categories {
            let (parents, leaf) = path.rsplit_once('/').unwrap_or(("", path));
            self.add_words(parents, d, FIELD_CATEGORY, false);
            self.add_words(leaf, d, FIELD_CATEGORY | LEADING, false);
        }

        for code in [&doc.default_code, &doc.barcode].into_iter().flatten() {
            let key = normalize(code);
            if !key.is_empty() {
                self.add_words(code, d, FIELD_CODE, true);
                self.codes.push((key, d));
            }
        }
    }

    /// Adds a posting for each word of `text`; with `lead_first`, the
    /// first word's tag gets [`LEADING`].
    fn add_words(&mut self, text: &str, doc: u32, tag: u8, lead_first: bool) {
        let mut lead = lead_first;
        let (words, postings) = (&mut self.words, &mut self.postings);
        fold::tokens(text, |w| {
            let next = words.len() as u32;
            let id = *words.entry(w.into()).or_insert(next);
            postings.push((id, doc, if lead { tag | LEADING } else { tag }));
            lead = false;
        });
    }

    fn finish(self) -> SearchIndex {
        let Builder {
            langs,
            ids,
            name_langs,
            fallback_lang,
            mut name_lens,
            words,
            mut postings,
            mut codes,
            ..
        } = self;

        // Shown-name lengths, by document and requested language.
        let columns = langs.len() + 1;
        let mut name_len = vec![0u16; ids.len() * columns];
        name_lens.sort_unstable();
        for group in name_lens.chunk_by(|a, b| a.0 == b.0) {
            let doc = group[0].0 as usize;
            let len_of = |lang: u8| group.iter().find(|g| g.1 == lang).map_or(0, |g| g.2);
            let fallback = len_of(fallback_lang[doc]);
            for (column, slot) in name_len[doc * columns..(doc + 1) * columns]
                .iter_mut()
                .enumerate()
            {
                *slot = if column < langs.len() && name_langs[doc] & (1 << column) != 0 {
                    len_of(column as u8)
                } else {
                    fallback
                };
            }
        }

        // Words in sorted order, and postings renumbered accordingly.
        let mut sorted: Vec<(Box<str>, u32)> = words.into_iter().collect();
        sorted.sort_unstable();
        let mut rank = vec![0u32; sorted.len()];
        let mut token_text = String::with_capacity(sorted.iter().map(|(w, _)| w.len()).sum());
        let mut token_end = Vec::with_capacity(sorted.len());
        for (new, (word, old)) in sorted.iter().enumerate() {
            rank[*old as usize] = new as u32;
            token_text.push_str(word);
            token_end.push(token_text.len() as u32);
        }
        drop(sorted);
        for posting in &mut postings {
            posting.0 = rank[posting.0 as usize];
        }
        // One posting per (word, document, field and language), leading
        // if any occurrence leads.
        postings.sort_unstable_by_key(|&(word, doc, tag)| (word, doc, tag & !LEADING, tag & LEADING == 0));
        postings.dedup_by_key(|&mut (word, doc, tag)| (word, doc, tag & !LEADING));

        let mut posting_start = Vec::with_capacity(token_end.len() + 1);
        let mut posting_doc = Vec::with_capacity(postings.len());
        let mut posting_tag = Vec::with_capacity(postings.len());
        for (i, &(word, doc, tag)) in postings.iter().enumerate() {
            while posting_start.len() <= word as usize {
                posting_start.push(i as u32);
            }
            posting_doc.push(doc);
            posting_tag.push(tag);
        }
        while posting_start.len() <= token_end.len() {
            posting_start.push(postings.len() as u32);
        }
        drop(postings);

        codes.sort_unstable();
        codes.dedup();
        let mut code_text = String::with_capacity(codes.iter().map(|(c, _)| c.len()).sum());
        let mut code_ends = Vec::with_capacity(codes.len());
        for (code, doc) in &codes {
            code_text.push_str(code);
            code_ends.push((code_text.len() as u32, *doc));
        }

        SearchIndex {
            langs,
            ids,
            name_langs,
            fallback_lang,
            name_len,
            token_text,
            token_end,
            posting_start,
            posting_doc,
            posting_tag,
            code_text,
            codes: code_ends,
        }
        .shrunk()
    }
}

impl SearchIndex {
    fn shrunk(mut self) -> Self {
        self.langs.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.name_langs.shrink_to_fit();
        self.fallback_lang.shrink_to_fit();
        self.name_len.shrink_to_fit();
        self.token_text.shrink_to_fit();
        self.token_end.shrink_to_fit();
        self.posting_start.shrink_to_fit();
        self.posting_doc.shrink_to_fit();
        self.posting_tag.shrink_to_fit();
        self.code_text.shrink_to_fit();
        self.codes.shrink_to_fit();
        self
    }
}
