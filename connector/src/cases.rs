//! Buying together by the case: the products the shop sells by the shared
//! case (members each take a share of a case of 6, say), found from Odoo's
//! packagings, and a message to a customer through Odoo (to say a case was
//! not filled). Nothing needs installing in Odoo.
//!
//! Where packagings live depends on the series:
//!
//! - 16.0 to 18.0: `product.packaging` records on variants (`product_id`),
//!   whose `qty` is in the product's unit; with the `sale` module, only
//!   those flagged `sales` are for selling; a packaging of another company
//!   than the shop's does not count.
//! - 19.0: packagings are units of measure (`uom.uom`) in the template's
//!   `uom_ids`, shared by all its variants; a case holds the packaging's
//!   absolute `factor` divided by that of the product's `uom_id`, as sale
//!   converts quantities (`uom._compute_quantity`). A packaging whose unit
//!   is not of the product's unit's kind (another root of `relative_uom_id`)
//!   is left out. Units have no company: the product's counts.
//!
//! Only products for sale (`sale_ok`) of the shop's company (or of none)
//! are answered; tags are those of the template (`product_tag_ids`), not a
//! variant's own additional tags. Names are compared by Odoo (`=ilike`, in
//! English when no language is given): PostgreSQL folds the case of ASCII
//! letters always, of accented ones by the database's `LC_CTYPE` (not under
//! `C`: there "ACHAT GROUPÉ" is not "Achat groupé"). See "Shared cases" in
//! `tests/real-odoo/README.md` for what was checked on real 16.0 and 19.0.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::client::Client;
use crate::domain::{field, Domain};
use crate::error::Error;
use crate::records::fields::decimal_from_f64;
use crate::xmlrpc::{Struct, Value};

/// How the shop tells which products are sold by the shared case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseRule {
    /// Products with a packaging of this name (case-insensitive).
    Packaging(String),
    /// Products whose template carries a product tag (`product.tag`) of
    /// this name (case-insensitive); the case is then its first packaging
    /// holding more than one (16–18: by `sequence`, then id; 19: the
    /// smallest such case).
    Tag(String),
}

/// A product sold by the shared case.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedCase {
    /// The variant (`product.product`).
    pub product_id: i64,
    /// Its template (`product.template`).
    pub template_id: i64,
    /// How many a case holds, in the product's unit (> 0; > 1 under
    /// [`CaseRule::Tag`]).
    pub size: Decimal,
    /// The packaging's name, for display ("Carton de 6").
    pub packaging: String,
}

/// Where the database keeps packagings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// 16.0–18.0: `product.packaging`; `sales`: it has the `sale` flag.
    Packagings { sales: bool },
    /// 19.0: units of measure in the template's `uom_ids`.
    Units,
}

/// One packaging a product could be sold by.
#[derive(Debug, Clone, PartialEq)]
struct Candidate {
    /// The `product.packaging` or `uom.uom` id.
    id: i64,
    name: String,
    sequence: i64,
    /// In the product's unit.
    size: Decimal,
}

/// How to choose among a product's candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The first by sequence, then id (16–18).
    FirstInSequence,
    /// The smallest case, then by id (19).
    Smallest,
}

/// The case of a product among its candidates: those holding more than
/// `above`, chosen as `pick` says.
fn choose(candidates: &[Candidate], pick: Pick, above: Decimal) -> Option<&Candidate> {
    let eligible = candidates.iter().filter(|c| c.size > above);
    match pick {
        Pick::FirstInSequence => eligible.min_by_key(|c| (c.sequence, c.id)),
        Pick::Smallest => eligible.min_by(|a, b| a.size.cmp(&b.size).then(a.id.cmp(&b.id))),
    }
}

/// A name as an `=ilike` pattern matching it alone (case-insensitively):
/// SQL's wildcards and escape character escaped.
fn exact_pattern(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A float of Odoo's as a decimal.
fn decimal(value: Option<&Value>) -> Option<Decimal> {
    match value? {
        Value::Double(d) => decimal_from_f64(*d),
        Value::Int(i) => Some(Decimal::from(*i)),
        _ => None,
    }
}

/// The id of a many2one (`[id, name]`, or a bare id).
fn many2one(row: &Struct, name: &str) -> Option<i64> {
    match row.get(name)? {
        Value::Array(pair) => pair.first().and_then(Value::as_i64),
        Value::Int(id) => Some(*id),
        _ => None,
    }
}

fn ids(row: &Struct, name: &str) -> Vec<i64> {
    match row.get(name) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

fn text(row: &Struct, name: &str) -> String {
    row.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Of `company` or of none (`None`: any).
fn in_company(company: Option<i64>) -> Domain {
    match company {
        Some(company) => field("company_id").eq(company) | field("company_id").eq(false),
        None => Domain::All,
    }
}

/// A 19.0 unit of measure: its absolute factor and reference unit.
#[derive(Debug, Clone, PartialEq)]
struct Unit {
    name: String,
    factor: Decimal,
    relative_to: Option<i64>,
}

/// The root of a unit's `relative_uom_id` chain (a unit of that kind).
fn root(units: &HashMap<i64, Unit>, id: i64) -> i64 {
    let mut current = id;
    // A chain is short; a cycle (which Odoo forbids) stops here.
    for _ in 0..32 {
        match units.get(&current).and_then(|u| u.relative_to) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    current
}

/// How many of the product's unit a packaging unit holds (its absolute
/// factor over the product's, as sale converts), rounded to 6 decimals;
/// `None` when they are not of one kind or a factor is not positive.
fn units_size(units: &HashMap<i64, Unit>, packaging: i64, product_unit: i64) -> Option<Decimal> {
    let (pack, unit) = (units.get(&packaging)?, units.get(&product_unit)?);
    if root(units, packaging) != root(units, product_unit) || unit.factor <= Decimal::ZERO {
        return None;
    }
    let size = pack.factor.checked_div(unit.factor)?.round_dp(6).normalize();
    (size > Decimal::ZERO).then_some(size)
}

async fn storage(client: &Client) -> Result<Option<Storage>, Error> {
    let template = client.available_fields("product.template").await?;
    if template.contains("uom_ids") {
        return Ok(Some(Storage::Units));
    }
    if !template.contains("packaging_ids") {
        return Ok(None);
    }
    let packaging = client.available_fields("product.packaging").await?;
    Ok(Some(Storage::Packagings {
        sales: packaging.contains("sales"),
    }))
}

/// The products sold by the shared case in `company` (`None`: any), by
/// `rule`, ordered by variant. A few batch reads: the fields of
/// `product.template` (and of `product.packaging` on 16–18), then three
/// searches. A rule naming nothing that exists answers no products.
pub async fn shared_cases(
    client: &Client,
    rule: &CaseRule,
    company: Option<i64>,
) -> Result<Vec<SharedCase>, Error> {
    let Some(storage) = storage(client).await? else {
        return Ok(Vec::new());
    };
    let (name, tagged) = match rule {
        CaseRule::Packaging(name) => (name, false),
        CaseRule::Tag(name) => (name, true),
    };
    if name.trim().is_empty() {
        return Ok(Vec::new());
    }
    let pattern = exact_pattern(name);
    let tags = if tagged {
        if !client
            .available_fields("product.template")
            .await?
            .contains("product_tag_ids")
        {
            return Ok(Vec::new());
        }
        let tags = client
            .model("product.tag")
            .search(field("name").eq_ilike(pattern.as_str()))
            .send()
            .await?;
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        tags
    } else {
        Vec::new()
    };
    let mut cases = match storage {
        Storage::Packagings { sales } => {
            from_packagings(
                client,
                sales,
                &pattern,
                tagged.then_some(tags.as_slice()),
                company,
            )
            .await?
        }
        Storage::Units => from_units(client, &pattern, tagged.then_some(tags.as_slice()), company).await?,
    };
    cases.sort_by_key(|c| c.product_id);
    Ok(cases)
}

/// 16.0–18.0: `product.packaging`.
async fn from_packagings(
    client: &Client,
    sales: bool,
    pattern: &str,
    tags: Option<&[i64]>,
    company: Option<i64>,
) -> Result<Vec<SharedCase>, Error> {
    let packaging_domain = |products: Domain| {
        let mut domain = products & in_company(company);
        if sales {
            domain = domain & field("sales").eq(true);
        }
        domain
    };
    const PACKAGING_FIELDS: [&str; 4] = ["name", "qty", "product_id", "sequence"];
    let product_domain = field("sale_ok").eq(true) & in_company(company);
    let (packagings, products) = match tags {
        // By name: the packagings, then their products.
        None => {
            let packagings = client
                .model("product.packaging")
                .search_read(packaging_domain(
                    field("name").eq_ilike(pattern) & field("product_id").ne(false),
                ))
                .fields(PACKAGING_FIELDS)
                .send()
                .await?;
            let mut wanted: Vec<i64> = packagings
                .iter()
                .filter_map(|p| many2one(p, "product_id"))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            if wanted.is_empty() {
                return Ok(Vec::new());
            }
            let products = client
                .model("product.product")
                .search_read(field("id").is_in(wanted) & product_domain)
                .fields(["product_tmpl_id"])
                .send()
                .await?;
            (packagings, products)
        }
        // By tag: the tagged products, then their packagings.
        Some(tags) => {
            let products = client
                .model("product.product")
                .search_read(field("product_tag_ids").is_in(tags.iter().copied()) & product_domain)
                .fields(["product_tmpl_id"])
                .send()
                .await?;
            let variants: Vec<i64> = products
                .iter()
                .filter_map(|p| p.get("id").and_then(Value::as_i64))
                .collect();
            if variants.is_empty() {
                return Ok(Vec::new());
            }
            let packagings = client
                .model("product.packaging")
                .search_read(packaging_domain(
                    field("product_id").is_in(variants) & field("qty").gt(1),
                ))
                .fields(PACKAGING_FIELDS)
                .send()
                .await?;
            (packagings, products)
        }
    };
    let mut by_product: BTreeMap<i64, Vec<Candidate>> = BTreeMap::new();
    for row in &packagings {
        let (Some(id), Some(product), Some(size)) = (
            row.get("id").and_then(Value::as_i64),
            many2one(row, "product_id"),
            decimal(row.get("qty")),
        ) else {
            continue;
        };
        by_product.entry(product).or_default().push(Candidate {
            id,
            name: text(row, "name"),
            sequence: row.get("sequence").and_then(Value::as_i64).unwrap_or(0),
            size: size.normalize(),
        });
    }
    let above = if tags.is_some() {
        Decimal::ONE
    } else {
        Decimal::ZERO
    };
    Ok(products
        .iter()
        .filter_map(|row| {
            let product = row.get("id").and_then(Value::as_i64)?;
            let template = many2one(row, "product_tmpl_id")?;
            let case = choose(by_product.get(&product)?, Pick::FirstInSequence, above)?;
            Some(SharedCase {
                product_id: product,
                template_id: template,
                size: case.size,
                packaging: case.name.clone(),
            })
        })
        .collect())
}

/// 19.0: units of measure in the templates' `uom_ids`.
async fn from_units(
    client: &Client,
    pattern: &str,
    tags: Option<&[i64]>,
    company: Option<i64>,
) -> Result<Vec<SharedCase>, Error> {
    let (named, templates_of) = match tags {
        None => {
            let named = client
                .model("uom.uom")
                .search(field("name").eq_ilike(pattern))
                .send()
                .await?;
            if named.is_empty() {
                return Ok(Vec::new());
            }
            let domain = field("uom_ids").is_in(named.iter().copied());
            (Some(named), domain)
        }
        Some(tags) => (None, field("product_tag_ids").is_in(tags.iter().copied())),
    };
    let templates = client
        .model("product.template")
        .search_read(templates_of & field("sale_ok").eq(true) & in_company(company))
        .fields(["uom_id", "uom_ids", "product_variant_ids"])
        .send()
        .await?;
    if templates.is_empty() {
        return Ok(Vec::new());
    }
    // Every unit, to follow their references (a short list).
    let units: HashMap<i64, Unit> = client
        .model("uom.uom")
        .search_read(Domain::All)
        .fields(["name", "factor", "relative_uom_id"])
        .send()
        .await?
        .iter()
        .filter_map(|row| {
            Some((
                row.get("id").and_then(Value::as_i64)?,
                Unit {
                    name: text(row, "name"),
                    factor: decimal(row.get("factor"))?,
                    relative_to: many2one(row, "relative_uom_id"),
                },
            ))
        })
        .collect();
    let above = if tags.is_some() {
        Decimal::ONE
    } else {
        Decimal::ZERO
    };
    let mut cases = Vec::new();
    for row in &templates {
        let (Some(template), Some(unit)) = (row.get("id").and_then(Value::as_i64), many2one(row, "uom_id"))
        else {
            continue;
        };
        let candidates: Vec<Candidate> = ids(row, "uom_ids")
            .into_iter()
            .filter(|id| named.as_ref().is_none_or(|named| named.contains(id)))
            .filter_map(|id| {
                Some(Candidate {
                    id,
                    name: units.get(&id)?.name.clone(),
                    sequence: 0,
                    size: units_size(&units, id, unit)?,
                })
            })
            .collect();
        let Some(case) = choose(&candidates, Pick::Smallest, above) else {
            continue;
        };
        for variant in ids(row, "product_variant_ids") {
            cases.push(SharedCase {
                product_id: variant,
                template_id: template,
                size: case.size,
                packaging: case.name.clone(),
            });
        }
    }
    Ok(cases)
}

/// Posts a message to a customer through Odoo: a comment (subtype
/// `mail.mt_comment`) on their `res.partner` with them as recipient, so
/// that Odoo mails it (queued for Odoo's mail cron, as
/// [`crate::inform::send_template`] does). `body_html` is HTML, kept as
/// such (`body_is_html`, which 17.0+ need to not escape it and 16.0
/// ignores). Returns the `mail.message` id: 16.0–18.0 answer it
/// (`@api.returns`), 19.0 a list of the one id (over XML-RPC and JSON-2).
pub async fn tell_partner(
    client: &Client,
    partner_id: i64,
    subject: &str,
    body_html: &str,
) -> Result<i64, Error> {
    let answer = client
        .model("res.partner")
        .call_on("message_post", vec![partner_id])
        .kwarg("body", body_html)
        .kwarg("body_is_html", true)
        .kwarg("subject", subject)
        .kwarg("partner_ids", vec![partner_id])
        .kwarg("message_type", "comment")
        .kwarg("subtype_xmlid", "mail.mt_comment")
        .context("mail_notify_force_send", false)
        .send()
        .await?;
    message_id(&answer).ok_or_else(|| Error::Decode {
        call: "res.partner.message_post".into(),
        field: String::new(),
        message: format!("expected the message's id, got {}", answer.type_name()),
    })
}

/// The id `message_post` answers: an id, or a list of one.
fn message_id(answer: &Value) -> Option<i64> {
    match answer {
        Value::Int(id) => Some(*id),
        Value::Array(items) if items.len() == 1 => items.first().and_then(Value::as_i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    fn candidate(id: i64, sequence: i64, size: &str) -> Candidate {
        Candidate {
            id,
            name: format!("P{id}"),
            sequence,
            size: d(size),
        }
    }

    #[test]
    fn the_first_in_sequence_holding_more_than_one() {
        let candidates = [
            candidate(4, 1, "1"),
            candidate(7, 2, "12"),
            candidate(5, 2, "6"),
            candidate(3, 3, "2"),
        ];
        let chosen = choose(&candidates, Pick::FirstInSequence, Decimal::ONE).map(|c| c.id);
        assert_eq!(chosen, Some(5), "sequence 2, then the smaller id");
        // By name, a case of one still is one.
        let chosen = choose(&candidates, Pick::FirstInSequence, Decimal::ZERO).map(|c| c.id);
        assert_eq!(chosen, Some(4));
        assert_eq!(
            choose(&candidates[..1], Pick::FirstInSequence, Decimal::ONE),
            None
        );
    }

    #[test]
    fn the_smallest_case_holding_more_than_one() {
        let candidates = [
            candidate(9, 0, "12"),
            candidate(8, 0, "0.5"),
            candidate(6, 0, "6"),
            candidate(2, 0, "6"),
        ];
        let chosen = choose(&candidates, Pick::Smallest, Decimal::ONE).map(|c| c.id);
        assert_eq!(chosen, Some(2));
        assert_eq!(choose(&[], Pick::Smallest, Decimal::ONE), None);
    }

    fn units() -> HashMap<i64, Unit> {
        let unit = |name: &str, factor: &str, relative_to: Option<i64>| Unit {
            name: name.into(),
            factor: d(factor),
            relative_to,
        };
        // As Odoo 19 ships them: g is the root of weights, kg 1000 g.
        HashMap::from([
            (1, unit("Units", "1", None)),
            (2, unit("Pack of 6", "6", Some(1))),
            (3, unit("Dozens", "12", Some(1))),
            (14, unit("g", "1", None)),
            (15, unit("kg", "1000", Some(14))),
            (30, unit("Carton de 6", "6", Some(1))),
            (31, unit("Sac de 5 kg", "5000", Some(15))),
            (32, unit("Tiers", "0.3333333333333333", Some(1))),
        ])
    }

    #[test]
    fn a_case_is_its_factor_over_the_products_unit() {
        let units = units();
        assert_eq!(units_size(&units, 30, 1), Some(d("6")));
        assert_eq!(units_size(&units, 3, 1), Some(d("12")));
        assert_eq!(
            units_size(&units, 3, 2),
            Some(d("2")),
            "a dozen is two packs of 6"
        );
        assert_eq!(
            units_size(&units, 31, 15),
            Some(d("5")),
            "5 kg for a product in kg"
        );
        assert_eq!(units_size(&units, 31, 14), Some(d("5000")), "in grams");
        assert_eq!(units_size(&units, 32, 1), Some(d("0.333333")));
    }

    #[test]
    fn a_packaging_of_another_kind_is_no_case() {
        let units = units();
        assert_eq!(units_size(&units, 30, 15), None, "units for a product in kg");
        assert_eq!(units_size(&units, 31, 1), None);
        assert_eq!(units_size(&units, 99, 1), None, "an unknown unit");
    }

    #[test]
    fn names_are_matched_whole() {
        assert_eq!(exact_pattern(" Carton de 6 "), "Carton de 6");
        assert_eq!(exact_pattern("100%_bio\\"), "100\\%\\_bio\\\\");
    }

    #[test]
    fn message_post_answers_an_id_or_a_list_of_one() {
        assert_eq!(message_id(&Value::Int(341)), Some(341));
        assert_eq!(message_id(&Value::Array(vec![Value::Int(616)])), Some(616));
        assert_eq!(message_id(&Value::Array(vec![])), None);
        assert_eq!(message_id(&Value::Bool(false)), None);
    }

    #[test]
    fn floats_become_decimals_as_written() {
        assert_eq!(decimal(Some(&Value::Double(6.0))), Some(d("6")));
        assert_eq!(decimal(Some(&Value::Double(0.1))), Some(d("0.1")));
        assert_eq!(decimal(Some(&Value::Int(12))), Some(d("12")));
        assert_eq!(decimal(Some(&Value::Bool(false))), None);
    }
}
