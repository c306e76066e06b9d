//! Pickup slots: the calendar events of the mirror turned into the windows a
//! customer may choose at checkout.
//!
//! A pickup slot is a `calendar.event` in the pickup category (see
//! [`connector::mirror::MirrorConfig`]): `location` is the place, `start`–`stop`
//! the window, and a line `Capacity: N` (or `Capacité : N`) in the description
//! caps the orders of the slot ([`parse_capacity`]).
//!
//! Everything here is pure: no Odoo, no clock, no store. The caller passes
//! `now`, the events of the snapshot and, for [`availability`], how many
//! orders a slot already holds.
//!
//! - **Time zones**: every instant is UTC, as Odoo stores it; the shop's zone
//!   ([`SlotSettings::time_zone`]) is only used to show a window
//!   ([`local_window`], [`Slot::label`]) and to group slots by local day
//!   ([`group`]). A window across a DST change keeps its true length: it is
//!   simply shown with the offsets of its two ends.
//! - **Recurrence**: Odoo stores every occurrence of a recurring event as its
//!   own `calendar.event` record (exceptions included: an occurrence moved or
//!   deleted in Odoo is that record moved or deleted), and the mirror reads
//!   those records. There is no recurrence expansion here.
//! - **Archived events**: `CalendarEvent` has no `active` field; the mirror
//!   reads with `active_test`, so archived events never reach the snapshot.
//! - **All-day events** are kept, with the window Odoo stores for them (Odoo
//!   writes an all-day event as 08:00–18:00 UTC of its first and last day), so
//!   they are shown and labelled with those times converted to the shop's
//!   zone. A shop that wants a precise window makes a timed event.
//! - The mirror already keeps only events of the pickup category starting
//!   within its own horizon; [`slots`] checks `start` again against `now` and
//!   the storefront's horizon, since the snapshot may be hours old.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use connector::records::CalendarEvent;

/// The largest capacity a description may give; larger numbers are ignored.
pub const MAX_CAPACITY: u32 = 100_000;

/// How the shop offers its pickup slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSettings {
    /// The shop's time zone (e.g. Europe/Paris): windows are shown in it.
    pub time_zone: Tz,
    /// Orders close this long before the start of a slot (e.g. 12 h). A
    /// negative cut-off counts as zero: a slot never takes orders once started.
    pub cutoff: TimeDelta,
    /// Slots starting later than `now + horizon` are not offered (e.g. 14 days).
    pub horizon: TimeDelta,
    /// The capacity of a slot whose description has no `Capacity: N` line;
    /// `None` is unlimited.
    pub default_capacity: Option<u32>,
}

/// A pickup slot a customer may choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The `calendar.event` id.
    pub id: i64,
    /// The event's name.
    pub name: String,
    /// Where to collect: the event's `location` (whitespace trimmed and
    /// collapsed), or its name when the location is empty.
    pub place: String,
    /// The start of the window (UTC).
    pub start: DateTime<Utc>,
    /// The end of the window (UTC); always after `start`.
    pub stop: DateTime<Utc>,
    /// How many orders the slot takes: from the description, else the
    /// default; `None` is unlimited.
    pub capacity: Option<u32>,
    /// When orders close: `start - cutoff`.
    pub closes_at: DateTime<Utc>,
    /// The description as plain text (one line per paragraph), without the
    /// capacity line; `None` when nothing is left.
    pub note: Option<String>,
}

impl Slot {
    /// Builds the slot of an event (without checking its window).
    fn from_event(event: &CalendarEvent, settings: &SlotSettings) -> Self {
        let (capacity, note) = match event.description.as_deref() {
            Some(description) => parse_description(description),
            None => (None, None),
        };
        let location = event
            .location
            .as_deref()
            .map(collapse_whitespace)
            .unwrap_or_default();
        let place = if location.is_empty() {
            collapse_whitespace(&event.name)
        } else {
            location
        };
        let cutoff = settings.cutoff.max(TimeDelta::zero());
        Self {
            id: event.id,
            name: event.name.clone(),
            place,
            start: event.start,
            stop: event.stop,
            capacity: capacity.or(settings.default_capacity),
            closes_at: event
                .start
                .checked_sub_signed(cutoff)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            note,
        }
    }

    /// Whether the slot still takes orders at `now` (strictly before
    /// [`closes_at`](Self::closes_at)); capacity aside, see [`availability`].
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.closes_at
    }

    /// The slot's label, e.g. `Marché couvert Saint-Antoine — 2030-06-08 08:00–12:00`,
    /// in the zone `tz`: the place, the local start date and the local times
    /// (24 h). A window ending on another local day shows that day too:
    /// `Place — 2030-06-08 22:00–2030-06-09 02:00`.
    ///
    /// It names the `crm.tag` of the slot's orders, so it depends on nothing
    /// but the slot and the zone: no language, no `now`.
    pub fn label(&self, tz: Tz) -> String {
        let start = self.start.with_timezone(&tz);
        let stop = self.stop.with_timezone(&tz);
        let stop = if start.date_naive() == stop.date_naive() {
            stop.format("%H:%M").to_string()
        } else {
            stop.format("%Y-%m-%d %H:%M").to_string()
        };
        format!("{} — {}–{}", self.place, start.format("%Y-%m-%d %H:%M"), stop)
    }
}

/// Whether a slot can take one more order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// It takes orders; `remaining` places, `None` when unlimited.
    Open {
        /// How many more orders it takes (at least 1), `None` when unlimited.
        remaining: Option<u32>,
    },
    /// Open, but it holds as many orders as its capacity.
    Full,
    /// Past its cut-off.
    Closed,
}

/// The availability of `slot` at `now` when it already holds `taken` orders.
/// Closed wins over full; a capacity of 0 is always full; an unlimited slot is
/// never full.
pub fn availability(slot: &Slot, taken: u32, now: DateTime<Utc>) -> Availability {
    if !slot.is_open(now) {
        return Availability::Closed;
    }
    match slot.capacity {
        None => Availability::Open { remaining: None },
        Some(capacity) if taken >= capacity => Availability::Full,
        Some(capacity) => Availability::Open {
            remaining: Some(capacity - taken),
        },
    }
}

/// The slots offered at `now`: the events whose window is not empty
/// (`stop > start`) and whose start is in `(now, now + horizon]`, sorted by
/// start, then place, then id.
///
/// Slots past their cut-off but not yet started are included (shown as
/// closed, and needed to show and check existing orders): filter with
/// [`Slot::is_open`] or [`availability`] to offer only open ones. All-day
/// events are kept with their stored window (see the [module](self)).
pub fn slots<'a>(
    events: impl IntoIterator<Item = &'a CalendarEvent>,
    settings: &SlotSettings,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    let until = match now.checked_add_signed(settings.horizon) {
        Some(until) => until,
        None if settings.horizon < TimeDelta::zero() => return Vec::new(),
        None => DateTime::<Utc>::MAX_UTC,
    };
    let mut slots: Vec<Slot> = events
        .into_iter()
        .filter(|e| e.stop > e.start && e.start > now && e.start <= until)
        .map(|e| Slot::from_event(e, settings))
        .collect();
    slots.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then_with(|| a.place.cmp(&b.place))
            .then(a.id.cmp(&b.id))
    });
    slots
}

/// The slots of one place, by local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceSlots {
    /// The place ([`Slot::place`]).
    pub place: String,
    /// Its days, in date order.
    pub days: Vec<DaySlots>,
}

/// The slots of one place starting on one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySlots {
    /// The local date of the starts.
    pub date: NaiveDate,
    /// The slots (copies of the input's), by start.
    pub slots: Vec<Slot>,
}

/// Groups slots for display: by place (places in the order of their earliest
/// slot), then by the local day of their start in `tz` (days in date order),
/// slots by start. The slots are cloned (they are small, and templates take
/// owned values); ties keep the order of the input.
pub fn group(slots: &[Slot], tz: Tz) -> Vec<PlaceSlots> {
    let mut ordered: Vec<&Slot> = slots.iter().collect();
    ordered.sort_by_key(|slot| slot.start);
    let mut places: Vec<PlaceSlots> = Vec::new();
    for slot in ordered {
        let date = slot.start.with_timezone(&tz).date_naive();
        let index = match places.iter().position(|p| p.place == slot.place) {
            Some(index) => index,
            None => {
                places.push(PlaceSlots {
                    place: slot.place.clone(),
                    days: Vec::new(),
                });
                places.len() - 1
            }
        };
        let days = &mut places[index].days;
        // Starts come in order, so the local dates do too: a slot's day is
        // the last one or a new one.
        match days.last_mut() {
            Some(day) if day.date == date => day.slots.push(slot.clone()),
            _ => days.push(DaySlots {
                date,
                slots: vec![slot.clone()],
            }),
        }
    }
    places
}

/// The window of `slot` in the zone `tz`: the local date of its start, the
/// local time of its start and the local time of its stop (the stop may fall
/// on a later day: then its time may be earlier than the start's).
pub fn local_window(slot: &Slot, tz: Tz) -> (NaiveDate, NaiveTime, NaiveTime) {
    let start = slot.start.with_timezone(&tz);
    let stop = slot.stop.with_timezone(&tz);
    (start.date_naive(), start.time(), stop.time())
}

/// The capacity a description gives: the first line reading `Capacity: N`
/// (any case; also `Capacité : N` or `Capacite: N`; spaces, including
/// non-breaking ones, allowed around the colon) where N is a whole number from
/// 0 to [`MAX_CAPACITY`] and nothing else. The description is HTML (as Odoo
/// stores it) or plain text: tags are stripped and entities decoded first, so
/// `<p>Capacity:&nbsp;8</p>` gives 8. Lines with anything else as N
/// (`Capacity: lots`, `Capacity: 8.5`, `Capacity: 200000`) are ignored.
pub fn parse_capacity(description: &str) -> Option<u32> {
    plain_lines(description)
        .iter()
        .find_map(|line| capacity_line(line))
}

/// The capacity and the note of a description: the note is its plain text
/// lines without the capacity lines.
fn parse_description(description: &str) -> (Option<u32>, Option<String>) {
    let mut capacity = None;
    let mut kept = Vec::new();
    for line in plain_lines(description) {
        match capacity_line(&line) {
            Some(n) => {
                capacity.get_or_insert(n);
            }
            None => kept.push(line),
        }
    }
    let note = (!kept.is_empty()).then(|| kept.join("\n"));
    (capacity, note)
}

/// The capacity of one plain text line, if it is a capacity line.
fn capacity_line(line: &str) -> Option<u32> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim().to_lowercase();
    if !matches!(key.as_str(), "capacity" | "capacité" | "capacite") {
        return None;
    }
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Too many digits for a u32 fails here, and is ignored as well.
    let n: u32 = value.parse().ok()?;
    (n <= MAX_CAPACITY).then_some(n)
}

/// The text of an HTML (or plain text) fragment as lines: block tags (`<p>`,
/// `<br>`, `<div>`, `<li>`…) and newlines break lines, other tags are dropped,
/// entities decoded, runs of ASCII whitespace collapsed, each line trimmed,
/// empty lines dropped.
fn plain_lines(html: &str) -> Vec<String> {
    decode_entities(&strip_tags(html))
        .split('\n')
        .map(collapse_whitespace)
        .filter(|line| !line.is_empty())
        .collect()
}

/// Collapses runs of ASCII whitespace into one space and trims all
/// whitespace (non-breaking spaces inside are kept).
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// Elements that start a new line.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Elements whose content is not text.
const RAW_TAGS: &[&str] = &["script", "style"];

/// Removes the tags (and comments, and the content of `<script>` and
/// `<style>`), a newline in place of a block tag. A `<` that does not open a
/// tag (`a < b`) is text.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let Some((len, name, closing)) = tag(after) else {
            out.push('<');
            rest = after;
            continue;
        };
        rest = &after[len..];
        if BLOCK_TAGS.contains(&name.as_str()) {
            out.push('\n');
        }
        if !closing && RAW_TAGS.contains(&name.as_str()) {
            // Skip to the end of the element (or of the text).
            let end = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&end) {
                Some(at) => {
                    let close = &rest[at..];
                    close.find('>').map_or("", |gt| &close[gt + 1..])
                }
                None => "",
            };
        }
    }
    out.push_str(rest);
    out
}

/// The tag that `text` (what follows a `<`) starts: its length including the
/// closing `>`, its lowercase name (empty for a comment, doctype or
/// processing instruction) and whether it is a closing tag; `None` when this
/// `<` does not start a tag.
fn tag(text: &str) -> Option<(usize, String, bool)> {
    if let Some(comment) = text.strip_prefix("!--") {
        let end = comment.find("-->")?;
        return Some((3 + end + 3, String::new(), false));
    }
    let first = text.chars().next()?;
    if !(first.is_ascii_alphabetic() || matches!(first, '/' | '!' | '?')) {
        return None;
    }
    // The end: the first `>` outside quoted attribute values.
    let mut quote = None;
    let mut len = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                len = Some(i + 1);
                break;
            }
            (None, _) => {}
        }
    }
    let len = len?;
    let closing = first == '/';
    let name_start = usize::from(closing);
    let name: String = text[name_start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some((len, name, closing))
}

/// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&apos;`, `&nbsp;` (as
/// U+00A0) and numeric entities (`&#233;`, `&#xE9;`) in one pass; anything
/// else stays as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let decoded = after
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| entity(&after[..end]).map(|c| (end, c)));
        match decoded {
            Some((end, c)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character of an entity name (between `&` and `;`).
fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                Some(_) => return None,
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                    number.parse().ok()?
                }
                None => return None,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;
    use serde_json::json;

    fn utc(text: &str) -> DateTime<Utc> {
        connector::records::fields::parse_datetime(text).unwrap()
    }

    fn event(
        id: i64,
        location: Option<&str>,
        start: &str,
        stop: &str,
        description: Option<&str>,
    ) -> CalendarEvent {
        serde_json::from_value(json!({
            "id": id,
            "name": format!("Pickup {id}"),
            "start": start,
            "stop": stop,
            "allday": false,
            "location": location,
            "description": description,
            "categ_ids": [7],
            "recurrency": false,
            "write_date": "2030-01-01 00:00:00",
        }))
        .expect("a calendar event")
    }

    fn settings() -> SlotSettings {
        SlotSettings {
            time_zone: Paris,
            cutoff: TimeDelta::hours(12),
            horizon: TimeDelta::days(14),
            default_capacity: None,
        }
    }

    fn one(event: &CalendarEvent, settings: &SlotSettings) -> Slot {
        Slot::from_event(event, settings)
    }

    const NOW: &str = "2030-06-01 10:00:00";

    #[test]
    fn capacity_in_plain_text_and_html() {
        assert_eq!(parse_capacity("Capacity: 8"), Some(8));
        assert_eq!(parse_capacity("capacity:8"), Some(8));
        assert_eq!(parse_capacity("  CAPACITY  :  12  "), Some(12));
        assert_eq!(parse_capacity("<p>Capacity: 8</p>"), Some(8));
        assert_eq!(
            parse_capacity("<p>Bring your bags</p><p>Capacity: 8</p>"),
            Some(8)
        );
        assert_eq!(parse_capacity("Bring your bags\nCapacity: 3\n"), Some(3));
        assert_eq!(parse_capacity("Intro<br>Capacity: 4<br/>Outro"), Some(4));
        assert_eq!(parse_capacity("<p>Capacity:&nbsp;9</p>"), Some(9));
        assert_eq!(parse_capacity("<p><b>Capacity</b>: 5</p>"), Some(5));
        assert_eq!(parse_capacity("<ul><li>Capacity: 6</li></ul>"), Some(6));
        assert_eq!(parse_capacity("Capacity: 0"), Some(0));
        assert_eq!(parse_capacity("Capacity: 100000"), Some(100_000));
        assert_eq!(parse_capacity("Capacity: 007"), Some(7));
    }

    #[test]
    fn capacity_in_french() {
        assert_eq!(parse_capacity("Capacité : 10"), Some(10));
        assert_eq!(parse_capacity("capacité: 10"), Some(10));
        assert_eq!(parse_capacity("CAPACITÉ : 11"), Some(11));
        assert_eq!(parse_capacity("Capacite : 12"), Some(12));
        assert_eq!(parse_capacity("<p>Capacité&nbsp;: 13</p>"), Some(13));
        assert_eq!(parse_capacity("<p>Capacit&#233; : 14</p>"), Some(14));
        assert_eq!(parse_capacity("Capacité\u{202f}: 15"), Some(15));
    }

    #[test]
    fn capacity_garbage_is_ignored() {
        assert_eq!(parse_capacity(""), None);
        assert_eq!(parse_capacity("<p><br></p>"), None);
        assert_eq!(parse_capacity("No limit today"), None);
        assert_eq!(parse_capacity("Capacity: lots"), None);
        assert_eq!(parse_capacity("Capacity:"), None);
        assert_eq!(parse_capacity("Capacity: -3"), None);
        assert_eq!(parse_capacity("Capacity: +3"), None);
        assert_eq!(parse_capacity("Capacity: 8.5"), None);
        assert_eq!(parse_capacity("Capacity: 8 orders"), None);
        assert_eq!(parse_capacity("Max capacity: 8"), None);
        assert_eq!(parse_capacity("Capacity 8"), None);
        assert_eq!(parse_capacity("Capacity: ８"), None);
        assert_eq!(parse_capacity("The capacity: 8 is in the middle of a line"), None);
    }

    #[test]
    fn capacity_huge_numbers_are_ignored() {
        assert_eq!(parse_capacity("Capacity: 100001"), None);
        assert_eq!(parse_capacity("Capacity: 4294967295"), None);
        assert_eq!(parse_capacity("Capacity: 4294967296"), None);
        assert_eq!(parse_capacity("Capacity: 99999999999999999999999999"), None);
    }

    #[test]
    fn capacity_first_valid_line_wins() {
        assert_eq!(parse_capacity("Capacity: 5\nCapacity: 9"), Some(5));
        assert_eq!(parse_capacity("<p>Capacité : 2</p><p>Capacity: 9</p>"), Some(2));
        // An invalid line does not count: the next valid one wins.
        assert_eq!(parse_capacity("Capacity: many\nCapacity: 9"), Some(9));
        assert_eq!(parse_capacity("Capacity: 999999\nCapacity: 9"), Some(9));
    }

    #[test]
    fn note_is_plain_text_without_the_capacity_line() {
        let (capacity, note) = parse_description(
            "<p>Capacity: 8</p><p>Bring   your <b>own</b> bags &amp; boxes</p>\
             <p>Entrance &lt;rue&gt; &quot;Haute&quot; &#39;B&#39;</p><p><br></p>",
        );
        assert_eq!(capacity, Some(8));
        assert_eq!(
            note.as_deref(),
            Some("Bring your own bags & boxes\nEntrance <rue> \"Haute\" 'B'")
        );

        assert_eq!(parse_description("<p>Capacity: 8</p>"), (Some(8), None));
        assert_eq!(parse_description("<p><br></p>"), (None, None));
        assert_eq!(parse_description("   \n "), (None, None));
        // &nbsp; is a non-breaking space; entities are decoded once.
        assert_eq!(
            parse_description("10&nbsp;h &amp;lt; 12&nbsp;h").1.as_deref(),
            Some("10\u{a0}h &lt; 12\u{a0}h")
        );
        // Comments, scripts and a literal `<` in plain text.
        assert_eq!(
            parse_description("<!-- hidden --><p>a < b</p><script>alert('x')</script><style>p{}</style>ok")
                .1
                .as_deref(),
            Some("a < b\nok")
        );
        // Quoted `>` in an attribute does not end the tag.
        assert_eq!(
            parse_description(r#"<a href="x" title="a>b">Map</a>"#)
                .1
                .as_deref(),
            Some("Map")
        );
        // An invalid capacity line is shown as written.
        assert_eq!(
            parse_description("Capacity: lots").1.as_deref(),
            Some("Capacity: lots")
        );
        // Every valid capacity line is removed, not only the first.
        assert_eq!(
            parse_description("Capacity: 5\nHello\nCapacity: 6"),
            (Some(5), Some("Hello".to_owned()))
        );
    }

    #[test]
    fn slot_fields() {
        let e = event(
            3,
            Some("  Marché couvert\n Saint-Antoine "),
            "2030-06-08 06:00:00",
            "2030-06-08 10:00:00",
            Some("<p>Capacity: 8</p><p>Door B</p>"),
        );
        let slot = one(&e, &settings());
        assert_eq!(slot.id, 3);
        assert_eq!(slot.name, "Pickup 3");
        assert_eq!(slot.place, "Marché couvert Saint-Antoine");
        assert_eq!(slot.start, utc("2030-06-08 06:00:00"));
        assert_eq!(slot.stop, utc("2030-06-08 10:00:00"));
        assert_eq!(slot.capacity, Some(8));
        assert_eq!(slot.closes_at, utc("2030-06-07 18:00:00"));
        assert_eq!(slot.note.as_deref(), Some("Door B"));

        // No location: the name; no capacity line: the default.
        let with_default = SlotSettings {
            default_capacity: Some(20),
            ..settings()
        };
        for location in [None, Some(""), Some("   ")] {
            let e = event(4, location, "2030-06-08 06:00:00", "2030-06-08 10:00:00", None);
            let slot = one(&e, &with_default);
            assert_eq!(slot.place, "Pickup 4");
            assert_eq!(slot.capacity, Some(20));
            assert_eq!(slot.note, None);
        }
        // A capacity line beats the default, even 0.
        let e = event(
            5,
            None,
            "2030-06-08 06:00:00",
            "2030-06-08 10:00:00",
            Some("Capacity: 0"),
        );
        assert_eq!(one(&e, &with_default).capacity, Some(0));
        // A negative cut-off counts as zero.
        let negative = SlotSettings {
            cutoff: TimeDelta::hours(-3),
            ..settings()
        };
        assert_eq!(one(&e, &negative).closes_at, e.start);
    }

    #[test]
    fn cutoff_boundary() {
        let e = event(
            1,
            Some("Shop"),
            "2030-06-08 06:00:00",
            "2030-06-08 10:00:00",
            None,
        );
        let slot = one(&e, &settings());
        let closes = utc("2030-06-07 18:00:00");
        assert_eq!(slot.closes_at, closes);
        assert!(slot.is_open(closes - TimeDelta::seconds(1)));
        assert!(!slot.is_open(closes));
        assert!(!slot.is_open(closes + TimeDelta::seconds(1)));
        assert_eq!(
            availability(&slot, 0, closes - TimeDelta::seconds(1)),
            Availability::Open { remaining: None }
        );
        assert_eq!(availability(&slot, 0, closes), Availability::Closed);
    }

    #[test]
    fn horizon_boundary_and_past_slots() {
        let now = utc(NOW);
        let events = [
            // Exactly at now + 14 days: offered.
            event(1, Some("A"), "2030-06-15 10:00:00", "2030-06-15 12:00:00", None),
            // One second later: not offered.
            event(2, Some("A"), "2030-06-15 10:00:01", "2030-06-15 12:00:00", None),
            // Starting exactly now: not offered.
            event(3, Some("A"), NOW, "2030-06-01 12:00:00", None),
            // Started, still running: not offered.
            event(4, Some("A"), "2030-06-01 09:00:00", "2030-06-01 12:00:00", None),
            // Past: not offered.
            event(5, Some("A"), "2030-05-20 09:00:00", "2030-05-20 12:00:00", None),
            // One second ahead: offered (closed, but listed).
            event(6, Some("A"), "2030-06-01 10:00:01", "2030-06-01 12:00:00", None),
            // Empty or reversed windows: skipped.
            event(7, Some("A"), "2030-06-03 10:00:00", "2030-06-03 10:00:00", None),
            event(8, Some("A"), "2030-06-03 10:00:00", "2030-06-03 09:00:00", None),
        ];
        let offered = slots(&events, &settings(), now);
        let ids: Vec<i64> = offered.iter().map(|s| s.id).collect();
        assert_eq!(ids, [6, 1]);
        assert_eq!(availability(&offered[0], 0, now), Availability::Closed);

        let none = SlotSettings {
            horizon: TimeDelta::hours(-1),
            ..settings()
        };
        assert!(slots(&events, &none, now).is_empty());
        let forever = SlotSettings {
            horizon: TimeDelta::MAX,
            ..settings()
        };
        assert_eq!(slots(&events, &forever, now).len(), 3);
    }

    #[test]
    fn sorted_by_start_then_place_then_id() {
        let events = [
            event(1, Some("B"), "2030-06-05 08:00:00", "2030-06-05 10:00:00", None),
            event(2, Some("A"), "2030-06-05 08:00:00", "2030-06-05 10:00:00", None),
            event(3, Some("A"), "2030-06-04 08:00:00", "2030-06-04 10:00:00", None),
            event(5, Some("A"), "2030-06-05 08:00:00", "2030-06-05 09:00:00", None),
            event(4, Some("A"), "2030-06-05 08:00:00", "2030-06-05 11:00:00", None),
        ];
        let ids: Vec<i64> = slots(events.iter(), &settings(), utc(NOW))
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, [3, 2, 4, 5, 1]);
    }

    #[test]
    fn allday_events_are_kept_with_their_stored_window() {
        let mut value = serde_json::to_value(event(
            9,
            Some("Farm"),
            "2030-06-08 08:00:00",
            "2030-06-08 18:00:00",
            None,
        ))
        .unwrap();
        value["allday"] = json!(true);
        let e: CalendarEvent = serde_json::from_value(value).unwrap();
        assert!(e.allday);
        let offered = slots([&e], &settings(), utc(NOW));
        assert_eq!(offered.len(), 1);
        assert_eq!(offered[0].start, utc("2030-06-08 08:00:00"));
        assert_eq!(offered[0].label(Paris), "Farm — 2030-06-08 10:00–20:00");
    }

    #[test]
    fn availability_by_capacity() {
        let now = utc(NOW);
        let e = event(
            1,
            Some("A"),
            "2030-06-05 08:00:00",
            "2030-06-05 10:00:00",
            Some("Capacity: 3"),
        );
        let slot = one(&e, &settings());
        assert_eq!(
            availability(&slot, 0, now),
            Availability::Open { remaining: Some(3) }
        );
        assert_eq!(
            availability(&slot, 2, now),
            Availability::Open { remaining: Some(1) }
        );
        assert_eq!(availability(&slot, 3, now), Availability::Full);
        assert_eq!(availability(&slot, 4, now), Availability::Full);
        assert_eq!(availability(&slot, 3, slot.closes_at), Availability::Closed);

        let zero = Slot {
            capacity: Some(0),
            ..slot.clone()
        };
        assert_eq!(availability(&zero, 0, now), Availability::Full);

        let unlimited = Slot {
            capacity: None,
            ..slot
        };
        for taken in [0, 1, 1000, u32::MAX] {
            assert_eq!(
                availability(&unlimited, taken, now),
                Availability::Open { remaining: None }
            );
        }
    }

    #[test]
    fn grouping_by_place_then_local_day() {
        let events = [
            // Place B's first slot is the earliest of all.
            event(1, Some("B"), "2030-06-03 06:00:00", "2030-06-03 08:00:00", None),
            event(2, Some("A"), "2030-06-03 07:00:00", "2030-06-03 09:00:00", None),
            event(3, Some("A"), "2030-06-03 12:00:00", "2030-06-03 14:00:00", None),
            // 22:30 UTC on the 3rd is 00:30 on the 4th in Paris.
            event(4, Some("A"), "2030-06-03 22:30:00", "2030-06-03 23:30:00", None),
            event(5, Some("B"), "2030-06-05 06:00:00", "2030-06-05 08:00:00", None),
            event(6, Some("A"), "2030-06-04 07:00:00", "2030-06-04 09:00:00", None),
        ];
        let offered = slots(&events, &settings(), utc(NOW));
        let groups = group(&offered, Paris);
        type Day = (String, Vec<i64>);
        let shape: Vec<(String, Vec<Day>)> = groups
            .iter()
            .map(|p| {
                let days = p
                    .days
                    .iter()
                    .map(|d| (d.date.to_string(), d.slots.iter().map(|s| s.id).collect()))
                    .collect();
                (p.place.clone(), days)
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "B".to_owned(),
                    vec![
                        ("2030-06-03".to_owned(), vec![1]),
                        ("2030-06-05".to_owned(), vec![5])
                    ]
                ),
                (
                    "A".to_owned(),
                    vec![
                        ("2030-06-03".to_owned(), vec![2, 3]),
                        ("2030-06-04".to_owned(), vec![4, 6])
                    ]
                ),
            ]
        );
        // The same whatever the input order.
        let mut reversed = offered.clone();
        reversed.reverse();
        assert_eq!(group(&reversed, Paris), groups);
        // In UTC, slot 4 is on the 3rd.
        let utc_groups = group(&offered, chrono_tz::UTC);
        assert_eq!(utc_groups[1].days[0].slots.len(), 3);
        assert!(group(&[], Paris).is_empty());
    }

    #[test]
    fn local_window_in_summer_and_winter() {
        let summer = one(
            &event(1, Some("A"), "2030-06-08 06:00:00", "2030-06-08 10:00:00", None),
            &settings(),
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        assert_eq!(
            local_window(&summer, Paris),
            (d("2030-06-08"), t("08:00"), t("12:00"))
        );
        let winter = one(
            &event(2, Some("A"), "2030-01-12 07:00:00", "2030-01-12 11:00:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&winter, Paris),
            (d("2030-01-12"), t("08:00"), t("12:00"))
        );
        // Across midnight: the stop time is on the next day.
        let night = one(
            &event(3, Some("A"), "2030-06-08 20:00:00", "2030-06-08 23:00:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&night, Paris),
            (d("2030-06-08"), t("22:00"), t("01:00"))
        );
        assert_eq!(night.label(Paris), "A — 2030-06-08 22:00–2030-06-09 01:00");
    }

    #[test]
    fn local_window_on_dst_change_days() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        // Spring forward in Paris: Sunday 2030-03-31, 02:00 CET -> 03:00 CEST (01:00 UTC).
        assert_eq!(
            Paris.with_ymd_and_hms(2030, 3, 31, 3, 0, 0).unwrap(),
            utc("2030-03-31 01:00:00")
        );
        // A morning window on that day is in summer time already.
        let morning = one(
            &event(1, Some("A"), "2030-03-31 06:00:00", "2030-03-31 10:00:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&morning, Paris),
            (d("2030-03-31"), t("08:00"), t("12:00"))
        );
        assert_eq!(morning.label(Paris), "A — 2030-03-31 08:00–12:00");
        // The day before, the same local window is an hour later in UTC.
        let saturday = one(
            &event(2, Some("A"), "2030-03-30 07:00:00", "2030-03-30 11:00:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&saturday, Paris),
            (d("2030-03-30"), t("08:00"), t("12:00"))
        );
        // A window across the change: 1 h 30 long, shown 01:30–04:00.
        let across = one(
            &event(3, Some("A"), "2030-03-31 00:30:00", "2030-03-31 02:00:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&across, Paris),
            (d("2030-03-31"), t("01:30"), t("04:00"))
        );
        // Fall back: Sunday 2030-10-27, 03:00 CEST -> 02:00 CET (01:00 UTC).
        let back = one(
            &event(4, Some("A"), "2030-10-27 00:30:00", "2030-10-27 01:30:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&back, Paris),
            (d("2030-10-27"), t("02:30"), t("02:30"))
        );
        let afternoon = one(
            &event(5, Some("A"), "2030-10-27 13:00:00", "2030-10-27 17:00:00", None),
            &settings(),
        );
        assert_eq!(
            local_window(&afternoon, Paris),
            (d("2030-10-27"), t("14:00"), t("18:00"))
        );
        // The cut-off is a duration, not a local time: 12 h before the start.
        assert_eq!(morning.closes_at, utc("2030-03-30 18:00:00"));
    }

    #[test]
    fn label_is_stable() {
        let e = event(
            1,
            Some("Marché couvert Saint-Antoine"),
            "2030-06-08 06:00:00",
            "2030-06-08 10:00:00",
            Some("<p>Capacity: 8</p>"),
        );
        let label = "Marché couvert Saint-Antoine — 2030-06-08 08:00–12:00";
        let first = slots([&e], &settings(), utc(NOW));
        assert_eq!(first[0].label(Paris), label);
        // Same slot, another moment, other settings: same label.
        let other = SlotSettings {
            cutoff: TimeDelta::hours(2),
            default_capacity: Some(3),
            ..settings()
        };
        let later = slots([&e], &other, utc("2030-06-07 21:00:00"));
        assert_eq!(later[0].label(Paris), label);
        assert_eq!(first[0].label(Paris), first[0].clone().label(Paris));
        // Seconds do not show; the zone is the caller's.
        assert_eq!(
            first[0].label(chrono_tz::UTC),
            "Marché couvert Saint-Antoine — 2030-06-08 06:00–10:00"
        );
    }
}
