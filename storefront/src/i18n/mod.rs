//! Languages, and the formatting of money, quantities, days and text in
//! them; [`messages`]: the words of each language. The bottom layer: it
//! uses nothing of the crate.
//!
//! The shop's languages are Odoo codes (`fr_FR`, `en_US`); pages use the
//! part before `_` (`fr`) for their messages and their `lang` attribute.

use rust_decimal::{Decimal, RoundingStrategy};

pub mod messages;

pub use messages::Messages;

/// The short code of an Odoo language: `fr_FR` → `fr`.
pub fn short(code: &str) -> &str {
    code.split(['_', '@']).next().unwrap_or(code)
}

/// A language's name in itself.
pub fn native_name(code: &str) -> String {
    match short(code) {
        "fr" => "Français".into(),
        "en" => "English".into(),
        "de" => "Deutsch".into(),
        "es" => "Español".into(),
        "it" => "Italiano".into(),
        "nl" => "Nederlands".into(),
        "pt" => "Português".into(),
        "ca" => "Català".into(),
        _ => code.into(),
    }
}

/// The best of `languages` for an `Accept-Language` header, if any.
pub fn from_accept_language<'a>(header: &str, languages: &'a [String]) -> Option<&'a String> {
    let mut wanted: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            (!tag.is_empty() && q > 0.0).then_some((q, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
    wanted.iter().find_map(|(_, tag)| {
        let tag = tag.replace('-', "_").to_ascii_lowercase();
        languages
            .iter()
            .find(|l| l.to_ascii_lowercase() == tag)
            .or_else(|| {
                languages
                    .iter()
                    .find(|l| short(l).eq_ignore_ascii_case(short(&tag)))
            })
    })
}

/// How a currency is written.
#[derive(Debug, Clone)]
pub struct CurrencyFormat {
    /// Its ISO code, e.g. `EUR`.
    pub code: String,
    /// Its symbol, e.g. `€`.
    pub symbol: String,
    /// Whether the symbol goes before the amount.
    pub before: bool,
    /// Its decimal places.
    pub decimals: u32,
}

impl Default for CurrencyFormat {
    fn default() -> Self {
        Self {
            code: "EUR".into(),
            symbol: "€".into(),
            before: false,
            decimals: 2,
        }
    }
}

/// A number with `decimals` places, in the conventions of `lang`:
/// `1 234,50` in French, `1,234.50` in English.
pub fn number(value: Decimal, decimals: u32, lang: &str) -> String {
    let rounded = value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", decimals as usize, rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match short(lang) {
        "fr" => ('\u{202f}', ','),
        "de" | "es" | "it" | "nl" | "pt" | "ca" => ('.', ','),
        _ => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{fraction}")
    }
}

/// An amount of money: `1,30 €` (French), `1.30 €` or `€1.30` as the
/// currency says.
pub fn money(value: Decimal, currency: &CurrencyFormat, lang: &str) -> String {
    let amount = number(value, currency.decimals, lang);
    if currency.before {
        format!("{}{amount}", currency.symbol)
    } else {
        format!("{amount}\u{a0}{}", currency.symbol)
    }
}

/// A quantity as typed back into an input: a dot, no trailing zeros.
pub fn quantity_value(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A quantity for people: `3`, `0,75`.
pub fn quantity(value: Decimal, lang: &str) -> String {
    let value = value.normalize();
    number(value, value.scale(), lang)
}

/// A day for people: `Saturday 8 June` / `samedi 8 juin`.
pub fn day(date: chrono::NaiveDate, lang: &str) -> String {
    use chrono::Datelike as _;
    const EN_DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const FR_DAYS: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    const EN_MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR_MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let weekday = date.weekday().num_days_from_monday() as usize;
    let month = date.month0() as usize;
    match short(lang) {
        "fr" => format!("{} {} {}", FR_DAYS[weekday], date.day(), FR_MONTHS[month]),
        _ => format!("{} {} {}", EN_DAYS[weekday], date.day(), EN_MONTHS[month]),
    }
}

/// A time window: `08:00–12:00`.
pub fn window(start: chrono::NaiveTime, stop: chrono::NaiveTime) -> String {
    format!("{}–{}", start.format("%H:%M"), stop.format("%H:%M"))
}

/// Escapes text for HTML: in pages, and in Odoo's HTML fields.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn money_in_each_language() {
        let eur = CurrencyFormat::default();
        assert_eq!(money(d("1.3"), &eur, "fr_FR"), "1,30\u{a0}€");
        assert_eq!(money(d("1234.5"), &eur, "fr"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(money(d("1234.5"), &eur, "en_US"), "1,234.50\u{a0}€");
        let usd = CurrencyFormat {
            code: "USD".into(),
            symbol: "$".into(),
            before: true,
            decimals: 2,
        };
        assert_eq!(money(d("-0.5"), &usd, "en"), "$-0.50");
        assert_eq!(money(d("0.005"), &usd, "en"), "$0.01");
    }

    #[test]
    fn days() {
        let date = chrono::NaiveDate::from_ymd_opt(2030, 6, 8).unwrap_or_default();
        assert_eq!(day(date, "en_US"), "Saturday 8 June");
        assert_eq!(day(date, "fr_FR"), "samedi 8 juin");
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity(d("0.750"), "fr"), "0,75");
        assert_eq!(quantity(d("3.000"), "en"), "3");
        assert_eq!(quantity_value(d("0.750")), "0.75");
    }

    #[test]
    fn accept_language() {
        let langs = vec!["fr_FR".to_owned(), "en_US".to_owned()];
        assert_eq!(
            from_accept_language("en-GB,en;q=0.9", &langs).map(String::as_str),
            Some("en_US")
        );
        assert_eq!(
            from_accept_language("de, fr;q=0.5", &langs).map(String::as_str),
            Some("fr_FR")
        );
        assert_eq!(from_accept_language("de", &langs), None);
        assert_eq!(from_accept_language("", &langs), None);
    }
}
