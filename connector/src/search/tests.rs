#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn doc(
    id: i64,
    fr: &str,
    en: &str,
    code: Option<&str>,
    barcode: Option<&str>,
    cat: (&str, &str),
) -> SearchDoc {
    let mut names = Vec::new();
    if !fr.is_empty() {
        names.push(("fr_FR".to_owned(), fr.to_owned()));
    }
    if !en.is_empty() {
        names.push(("en_US".to_owned(), en.to_owned()));
    }
    let mut categories = Vec::new();
    if !cat.0.is_empty() {
        categories.push(("fr_FR".to_owned(), cat.0.to_owned()));
    }
    if !cat.1.is_empty() {
        categories.push(("en_US".to_owned(), cat.1.to_owned()));
    }
    SearchDoc {
        id,
        names,
        default_code: code.map(str::to_owned),
        barcode: barcode.map(str::to_owned),
        categories,
    }
}

const BREAD: (&str, &str) = ("Boulangerie / Pains", "Bakery / Breads");
const PASTRY: (&str, &str) = ("Boulangerie / Viennoiseries", "Bakery / Pastries");
const DESSERT: (&str, &str) = ("Épicerie / Desserts", "Grocery / Desserts");
const DAIRY: (&str, &str) = ("Crèmerie", "Dairy");

fn shop() -> SearchIndex {
    SearchIndex::build([
        doc(
            1,
            "Baguette tradition",
            "Traditional baguette",
            Some("PAIN-001"),
            Some("3000000000017"),
            BREAD,
        ),
        doc(
            2,
            "Pain de campagne",
            "Country bread",
            Some("PAIN-002"),
            None,
            BREAD,
        ),
        doc(
            3,
            "Crème brûlée",
            "Crème brûlée",
            Some("DES-010"),
            Some("3000000000024"),
            DESSERT,
        ),
        doc(
            4,
            "Croissant au beurre",
            "Butter croissant",
            Some("VIE-001"),
            None,
            PASTRY,
        ),
        doc(
            5,
            "Pain au chocolat",
            "Chocolate croissant",
            Some("VIE-002"),
            None,
            PASTRY,
        ),
        doc(
            6,
            "Crème fraîche épaisse",
            "Thick cream",
            Some("CRE-001"),
            None,
            DAIRY,
        ),
        doc(7, "Beurre doux", "Unsalted butter", Some("CRE-002"), None, DAIRY),
        doc(8, "Pain d'épices", "Gingerbread", Some("EPI-003"), None, DESSERT),
        doc(9, "Sac à baguette", "Baguette bag", None, None, ("", "")),
        // English only: French readers see the English name.
        doc(10, "", "Sourdough loaf", Some("PAIN-010"), None, BREAD),
    ])
}

fn ids(hits: &[Hit]) -> Vec<i64> {
    hits.iter().map(|h| h.id).collect()
}

fn search(index: &SearchIndex, q: &str, lang: &str) -> Vec<i64> {
    ids(&index.search(q, lang, 50))
}

#[test]
fn index_is_send_sync_and_counts_products() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SearchIndex>();
    let index = shop();
    assert_eq!(index.len(), 10);
    assert!(!index.is_empty());
    assert!(index.heap_bytes() > 0);
    assert!(SearchIndex::default().is_empty());
    assert!(SearchIndex::default().search("pain", "fr_FR", 10).is_empty());
    assert!(format!("{index:?}").contains("products: 10"));
}

#[test]
fn accents_and_case_do_not_matter() {
    let index = shop();
    for q in [
        "creme",
        "CRÈME",
        "crème",
        "Cre\u{300}me",
        "CREME BRULEE",
        "brûlée",
        "brulee",
    ] {
        let found = search(&index, q, "fr_FR");
        assert!(found.contains(&3), "{q:?} finds the crème brûlée: {found:?}");
    }
    assert_eq!(search(&index, "creme brulee", "fr_FR"), vec![3]);
    assert_eq!(search(&index, "epices", "fr_FR"), vec![8]);
    assert_eq!(search(&index, "EPAISSE", "fr_FR"), vec![6]);
}

#[test]
fn last_word_is_a_prefix() {
    let index = shop();
    let found = search(&index, "bag", "fr_FR");
    assert!(found.contains(&1) && found.contains(&9), "{found:?}");
    assert_eq!(
        search(&index, "b", "fr_FR").first(),
        Some(&7),
        "Beurre doux: first word, short name"
    );
    assert!(search(&index, "baguettes", "fr_FR").is_empty());
    assert!(search(&index, "xyz", "fr_FR").is_empty());
}

#[test]
fn every_word_must_match() {
    let index = shop();
    assert_eq!(search(&index, "pain choc", "fr_FR"), vec![5]);
    assert_eq!(search(&index, "choc pain", "fr_FR"), vec![5]);
    assert_eq!(search(&index, "pain campagne", "fr_FR"), vec![2]);
    assert!(search(&index, "pain fromage", "fr_FR").is_empty());
    // Earlier words may be prefixes too.
    assert_eq!(search(&index, "cro beu", "fr_FR"), vec![4]);
    // Words may match different fields: "pains" the category, "camp" the name.
    assert_eq!(search(&index, "pains camp", "fr_FR"), vec![2]);
    // A repeated word changes nothing.
    assert_eq!(search(&index, "pain pain choc", "fr_FR"), vec![5]);
}

#[test]
fn names_are_read_in_the_customers_language() {
    let index = shop();
    // French names for French readers, English names for English ones.
    assert_eq!(search(&index, "campagne", "fr_FR"), vec![2]);
    assert_eq!(search(&index, "country", "en_US"), vec![2]);
    let gingerbread = index.search("gingerbread", "en_US", 10);
    let pain_epices = index.search("pain d'epices", "fr_FR", 10);
    assert_eq!(ids(&gingerbread), vec![8]);
    assert_eq!(ids(&pain_epices), vec![8]);
    // Names in the other language still match, ranked below.
    let other = index.search("gingerbread", "fr_FR", 10);
    assert_eq!(ids(&other), vec![8]);
    assert!(other[0].score < gingerbread[0].score);
    // "butter": the English names for English readers (first word first)...
    assert_eq!(search(&index, "butter", "en_US"), vec![4, 7]);
    // ...and "beurre" the French one for French readers.
    assert_eq!(search(&index, "beurre", "fr_FR"), vec![7, 4]);
}

#[test]
fn missing_names_fall_back_to_english_then_to_the_first() {
    let index = shop();
    // Product 10 has no French name: French readers find its English one,
    // ranked as their own language's (it is what they see).
    let hits = index.search("sourdough", "fr_FR", 10);
    assert_eq!(ids(&hits), vec![10]);
    assert_eq!(
        hits[0].score,
        u32::from(score::NAME_FALLBACK + score::WHOLE_WORD + score::LEADING_WORD)
    );
    // A language no product has: everyone falls back to English.
    // (1 and 10 by their English category, "Breads".)
    let hits = index.search("bread", "de_DE", 10);
    assert_eq!(ids(&hits), vec![2, 10, 1]);
    assert_eq!(hits[0].score, u32::from(score::NAME_FALLBACK + score::WHOLE_WORD));

    // No English name: the first one.
    let index = SearchIndex::build([
        SearchDoc {
            id: 1,
            names: vec![
                ("nl_NL".into(), "Roggebrood".into()),
                ("fr_FR".into(), "Pain de seigle".into()),
            ],
            ..Default::default()
        },
        SearchDoc {
            id: 2,
            names: vec![("nl_NL".into(), "Roggebrood met noten".into())],
            ..Default::default()
        },
    ]);
    let hits = index.search("rogge", "de_DE", 10);
    assert_eq!(ids(&hits), vec![1, 2]);
    assert_eq!(
        hits[0].score,
        u32::from(score::NAME_FALLBACK + score::LEADING_WORD)
    );
    // A French reader sees product 1 in French, product 2 in Dutch.
    let hits = index.search("rogge", "fr_FR", 10);
    assert_eq!(ids(&hits), vec![2, 1]);
    assert_eq!(hits[1].score, u32::from(score::NAME_OTHER + score::LEADING_WORD));
}

#[test]
fn exact_reference_and_barcode_rank_first() {
    let index = shop();
    // "pain" is in many names, and the prefix of several references;
    // "PAIN-002" exactly is product 2's reference.
    let hits = index.search("PAIN-002", "fr_FR", 10);
    assert_eq!(hits[0].id, 2);
    assert!(hits[0].score >= score::EXACT_CODE);
    assert_eq!(search(&index, "pain 002", "fr_FR")[0], 2);
    assert_eq!(search(&index, "pain_002", "fr_FR")[0], 2);
    // A reference prefix finds them all (and names with "pain" and a
    // reference with "0...").
    let found = search(&index, "pain-0", "fr_FR");
    assert!([1, 2, 10].iter().all(|id| found.contains(id)), "{found:?}");

    let hits = index.search("3000000000024", "en_US", 10);
    assert_eq!(ids(&hits), vec![3]);
    assert!(hits[0].score >= score::EXACT_CODE);
    // A barcode prefix, type-ahead: both barcodes, no exact bonus.
    let hits = index.search("300000", "en_US", 10);
    assert_eq!(ids(&hits), vec![3, 1]);
    assert!(hits.iter().all(|h| h.score < score::EXACT_CODE));

    // A product named like another's reference ranks below that one.
    let index = SearchIndex::build([
        SearchDoc {
            id: 1,
            names: vec![("en_US".into(), "Vie 001 anniversary mug".into())],
            ..Default::default()
        },
        SearchDoc {
            id: 2,
            names: vec![("en_US".into(), "Croissant".into())],
            default_code: Some("VIE-001".into()),
            ..Default::default()
        },
    ]);
    assert_eq!(search(&index, "vie-001", "en_US"), vec![2, 1]);
    assert_eq!(search(&index, "vie 00", "en_US"), vec![1, 2]);
}

#[test]
fn categories_match_below_names() {
    let index = shop();
    let found = search(&index, "pains", "fr_FR");
    assert_eq!(found.len(), 3);
    assert!([1, 2, 10].iter().all(|id| found.contains(id)), "{found:?}");
    assert_eq!(search(&index, "viennoiseries", "fr_FR"), vec![5, 4]);
    // Either language's category names.
    assert_eq!(search(&index, "pastries", "fr_FR"), vec![5, 4]);
    // "pain" is in names (2, 5, 8), references (1, 10) and the category
    // "Pains" (1, 2, 10): names first, then references.
    let found = search(&index, "pain", "fr_FR");
    assert_eq!(found, vec![8, 2, 5, 10, 1]);
    // The leaf of the path beats its parents.
    let index = SearchIndex::build([
        doc(1, "Baguette", "", None, None, ("Boulangerie / Pains", "")),
        doc(2, "Flûte", "", None, None, ("Pains / Spéciaux", "")),
    ]);
    assert_eq!(search(&index, "pains", "fr_FR"), vec![1, 2]);
}

#[test]
fn ranking_follows_the_rules() {
    let index = SearchIndex::build([
        // Category only.
        doc(1, "Ficelle", "Thin baguette", None, None, ("Tartes", "Tarts")),
        // A later word, prefix only.
        doc(2, "Mini tartelette", "Mini tartlet", None, None, ("", "")),
        // A later word, whole.
        doc(
            3,
            "Grande tarte aux pommes",
            "Large apple pie",
            None,
            None,
            ("", ""),
        ),
        // The first word, prefix only.
        doc(4, "Tartelette citron", "Lemon tartlet", None, None, ("", "")),
        // The first word, whole.
        doc(5, "Tarte aux poires", "Pear tart", None, None, ("", "")),
        // Reference.
        doc(6, "Moule", "Tin", Some("TARTE-9"), None, ("", "")),
        // English name only matches (French reader).
        doc(7, "Pâtisserie du jour", "Tarte tatin", None, None, ("", "")),
    ]);
    let hits = index.search("tarte", "fr_FR", 10);
    // Whole first word, whole later word, prefix of the first word,
    // prefix of a later word; then reference, other language, category.
    assert_eq!(ids(&hits), vec![5, 3, 4, 2, 6, 7, 1], "{hits:?}");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));

    // Among equals, the shorter name (as shown), then the smaller id.
    let index = SearchIndex::build([
        doc(30, "Tarte aux fraises des bois", "", None, None, ("", "")),
        doc(20, "Tarte aux pommes", "", None, None, ("", "")),
        doc(21, "Tarte aux poires", "", None, None, ("", "")),
        doc(10, "Tarte au citron", "", None, None, ("", "")),
    ]);
    assert_eq!(search(&index, "tarte", "fr_FR"), vec![10, 20, 21, 30]);
}

#[test]
fn results_are_stable_and_limited() {
    let docs: Vec<SearchDoc> = (0..200)
        .map(|i| doc(1000 - i, &format!("Pain n°{i}"), "", None, None, BREAD))
        .collect();
    let index = SearchIndex::build(docs.clone());
    let first = index.search("pain", "fr_FR", 20);
    assert_eq!(first.len(), 20);
    for _ in 0..5 {
        assert_eq!(index.search("pain", "fr_FR", 20), first);
    }
    // The same documents in another order give the same results.
    let reversed = SearchIndex::build(docs.into_iter().rev());
    assert_eq!(reversed.search("pain", "fr_FR", 20), first);
    // Limit 20 is the head of limit 200.
    let all = index.search("pain", "fr_FR", 200);
    assert_eq!(all.len(), 200);
    assert_eq!(&all[..20], &first[..]);
    assert!(index.search("pain", "fr_FR", 0).is_empty());
}

#[test]
fn results_can_be_restricted() {
    let index = shop();
    let hits = index.search_filtered("pain", "fr_FR", 10, |id| id % 2 == 0);
    assert_eq!(ids(&hits), vec![8, 2, 10]);
    assert!(index.search_filtered("pain", "fr_FR", 10, |_| false).is_empty());
}

#[test]
fn duplicate_ids_and_languages_keep_the_first() {
    let index = SearchIndex::build([
        doc(1, "Baguette", "", None, None, ("", "")),
        doc(1, "Fougasse", "", None, None, ("", "")),
        SearchDoc {
            id: 2,
            names: vec![
                ("fr_FR".into(), "Brioche".into()),
                ("fr_FR".into(), "Kouign-amann".into()),
            ],
            ..Default::default()
        },
    ]);
    assert_eq!(index.len(), 2);
    assert!(search(&index, "fougasse", "fr_FR").is_empty());
    assert!(search(&index, "kouign", "fr_FR").is_empty());
    assert_eq!(search(&index, "brioche", "fr_FR"), vec![2]);
}

#[test]
fn hostile_queries_find_nothing_or_something_without_panicking() {
    let index = shop();
    for q in [
        "",
        " ",
        "\t\n",
        "   ---   ",
        "🍞🥖",
        "\u{301}\u{301}",
        "\u{200F}\u{202E}",
        "\0",
        "'''",
    ] {
        assert!(index.search(q, "fr_FR", 10).is_empty(), "{q:?}");
    }
    // Emoji, RTL marks and combining marks around words.
    assert_eq!(search(&index, "🍞 pain\u{200F} choc🍫", "fr_FR"), vec![5]);
    assert_eq!(search(&index, "\u{202E}campagne\u{202C}", "fr_FR"), vec![2]);
    // Arabic, Hebrew, CJK: nothing to find, nothing to break.
    for q in ["خبز", "לֶחֶם", "面包", "パン", "ﷺ", "\u{1F468}\u{200D}\u{1F373}"] {
        assert!(index.search(q, "ar_001", 10).is_empty(), "{q:?}");
    }
    // Unknown or odd languages.
    assert_eq!(search(&index, "campagne", ""), vec![2]);
    assert_eq!(search(&index, "campagne", "😀"), vec![2]);

    // Very long queries: cut, and still fast.
    let long = "pain ".repeat(2_000);
    assert!(long.len() >= 10_000);
    let start = std::time::Instant::now();
    assert_eq!(search(&index, &long, "fr_FR").len(), 5);
    let words: String = (0..2_000).map(|i| format!("w{i} ")).collect();
    assert!(search(&index, &words, "fr_FR").is_empty());
    let one_word = "é".repeat(5_000);
    assert!(search(&index, &one_word, "fr_FR").is_empty());
    let marks = format!("pain{}", "\u{301}".repeat(5_000));
    assert_eq!(search(&index, &marks, "fr_FR").len(), 5);
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
    // A long query never matches a reference exactly.
    let code = format!("PAIN-002{}", " ".repeat(MAX_QUERY_BYTES));
    assert!(index
        .search(&code, "fr_FR", 10)
        .iter()
        .all(|h| h.score < score::EXACT_CODE));
}

#[test]
fn hostile_documents_index_without_panicking() {
    let mut docs = vec![
        SearchDoc::default(),
        SearchDoc {
            id: -1,
            names: vec![("".into(), "".into()), ("xx".into(), "🍞🍞🍞".into())],
            default_code: Some("   ".into()),
            barcode: Some("".into()),
            categories: vec![("fr_FR".into(), "/ / /".into()), ("fr_FR".into(), "".into())],
        },
        SearchDoc {
            id: i64::MAX,
            names: vec![("fr_FR".into(), format!("{}z", "x".repeat(100_000)))],
            ..Default::default()
        },
    ];
    // More languages than indexed.
    docs.push(SearchDoc {
        id: 7,
        names: (0..40).map(|i| (format!("l{i}"), format!("nom{i}"))).collect(),
        ..Default::default()
    });
    let index = SearchIndex::build(docs);
    assert_eq!(index.len(), 4);
    assert_eq!(search(&index, "nom0", "l0"), vec![7]);
    // "", "xx", "fr_FR" then l0..=l28 make 32.
    assert_eq!(search(&index, "nom28", "l28"), vec![7]);
    assert!(search(&index, "nom29", "l29").is_empty());
    assert!(search(&index, "nom35", "l35").is_empty());
    // The long word was cut, in the index and in the query alike.
    assert_eq!(search(&index, &"x".repeat(200), "fr_FR"), vec![i64::MAX]);
    assert_eq!(search(&index, "xxx", "fr_FR"), vec![i64::MAX]);
}

#[test]
fn searches_concurrently() {
    let index = std::sync::Arc::new(shop());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let index = index.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    assert_eq!(ids(&index.search("pain choc", "fr_FR", 5)), vec![5]);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        // Mostly letters that fold, with spaces, punctuation, marks and
        // anything else.
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::char::range('a', 'z'),
                2 => proptest::sample::select(vec!['É', 'è', 'Ç', 'œ', 'ß', 'Ø', 'ł', 'İ', 'ﬁ', 'Σ', 'ς']),
                2 => Just(' '),
                1 => proptest::sample::select(vec!['-', '/', '\'', '\u{301}', '\u{200D}', '🍞', '\u{202E}']),
                1 => any::<char>(),
            ],
            0..40,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(s in text()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn every_name_is_found_by_its_own_words(
            names in proptest::collection::vec(text(), 1..20),
            query_len in 1usize..4,
            cut in 1usize..10,
        ) {
            let docs = names.iter().enumerate().map(|(i, name)| SearchDoc {
                id: i as i64,
                names: vec![("fr_FR".into(), name.clone())],
                ..Default::default()
            });
            let index = SearchIndex::build(docs);
            for (i, name) in names.iter().enumerate() {
                let words: Vec<String> = normalize(name).split(' ').map(str::to_owned).collect();
                if words[0].is_empty() {
                    continue;
                }
                // Its first words, the last one cut to a prefix.
                let mut query: Vec<String> = words.iter().take(query_len).cloned().collect();
                if let Some(last) = query.last_mut() {
                    *last = last.chars().take(cut).collect();
                }
                let query = query.join(" ");
                let hits = index.search(&query, "fr_FR", names.len());
                prop_assert!(hits.iter().any(|h| h.id == i as i64), "{:?} not found by {:?}", name, query);
                prop_assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
                // Searching the raw text finds it too (same folding).
                let hits = index.search(name, "fr_FR", names.len());
                prop_assert!(hits.iter().any(|h| h.id == i as i64), "{:?} not found by itself", name);
            }
        }

        #[test]
        fn any_query_is_safe(q in any::<String>(), lang in any::<String>(), limit in 0usize..5) {
            let index = shop();
            let hits = index.search(&q, &lang, limit);
            prop_assert!(hits.len() <= limit);
        }
    }
}
