//! Case and accent folding, and splitting text into words.
//!
//! Folding is per character and needs no Unicode tables beyond the
//! standard library's: ASCII is lowercased, Latin-1 and Latin Extended-A
//! letters go through a table (`é` → `e`, `ç` → `c`, `œ` → `oe`, `æ` → `ae`,
//! `ß` → `ss`, `ø` → `o`, `ł` → `l`...), combining marks are dropped (so a
//! decomposed `e` + U+0301 folds like a precomposed `é`), and everything
//! else is lowercased with [`char::to_lowercase`]. Words are the runs of
//! alphanumeric characters that remain; every other character separates
//! them.

/// A word is cut to this many bytes (at a character boundary), in the
/// index and in queries alike.
pub(crate) const MAX_TOKEN_BYTES: usize = 48;

/// The ASCII folding of U+00C0..=U+00FF. `*` marks the letters folded to
/// two ASCII letters (see [`fold`]), a space the two symbols (× and ÷).
const LATIN_1: &[u8; 64] = b"aaaaaa*ceeeeiiiidnooooo ouuuuy**aaaaaa*ceeeeiiiidnooooo ouuuuy*y";

/// The ASCII folding of U+0100..=U+017F; `*` marks ĳ and œ.
const LATIN_EXT_A: &[u8; 128] =
    b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// What one character folds to.
enum Folded {
    /// Nothing, and it does not separate words (combining marks, joiners).
    Skip,
    /// A word separator.
    Sep,
    /// One lowercase character.
    One(char),
    /// Several lowercase ASCII letters.
    Str(&'static str),
    /// Whatever the standard library lowercases it to.
    Lower(std::char::ToLowercase),
}

fn fold(c: char) -> Folded {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Folded::One(c.to_ascii_lowercase())
        } else {
            Folded::Sep
        };
    }
    let cp = c as u32;
    match cp {
        0xC6 | 0xE6 => Folded::Str("ae"),
        0xDE | 0xFE => Folded::Str("th"),
        0xDF | 0x1E9E => Folded::Str("ss"),
        0xC0..=0xFF => table(LATIN_1[(cp - 0xC0) as usize]),
        0x132 | 0x133 => Folded::Str("ij"),
        0x152 | 0x153 => Folded::Str("oe"),
        0x100..=0x17F => table(LATIN_EXT_A[(cp - 0x100) as usize]),
        0xAA => Folded::One('a'),
        0xBA => Folded::One('o'),
        0xB5 => Folded::One('\u{3BC}'), // micro sign → Greek mu
        0xAD => Folded::Skip,           // soft hyphen
        0x192 => Folded::One('f'),
        0x1A0 | 0x1A1 => Folded::One('o'),
        0x1AF | 0x1B0 => Folded::One('u'),
        0x218 | 0x219 => Folded::One('s'),
        0x21A | 0x21B => Folded::One('t'),
        0x3C2 => Folded::One('\u{3C3}'), // final sigma → sigma
        0xFB00 => Folded::Str("ff"),
        0xFB01 => Folded::Str("fi"),
        0xFB02 => Folded::Str("fl"),
        0xFB03 => Folded::Str("ffi"),
        0xFB04 => Folded::Str("ffl"),
        0xFB05 | 0xFB06 => Folded::Str("st"),
        _ if is_ignorable(cp) => Folded::Skip,
        _ if c.is_alphanumeric() => Folded::Lower(c.to_lowercase()),
        _ => Folded::Sep,
    }
}

fn table(b: u8) -> Folded {
    if b == b' ' {
        Folded::Sep
    } else {
        Folded::One(char::from(b))
    }
}

/// Combining marks (general, Cyrillic, Hebrew points, Arabic harakat),
/// variation selectors and zero-width joiners: dropped without
/// separating words.
fn is_ignorable(cp: u32) -> bool {
    matches!(
        cp,
        0x0300..=0x036F
            | 0x0483..=0x0489
            | 0x0591..=0x05BD
            | 0x05BF
            | 0x05C1..=0x05C2
            | 0x05C4..=0x05C5
            | 0x05C7
            | 0x0610..=0x061A
            | 0x064B..=0x065F
            | 0x0670
            | 0x06D6..=0x06DC
            | 0x06DF..=0x06E4
            | 0x06E7..=0x06E8
            | 0x06EA..=0x06ED
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x200C..=0x200D
            | 0x20D0..=0x20FF
            | 0xFE00..=0xFE0F
            | 0xFE20..=0xFE2F
            | 0xE0100..=0xE01EF
    )
}

/// Calls `f` with each folded word of `text`, in order.
pub(crate) fn tokens(text: &str, mut f: impl FnMut(&str)) {
    fn push(word: &mut String, c: char) {
        if word.len() + c.len_utf8() <= MAX_TOKEN_BYTES {
            word.push(c);
        }
    }
    let mut word = String::with_capacity(MAX_TOKEN_BYTES);
    let mut flush = |word: &mut String| {
        if !word.is_empty() {
            f(word);
            word.clear();
        }
    };
    for c in text.chars() {
        match fold(c) {
            Folded::Skip => {}
            Folded::Sep => flush(&mut word),
            Folded::One(x) => push(&mut word, x),
            Folded::Str(s) => s.chars().for_each(|x| push(&mut word, x)),
            Folded::Lower(lower) => {
                // The lowercase may fold further (U+212B Å ANGSTROM SIGN
                // lowercases to å); a lowercase letter lowercases to itself.
                for x in lower {
                    match fold(x) {
                        Folded::Skip => {}
                        Folded::Sep => flush(&mut word),
                        Folded::One(y) => push(&mut word, y),
                        Folded::Str(s) => s.chars().for_each(|y| push(&mut word, y)),
                        Folded::Lower(_) => push(&mut word, x),
                    }
                }
            }
        }
    }
    flush(&mut word);
}

/// The folded words of `text`, separated by single spaces: what the
/// index compares. `normalize("Crème Brûlée, 150g")` is `"creme brulee 150g"`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    tokens(text, |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_fold_every_letter_to_ascii() {
        for cp in 0xC0u32..=0x17F {
            let c = char::from_u32(cp).unwrap_or(' ');
            let folded = normalize(&c.to_string());
            assert!(folded.is_ascii(), "U+{cp:04X} {c} folds to {folded:?}");
            if cp != 0xD7 && cp != 0xF7 {
                assert!(!folded.is_empty(), "U+{cp:04X} {c} folds to nothing");
                // Upper and lower case fold alike.
                let lower: String = c.to_lowercase().collect();
                assert_eq!(normalize(&lower), folded, "U+{cp:04X} {c}");
            }
        }
    }

    #[test]
    fn folds_accents_case_and_ligatures() {
        assert_eq!(normalize("Crème BRÛLÉE"), "creme brulee");
        assert_eq!(normalize("Œufs de caille"), "oeufs de caille");
        assert_eq!(normalize("Ex æquo"), "ex aequo");
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("Façon Łódź Smørrebrød"), "facon lodz smorrebrod");
        assert_eq!(normalize("ﬁlet"), "filet");
        assert_eq!(normalize("İstanbul"), "istanbul");
        assert_eq!(normalize("ΟΔΟΣ οδος"), "οδοσ οδοσ");
    }

    #[test]
    fn combining_marks_do_not_split_words() {
        // "Crème" with a decomposed è.
        assert_eq!(normalize("Cre\u{300}me"), "creme");
        assert_eq!(normalize("e\u{301}\u{301}\u{301}te\u{301}"), "ete");
    }

    #[test]
    fn splits_on_punctuation_and_symbols() {
        assert_eq!(normalize("Pain d'épices – 500 g"), "pain d epices 500 g");
        assert_eq!(normalize("FURN_0001"), "furn 0001");
        assert_eq!(normalize("🍞pain🥖"), "pain");
        assert_eq!(normalize("  \t\n "), "");
    }

    #[test]
    fn folding_is_idempotent_for_every_character() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let once = normalize(&c.to_string());
            assert_eq!(normalize(&once), once, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn words_are_capped() {
        let long = "é".repeat(100);
        let folded = normalize(&long);
        assert_eq!(folded, "e".repeat(MAX_TOKEN_BYTES));
        let multibyte = "ж".repeat(100);
        let folded = normalize(&multibyte);
        assert!(folded.len() <= MAX_TOKEN_BYTES);
        assert!(folded.chars().all(|c| c == 'ж'));
    }
}
