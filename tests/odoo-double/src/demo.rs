//! The demo shop: the built-in bakery-grocery grown to about sixty products
//! in nested categories, each with a picture, some sold by weight or volume,
//! and pickup slots at two places over the three weeks after `now`; and a
//! second shop, the grocery "Épicerie Vrac & Co" (company 2), with its own
//! taxes, pricelist, products, customer and pickup slots.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Datelike as _, NaiveTime, TimeDelta, TimeZone as _, Utc, Weekday};
use serde_json::{json, Map, Value as Json};

use crate::Dataset;

/// Units of the built-in dataset.
const UNITS: i64 = 1;
const KG: i64 = 2;
const LITRE: i64 = 4;
/// Taxes of the built-in dataset: 5.5 % included, 20 % excluded.
const FOOD_VAT: i64 = 1;
const VAT_20: i64 = 2;

/// New public categories: (id, fr, en, parent, sequence).
const CATEGORIES: &[(i64, &str, &str, i64, i64)] = &[
    (9, "Pâtisseries", "Cakes & tarts", 1, 13),
    (10, "Tartes", "Tarts", 9, 1),
    (11, "Vrac", "Bulk", 4, 24),
    (12, "Jus & sirops", "Juices & syrups", 8, 31),
    (13, "Bières & cidres", "Beers & ciders", 8, 32),
    (14, "Crèmerie", "Dairy", 4, 25),
];

/// New products: (fr, en, price, public category, internal category, unit,
/// weight in kg for those sold by the unit, tax).
#[allow(clippy::type_complexity)]
const PRODUCTS: &[(&str, &str, f64, i64, i64, i64, f64, i64)] = &[
    (
        "Baguette aux céréales",
        "Multigrain baguette",
        1.6,
        2,
        3,
        UNITS,
        0.25,
        FOOD_VAT,
    ),
    ("Pain de seigle", "Rye bread", 4.4, 2, 3, UNITS, 0.5, FOOD_VAT),
    (
        "Fougasse aux olives",
        "Olive fougasse",
        3.9,
        2,
        3,
        UNITS,
        0.35,
        FOOD_VAT,
    ),
    ("Pain d'épeautre", "Spelt loaf", 5.2, 2, 3, UNITS, 0.5, FOOD_VAT),
    (
        "Pain au levain (au poids)",
        "Sourdough (by weight)",
        7.8,
        2,
        3,
        KG,
        0.0,
        FOOD_VAT,
    ),
    (
        "Chausson aux pommes",
        "Apple turnover",
        1.9,
        3,
        3,
        UNITS,
        0.1,
        FOOD_VAT,
    ),
    (
        "Pain aux raisins",
        "Raisin swirl",
        1.7,
        3,
        3,
        UNITS,
        0.1,
        FOOD_VAT,
    ),
    (
        "Croissant aux amandes",
        "Almond croissant",
        2.1,
        3,
        3,
        UNITS,
        0.1,
        FOOD_VAT,
    ),
    ("Kouign-amann", "Kouign-amann", 2.4, 3, 3, UNITS, 0.12, FOOD_VAT),
    (
        "Éclair au chocolat",
        "Chocolate éclair",
        3.2,
        9,
        3,
        UNITS,
        0.09,
        FOOD_VAT,
    ),
    ("Paris-Brest", "Paris-Brest", 4.5, 9, 3, UNITS, 0.12, FOOD_VAT),
    (
        "Flan pâtissier (part)",
        "Custard flan (slice)",
        2.9,
        9,
        3,
        UNITS,
        0.15,
        FOOD_VAT,
    ),
    (
        "Tarte aux pommes",
        "Apple tart",
        14.0,
        10,
        3,
        UNITS,
        0.8,
        FOOD_VAT,
    ),
    (
        "Tarte au citron meringuée",
        "Lemon meringue tart",
        18.0,
        10,
        3,
        UNITS,
        0.8,
        FOOD_VAT,
    ),
    (
        "Tartelette aux fraises",
        "Strawberry tartlet",
        4.2,
        10,
        3,
        UNITS,
        0.12,
        FOOD_VAT,
    ),
    (
        "Saint-Nectaire fermier",
        "Farmhouse Saint-Nectaire",
        24.5,
        5,
        4,
        KG,
        0.0,
        FOOD_VAT,
    ),
    (
        "Bleu d'Auvergne",
        "Bleu d'Auvergne",
        21.0,
        5,
        4,
        KG,
        0.0,
        FOOD_VAT,
    ),
    (
        "Chèvre frais",
        "Fresh goat cheese",
        3.6,
        5,
        4,
        UNITS,
        0.15,
        FOOD_VAT,
    ),
    (
        "Beurre demi-sel 250 g",
        "Salted butter 250 g",
        3.4,
        14,
        4,
        UNITS,
        0.25,
        FOOD_VAT,
    ),
    (
        "Yaourt fermier nature",
        "Farm yoghurt",
        0.9,
        14,
        4,
        UNITS,
        0.125,
        FOOD_VAT,
    ),
    (
        "Crème fraîche épaisse",
        "Thick crème fraîche",
        3.1,
        14,
        4,
        UNITS,
        0.25,
        FOOD_VAT,
    ),
    (
        "Œufs plein air (x6)",
        "Free-range eggs (6)",
        2.9,
        14,
        4,
        UNITS,
        0.36,
        FOOD_VAT,
    ),
    (
        "Poires Conférence",
        "Conference pears",
        3.6,
        6,
        4,
        KG,
        0.0,
        FOOD_VAT,
    ),
    ("Pommes de terre", "Potatoes", 1.9, 6, 4, KG, 0.0, FOOD_VAT),
    ("Poireaux", "Leeks", 2.8, 6, 4, KG, 0.0, FOOD_VAT),
    (
        "Courge butternut",
        "Butternut squash",
        2.5,
        6,
        4,
        KG,
        0.0,
        FOOD_VAT,
    ),
    ("Clémentines", "Clementines", 3.9, 6, 4, KG, 0.0, FOOD_VAT),
    (
        "Salade feuille de chêne",
        "Oak leaf lettuce",
        1.5,
        6,
        4,
        UNITS,
        0.3,
        FOOD_VAT,
    ),
    (
        "Miel de châtaignier 500 g",
        "Chestnut honey 500 g",
        11.5,
        7,
        4,
        UNITS,
        0.5,
        FOOD_VAT,
    ),
    (
        "Confiture d'abricots",
        "Apricot jam",
        5.2,
        7,
        4,
        UNITS,
        0.37,
        FOOD_VAT,
    ),
    (
        "Pâte à tartiner noisette",
        "Hazelnut spread",
        6.9,
        7,
        4,
        UNITS,
        0.35,
        FOOD_VAT,
    ),
    ("Lentilles vertes", "Green lentils", 6.4, 11, 4, KG, 0.0, FOOD_VAT),
    ("Riz complet", "Brown rice", 4.2, 11, 4, KG, 0.0, FOOD_VAT),
    ("Flocons d'avoine", "Rolled oats", 3.8, 11, 4, KG, 0.0, FOOD_VAT),
    (
        "Noix de Grenoble",
        "Grenoble walnuts",
        14.9,
        11,
        4,
        KG,
        0.0,
        FOOD_VAT,
    ),
    (
        "Huile d'olive (vrac)",
        "Olive oil (bulk)",
        16.0,
        11,
        4,
        LITRE,
        0.0,
        FOOD_VAT,
    ),
    (
        "Jus de raisin 1 L",
        "Grape juice 1 L",
        3.9,
        12,
        5,
        UNITS,
        1.0,
        FOOD_VAT,
    ),
    ("Sirop de menthe", "Mint syrup", 4.8, 12, 5, UNITS, 0.7, FOOD_VAT),
    (
        "Jus d'orange frais (vrac)",
        "Fresh orange juice (bulk)",
        6.5,
        12,
        5,
        LITRE,
        0.0,
        FOOD_VAT,
    ),
    (
        "Cidre brut 75 cl",
        "Dry cider 75 cl",
        4.6,
        13,
        5,
        UNITS,
        0.75,
        VAT_20,
    ),
    (
        "Bière blonde 50 cl",
        "Blonde beer 50 cl",
        3.4,
        13,
        5,
        UNITS,
        0.5,
        VAT_20,
    ),
    (
        "Bière ambrée 33 cl",
        "Amber beer 33 cl",
        3.1,
        13,
        5,
        UNITS,
        0.33,
        VAT_20,
    ),
    (
        "Limonade artisanale",
        "Craft lemonade",
        2.9,
        8,
        5,
        UNITS,
        0.33,
        VAT_20,
    ),
];

/// The product sold by the shared case (members each take bottles of a
/// case of 6): (fr, en, price, public category (Grocery), internal
/// category, weight in kg); tagged [`SHARED_TAG`], with a packaging
/// [`SHARED_PACKAGING`] of 6 (16–18: `product.packaging` 1; 19: a unit of
/// measure of 6 Units in the template's `uom_ids`).
const SHARED_PRODUCT: (&str, &str, f64, i64, i64, f64) =
    ("Huile d'olive bio 1 L", "Organic olive oil 1 L", 9.9, 4, 4, 0.92);
/// The product tag of the products bought together by the case.
const SHARED_TAG: &str = "Achat groupé";
/// The shared product's packaging, and how many it holds.
const SHARED_PACKAGING: (&str, f64) = ("Carton de 6", 6.0);

/// The grocery, a second company of the database (sold by its own shop,
/// `SHOP_COMPANY=2`): its name and its partner's address.
const GROCERY: &str = "Épicerie Vrac & Co";
/// The calendar event category of the grocery's pickup slots (its shop's
/// `SHOP_PICKUP_CATEGORY`; the bakery's is "Pickup").
const GROCERY_PICKUP: &str = "Retrait épicerie";
/// Where the grocery's slots are.
const GROCERY_PLACE: &str = "Épicerie Vrac & Co, 3 place du Marché, Lyon";
/// The grocery's customer: (login, password, name).
const GROCERY_CUSTOMER: (&str, &str, &str) = ("lea@example.com", "lea-password", "Léa Dubois");

/// The grocery's public categories: (fr, en, sequence); the second is a
/// child of the first.
const GROCERY_CATEGORIES: &[(&str, &str, i64)] = &[
    ("Épicerie vrac", "Bulk grocery", 40),
    ("Légumineuses & céréales", "Pulses & grains", 41),
];

/// Which of the grocery's taxes a product has: its copies of the bakery's
/// 5.5 % included and 20 % excluded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GroceryTax {
    Food,
    Standard,
}

/// The grocery's products, all of company 2: (fr, en, price, public
/// category (0: "Épicerie vrac", 1: its child), internal category, unit,
/// weight in kg for those sold by the unit, tax).
#[allow(clippy::type_complexity)]
const GROCERY_PRODUCTS: &[(&str, &str, f64, usize, i64, i64, f64, GroceryTax)] = &[
    (
        "Pois chiches (vrac)",
        "Chickpeas (bulk)",
        4.6,
        1,
        4,
        KG,
        0.0,
        GroceryTax::Food,
    ),
    (
        "Lentilles corail (vrac)",
        "Red lentils (bulk)",
        5.9,
        1,
        4,
        KG,
        0.0,
        GroceryTax::Food,
    ),
    (
        "Quinoa blanc (vrac)",
        "White quinoa (bulk)",
        9.8,
        1,
        4,
        KG,
        0.0,
        GroceryTax::Food,
    ),
    (
        "Farine de blé T80 (vrac)",
        "T80 wheat flour (bulk)",
        2.4,
        1,
        4,
        KG,
        0.0,
        GroceryTax::Food,
    ),
    (
        "Amandes décortiquées (vrac)",
        "Shelled almonds (bulk)",
        24.0,
        0,
        4,
        KG,
        0.0,
        GroceryTax::Food,
    ),
    (
        "Huile de tournesol (vrac)",
        "Sunflower oil (bulk)",
        5.2,
        0,
        4,
        LITRE,
        0.0,
        GroceryTax::Food,
    ),
    (
        "Savon de Marseille 300 g",
        "Marseille soap 300 g",
        4.5,
        0,
        2,
        UNITS,
        0.3,
        GroceryTax::Standard,
    ),
    (
        "Bocal en verre 1 L",
        "Glass jar 1 L",
        3.9,
        0,
        2,
        UNITS,
        0.45,
        GroceryTax::Standard,
    ),
];

/// Colours of the pictures, one per product in turn.
const COLOURS: &[&str] = &[
    "#b5651d", "#d4a373", "#8c5a3c", "#e9c46a", "#6a994e", "#bc4749", "#457b9d", "#f4a261",
];

/// A picture for a product: its initials on a warm background, as SVG.
fn picture(name: &str, i: usize) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"512\" height=\"512\" viewBox=\"0 0 512 512\">\
         <rect width=\"512\" height=\"512\" fill=\"{}\"/><circle cx=\"256\" cy=\"256\" r=\"170\" fill=\"#fffaf0\" opacity=\"0.9\"/>\
         <text x=\"256\" y=\"300\" font-family=\"Georgia, serif\" font-size=\"140\" text-anchor=\"middle\" fill=\"#3d2b1f\">{}</text></svg>",
        COLOURS[i % COLOURS.len()],
        initials
    );
    base64::engine::general_purpose::STANDARD.encode(svg)
}

fn object(value: Json) -> Map<String, Json> {
    match value {
        Json::Object(map) => map,
        _ => Map::new(),
    }
}

/// A dataset's records, by model.
type Records = BTreeMap<String, Vec<Map<String, Json>>>;

/// The greatest id of `model`'s records (0 when none).
fn max_id(records: &Records, model: &str) -> i64 {
    records
        .get(model)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id").and_then(Json::as_i64))
        .max()
        .unwrap_or(0)
}

/// When a local time in Paris on `day` is, in UTC.
fn paris(day: chrono::NaiveDate, hour: u32) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default());
    chrono_tz::Europe::Paris
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

impl Dataset {
    /// The demo shop, with pickup slots over the three weeks after `now`:
    /// Tuesdays and Fridays 16:00–19:00 at the shop, Saturdays 08:00–12:00
    /// at the covered market (Paris time); and the grocery of company 2
    /// (see `add_grocery`), after everything of the bakery.
    pub fn demo(now: DateTime<Utc>) -> Dataset {
        let mut dataset = Dataset::shop();
        let records = &mut dataset.records;
        let stamp = "2026-01-05 08:00:00";
        // Pictures for the built-in products that have none.
        if let Some(templates) = records.get_mut("product.template") {
            for (i, t) in templates.iter_mut().enumerate() {
                if !t.contains_key("image_1920") {
                    let name = t
                        .get("name")
                        .and_then(|n| n.get("fr_FR").or(Some(n)))
                        .and_then(Json::as_str)
                        .unwrap_or("?")
                        .to_owned();
                    t.insert("image_1920".into(), Json::String(picture(&name, i)));
                }
            }
        }
        let categories = records.entry("product.public.category".into()).or_default();
        for (id, fr, en, parent, sequence) in CATEGORIES {
            categories.push(object(json!({
                "id": id, "name": {"fr_FR": fr, "en_US": en}, "parent_id": parent,
                "sequence": sequence, "write_date": stamp,
            })));
        }
        let first_template = max_id(records, "product.template") + 1;
        let first_variant = max_id(records, "product.product") + 1;
        let mut templates = Vec::new();
        let mut variants = Vec::new();
        for (i, (fr, en, price, public, internal, uom, weight, tax)) in PRODUCTS.iter().enumerate() {
            let (template, variant) = (first_template + i as i64, first_variant + i as i64);
            let code = format!("DEMO-{:03}", i + 1);
            templates.push(object(json!({
                "id": template,
                "name": {"fr_FR": fr, "en_US": en},
                "default_code": code,
                "list_price": price,
                "standard_price": (price * 0.45 * 100.0).round() / 100.0,
                "categ_id": internal,
                "public_categ_ids": [public],
                "uom_id": uom,
                "uom_po_id": uom,
                "taxes_id": [tax],
                "sale_ok": true,
                "purchase_ok": true,
                "is_published": true,
                "available_in_pos": true,
                "to_weight": *uom == KG,
                "type": "consu",
                "weight": weight,
                "barcode": format!("3769{:09}", i + 1),
                "description_sale": {
                    "fr_FR": format!("{fr} : produit de la maison ou de nos producteurs voisins."),
                    "en_US": format!("{en}: made here or by our neighbouring producers."),
                },
                "image_1920": picture(fr, i),
                "write_date": stamp,
            })));
            let mut row = object(json!({
                "id": variant, "product_tmpl_id": template, "default_code": code,
                "barcode": format!("3769{:09}", i + 1), "write_date": stamp,
            }));
            // A price per kg beside those sold by the piece (the built-in
            // shop's base unit 1 is the kg).
            if *uom != KG && *weight > 0.0 {
                row.insert("base_unit_count".into(), json!(weight));
                row.insert("base_unit_id".into(), json!(1));
            }
            variants.push(row);
        }
        // The product sold by the shared case, after the others.
        let (fr, en, price, public, internal, weight) = SHARED_PRODUCT;
        let (template, variant) = (
            first_template + PRODUCTS.len() as i64,
            first_variant + PRODUCTS.len() as i64,
        );
        let code = format!("DEMO-{:03}", PRODUCTS.len() + 1);
        let barcode = format!("3769{:09}", PRODUCTS.len() + 1);
        let tag = max_id(records, "product.tag") + 1;
        templates.push(object(json!({
            "id": template,
            "name": {"fr_FR": fr, "en_US": en},
            "default_code": code,
            "list_price": price,
            "standard_price": 4.4,
            "categ_id": internal,
            "public_categ_ids": [public],
            "uom_id": UNITS,
            "uom_po_id": UNITS,
            "taxes_id": [FOOD_VAT],
            "sale_ok": true,
            "purchase_ok": true,
            "is_published": true,
            "available_in_pos": true,
            "type": "consu",
            "weight": weight,
            "barcode": barcode,
            "product_tag_ids": [tag],
            "description_sale": {
                "fr_FR": "Huile d'olive vierge extra bio, vendue au carton de 6 partagé entre membres.",
                "en_US": "Organic extra virgin olive oil, sold by the case of 6 shared between members.",
            },
            "image_1920": picture(fr, PRODUCTS.len()),
            "write_date": stamp,
        })));
        variants.push(object(json!({
            "id": variant, "product_tmpl_id": template, "default_code": code,
            "barcode": barcode, "write_date": stamp,
        })));
        records.entry("product.tag".into()).or_default().push(object(
            json!({"id": tag, "name": SHARED_TAG, "write_date": stamp}),
        ));
        let packaging = max_id(records, "product.packaging") + 1;
        records
            .entry("product.packaging".into())
            .or_default()
            .push(object(json!({
                "id": packaging,
                "name": SHARED_PACKAGING.0,
                "qty": SHARED_PACKAGING.1,
                "product_id": variant,
                "sequence": 1,
                "sales": true,
                "write_date": stamp,
            })));
        records
            .entry("product.template".into())
            .or_default()
            .extend(templates);
        records
            .entry("product.product".into())
            .or_default()
            .extend(variants);

        // Pickup slots: the next three weeks (instead of the built-in shop's
        // fixed ones).
        let mut next_event = max_id(records, "calendar.event") + 1;
        records.insert("calendar.event".into(), Vec::new());
        let mut events = Vec::new();
        let today = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        for offset in 0..21 {
            let day = today + TimeDelta::days(offset);
            let slot = match day.weekday() {
                Weekday::Tue | Weekday::Fri => Some((
                    "Retrait à la boutique",
                    "Boutique, 12 rue des Fours, Lyon",
                    16,
                    19,
                    12,
                )),
                Weekday::Sat => Some((
                    "Retrait au marché",
                    "Marché couvert Saint-Antoine, Lyon",
                    8,
                    12,
                    20,
                )),
                _ => None,
            };
            let Some((name, place, from, to, capacity)) = slot else {
                continue;
            };
            let (start, stop) = (paris(day, from), paris(day, to));
            if start <= now {
                continue;
            }
            events.push(object(json!({
                "id": next_event,
                "name": name,
                "start": start.format("%Y-%m-%d %H:%M:%S").to_string(),
                "stop": stop.format("%Y-%m-%d %H:%M:%S").to_string(),
                "location": place,
                "description": format!("<p>Capacity: {capacity}</p>"),
                "categ_ids": [1],
                "user_id": 2,
                "write_date": stamp,
            })));
            next_event += 1;
        }
        records.entry("calendar.event".into()).or_default().extend(events);
        // The bakery's goods are the bakery's (company 1): a product of no
        // company would be sold by every company's shop, as in Odoo.
        for template in records.get_mut("product.template").into_iter().flatten() {
            if template.get("company_id").is_none_or(Json::is_null) {
                template.insert("company_id".into(), json!(1));
            }
        }
        add_grocery(&mut dataset, now, stamp);
        dataset
    }
}

/// The grocery "Épicerie Vrac & Co", a second company (2) of the database,
/// after everything of the bakery (company 1): its partner, its copies of
/// the bakery's sales taxes, its pricelist, its public categories and
/// products (all of company 2), its portal customer Léa (company 2, the
/// grocery's pricelist), and its pickup slots under the category
/// [`GROCERY_PICKUP`] on Wednesdays and Saturdays 09:00–12:00 over the
/// three weeks after `now`. The technical user may work in both companies.
fn add_grocery(dataset: &mut Dataset, now: DateTime<Utc>, stamp: &str) {
    let records = &mut dataset.records;
    let first_company = records
        .get("res.company")
        .and_then(|companies| companies.first())
        .cloned()
        .unwrap_or_default();
    let company = max_id(records, "res.company") + 1;
    let currency = first_company.get("currency_id").cloned().unwrap_or(json!(1));
    let sequence = records
        .get("res.company")
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("sequence").and_then(Json::as_i64))
        .max()
        .unwrap_or(0)
        + 10;

    // The company and its partner (of no company, as Odoo makes it).
    let company_partner = max_id(records, "res.partner") + 1;
    let customer_partner = company_partner + 1;
    let partners = records.entry("res.partner".into()).or_default();
    partners.push(object(json!({
        "id": company_partner, "name": GROCERY, "is_company": true,
        "email": "contact@epicerie-vrac.example", "phone": "+33 4 72 00 00 33",
        "street": "3 place du Marché", "zip": "69001", "city": "Lyon", "lang": "fr_FR",
        "write_date": stamp,
    })));
    records
        .entry("res.company".into())
        .or_default()
        .push(object(json!({
            "id": company, "name": GROCERY, "partner_id": company_partner,
            "currency_id": currency, "sequence": sequence, "write_date": stamp,
        })));

    // Its sales taxes: the bakery's 5.5 % included and 20 % excluded, of
    // company 2.
    let first_tax = max_id(records, "account.tax") + 1;
    let taxes = records.entry("account.tax".into()).or_default();
    let copies: Vec<_> = [FOOD_VAT, VAT_20]
        .iter()
        .zip(first_tax..)
        .filter_map(|(bakery, id)| {
            let mut tax = taxes
                .iter()
                .find(|t| t.get("id").and_then(Json::as_i64) == Some(*bakery))?
                .clone();
            tax.insert("id".into(), json!(id));
            tax.insert("company_id".into(), json!(company));
            Some(tax)
        })
        .collect();
    taxes.extend(copies);
    let tax_id = |tax: GroceryTax| match tax {
        GroceryTax::Food => first_tax,
        GroceryTax::Standard => first_tax + 1,
    };

    // Its pricelist: the default of its customers.
    let pricelist = max_id(records, "product.pricelist") + 1;
    records
        .entry("product.pricelist".into())
        .or_default()
        .push(object(json!({
            "id": pricelist, "name": {"en_US": "Public (grocery)", "fr_FR": "Public (épicerie)"},
            "sequence": 1, "currency_id": currency, "company_id": company, "write_date": stamp,
        })));

    // Its public categories and products.
    let first_category = max_id(records, "product.public.category") + 1;
    let categories = records.entry("product.public.category".into()).or_default();
    for (i, (fr, en, sequence)) in GROCERY_CATEGORIES.iter().enumerate() {
        let mut row = object(json!({
            "id": first_category + i as i64, "name": {"fr_FR": fr, "en_US": en},
            "sequence": sequence, "write_date": stamp,
        }));
        if i > 0 {
            row.insert("parent_id".into(), json!(first_category));
        }
        categories.push(row);
    }
    let first_template = max_id(records, "product.template") + 1;
    let first_variant = max_id(records, "product.product") + 1;
    let mut templates = Vec::new();
    let mut variants = Vec::new();
    for (i, (fr, en, price, public, internal, uom, weight, tax)) in GROCERY_PRODUCTS.iter().enumerate() {
        let (template, variant) = (first_template + i as i64, first_variant + i as i64);
        let code = format!("VRAC-{:03}", i + 1);
        let barcode = format!("3779{:09}", i + 1);
        templates.push(object(json!({
            "id": template,
            "name": {"fr_FR": fr, "en_US": en},
            "default_code": code,
            "list_price": price,
            "standard_price": (price * 0.5 * 100.0).round() / 100.0,
            "categ_id": internal,
            "public_categ_ids": [first_category + *public as i64],
            "uom_id": uom,
            "uom_po_id": uom,
            "taxes_id": [tax_id(*tax)],
            "company_id": company,
            "sale_ok": true,
            "purchase_ok": true,
            "is_published": true,
            "available_in_pos": true,
            "to_weight": *uom == KG,
            "type": "consu",
            "weight": weight,
            "barcode": barcode,
            "description_sale": {
                "fr_FR": format!("{fr} : au poids ou à l'unité, apportez vos contenants."),
                "en_US": format!("{en}: by weight or by the piece, bring your own containers."),
            },
            "image_1920": picture(fr, i + 3),
            "write_date": stamp,
        })));
        let mut row = object(json!({
            "id": variant, "product_tmpl_id": template, "default_code": code,
            "barcode": barcode, "write_date": stamp,
        }));
        if *uom != KG && *weight > 0.0 {
            row.insert("base_unit_count".into(), json!(weight));
            row.insert("base_unit_id".into(), json!(1));
        }
        variants.push(row);
    }
    records
        .entry("product.template".into())
        .or_default()
        .extend(templates);
    records
        .entry("product.product".into())
        .or_default()
        .extend(variants);

    // Its customer, of company 2 alone, and the technical user allowed in
    // both companies (a shop works in a company its user may work in).
    let (login, password, name) = GROCERY_CUSTOMER;
    records
        .entry("res.partner".into())
        .or_default()
        .push(object(json!({
            "id": customer_partner, "name": name, "email": login, "lang": "fr_FR",
            "property_product_pricelist": pricelist, "customer_rank": 1, "company_id": company,
            "write_date": stamp,
        })));
    let uid = dataset.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
    let technical = dataset.technical_user().map(|u| u.id);
    dataset.users.push(crate::DatasetUser {
        id: uid,
        login: login.into(),
        password: password.into(),
        api_key: None,
        partner_id: Some(customer_partner),
        name: None,
        share: true,
        active: true,
    });
    let records = &mut dataset.records;
    let users = records.entry("res.users".into()).or_default();
    users.push(object(json!({
        "id": uid, "company_id": company, "company_ids": [company], "write_date": stamp,
    })));
    if let Some(technical) = technical {
        let first = first_company.get("id").and_then(Json::as_i64).unwrap_or(1);
        match users
            .iter_mut()
            .find(|u| u.get("id").and_then(Json::as_i64) == Some(technical))
        {
            Some(user) => {
                let mut allowed: Vec<i64> = user
                    .get("company_ids")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_i64)
                    .collect();
                allowed.extend([first, company]);
                allowed.sort_unstable();
                allowed.dedup();
                user.insert("company_ids".into(), json!(allowed));
            }
            None => users.push(object(json!({
                "id": technical, "company_id": first, "company_ids": [first, company],
            }))),
        }
    }

    // Its pickup slots, under a category of their own.
    let category = max_id(records, "calendar.event.type") + 1;
    records
        .entry("calendar.event.type".into())
        .or_default()
        .push(object(json!({"id": category, "name": GROCERY_PICKUP})));
    let mut next_event = max_id(records, "calendar.event") + 1;
    let mut events = Vec::new();
    let today = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
    for offset in 0..21 {
        let day = today + TimeDelta::days(offset);
        if !matches!(day.weekday(), Weekday::Wed | Weekday::Sat) {
            continue;
        }
        let (start, stop) = (paris(day, 9), paris(day, 12));
        if start <= now {
            continue;
        }
        events.push(object(json!({
            "id": next_event,
            "name": "Retrait à l'épicerie",
            "start": start.format("%Y-%m-%d %H:%M:%S").to_string(),
            "stop": stop.format("%Y-%m-%d %H:%M:%S").to_string(),
            "location": GROCERY_PLACE,
            "description": "<p>Capacity: 10</p>",
            "categ_ids": [category],
            "user_id": 2,
            "write_date": stamp,
        })));
        next_event += 1;
    }
    records.entry("calendar.event".into()).or_default().extend(events);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_has_sixty_pictured_products_and_slots_ahead() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let demo = Dataset::demo(now);
        let templates = demo.records_of("product.template");
        let on_sale = templates
            .iter()
            .filter(|t| t.get("sale_ok") == Some(&Json::Bool(true)))
            .count();
        assert!(on_sale >= 55, "{on_sale}");
        assert!(templates.iter().all(|t| t.contains_key("image_1920")));
        assert!(
            templates
                .iter()
                .filter(|t| t.get("uom_id") == Some(&json!(KG)))
                .count()
                >= 10
        );
        // The bakery's (the grocery's are under a category of their own).
        let slots: Vec<_> = demo
            .records_of("calendar.event")
            .iter()
            .filter(|e| e.get("categ_ids") == Some(&json!([1])))
            .filter(|e| {
                e.get("start")
                    .and_then(Json::as_str)
                    .is_some_and(|s| s > "2026-11-23 12:00:00")
            })
            .collect();
        assert!(slots.len() >= 8, "{}", slots.len());
        let places: std::collections::BTreeSet<_> = slots
            .iter()
            .filter_map(|e| e.get("location").and_then(Json::as_str))
            .collect();
        assert_eq!(places.len(), 2);
        assert!(slots
            .iter()
            .all(|e| e.get("start").and_then(Json::as_str) < Some("2026-12-15")));
        // Saturday 28 November 2026, 08:00 in Paris is 07:00 UTC.
        assert!(slots
            .iter()
            .any(|e| e.get("start") == Some(&json!("2026-11-28 07:00:00"))));
    }

    fn by_id<'a>(demo: &'a Dataset, model: &str, id: i64) -> &'a Map<String, Json> {
        demo.records_of(model)
            .iter()
            .find(|r| r.get("id") == Some(&json!(id)))
            .unwrap_or_else(|| panic!("no {model} {id}"))
    }

    #[test]
    fn the_grocery_is_a_second_company_appended_after_the_bakery() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let demo = Dataset::demo(now);
        let company = by_id(&demo, "res.company", 2);
        assert_eq!(company["name"], json!(GROCERY));
        assert_eq!(company["partner_id"], json!(11));
        assert_eq!(company["currency_id"], json!(1));
        assert_eq!(company["sequence"], json!(20));
        assert_eq!(by_id(&demo, "res.partner", 11)["name"], json!(GROCERY));
        // Its taxes: the bakery's, of company 2.
        for (bakery, grocery) in [(FOOD_VAT, 4), (VAT_20, 5)] {
            let mut copy = by_id(&demo, "account.tax", grocery).clone();
            assert_eq!(copy["company_id"], json!(2));
            copy.insert("id".into(), json!(bakery));
            copy.insert("company_id".into(), json!(1));
            assert_eq!(&copy, by_id(&demo, "account.tax", bakery));
        }
        assert_eq!(by_id(&demo, "product.pricelist", 4)["company_id"], json!(2));
        assert_eq!(
            by_id(&demo, "product.public.category", 15)["name"]["fr_FR"],
            json!("Épicerie vrac")
        );
        assert_eq!(
            by_id(&demo, "product.public.category", 16)["parent_id"],
            json!(15)
        );
        // Templates 63 to 70, variants 65 to 72, all of company 2.
        let grocery: Vec<_> = demo
            .records_of("product.template")
            .iter()
            .filter(|t| t.get("company_id") == Some(&json!(2)))
            .collect();
        let ids: Vec<_> = grocery.iter().filter_map(|t| t["id"].as_i64()).collect();
        assert_eq!(ids, (63..=70).collect::<Vec<_>>());
        assert!(grocery.iter().all(|t| t.contains_key("image_1920")));
        assert_eq!(grocery.iter().filter(|t| t["uom_id"] == json!(KG)).count(), 5);
        assert_eq!(by_id(&demo, "product.product", 72)["product_tmpl_id"], json!(70));
        // Léa: user 9, partner 12, of company 2 and its pricelist.
        let lea = demo.user("lea@example.com").unwrap();
        assert_eq!((lea.id, lea.partner_id, lea.share), (9, Some(12), true));
        let partner = by_id(&demo, "res.partner", 12);
        assert_eq!(partner["company_id"], json!(2));
        assert_eq!(partner["property_product_pricelist"], json!(4));
        assert_eq!(by_id(&demo, "res.users", 9)["company_ids"], json!([2]));
        assert_eq!(by_id(&demo, "res.users", 2)["company_ids"], json!([1, 2]));
        // Its slots: Wednesdays and Saturdays, category 3.
        assert_eq!(
            by_id(&demo, "calendar.event.type", 3)["name"],
            json!(GROCERY_PICKUP)
        );
        let slots: Vec<_> = demo
            .records_of("calendar.event")
            .iter()
            .filter(|e| e.get("categ_ids") == Some(&json!([3])))
            .collect();
        assert_eq!(slots.len(), 6, "{slots:?}");
        assert!(slots.iter().all(|e| e["location"] == json!(GROCERY_PLACE)));
        // Saturday 28 November 2026, 09:00 in Paris is 08:00 UTC.
        assert!(slots
            .iter()
            .any(|e| e.get("start") == Some(&json!("2026-11-28 08:00:00"))));
        demo.database().unwrap();
    }
}
