//! Reading from the double: answer shapes, display names, languages,
//! archived records, ordering and paging, the domain language, fields_get
//! per series, and what portal users may see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use connector::xmlrpc::{Struct, Value};
use odoo_double::{Dataset, OdooDouble};
use support::*;

fn fields(names: &[&str]) -> (&'static str, Value) {
    ("fields", Value::from(names.to_vec()))
}

fn lang(l: &str) -> (&'static str, Value) {
    ("context", ctx(vec![("lang", l.into())]))
}

fn no_active_test() -> (&'static str, Value) {
    ("context", ctx(vec![("active_test", false.into())]))
}

async fn search(odoo: &Odoo, model: &str, d: Vec<Value>) -> Vec<i64> {
    odoo.search(model, domain(d), kwargs(vec![("order", "id".into())]))
        .await
}

#[tokio::test]
async fn answers_have_odoo_shapes() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let rows = odoo
        .search_read(
            "product.template",
            domain(vec![leaf("id", "in", vec![1, 7, 12])]),
            kwargs(vec![
                fields(&[
                    "name",
                    "display_name",
                    "list_price",
                    "description",
                    "categ_id",
                    "public_categ_ids",
                    "uom_id",
                    "taxes_id",
                    "sale_ok",
                    "write_date",
                    "product_variant_ids",
                    "website_sequence",
                    "image_128",
                    "barcode",
                ]),
                ("order", "id".into()),
            ]),
        )
        .await;
    assert_eq!(ids(&rows), vec![1, 7, 12]);
    let baguette = &rows[0];
    assert_eq!(
        baguette.iter().next().map(|(k, _)| k),
        Some("id"),
        "id comes first"
    );
    assert_eq!(baguette.get("name"), Some(&Value::from("Traditional baguette")));
    assert_eq!(
        baguette.get("display_name"),
        Some(&Value::from("[BAG-TRAD] Traditional baguette"))
    );
    assert_eq!(baguette.get("list_price"), Some(&Value::Double(1.3)));
    assert_eq!(
        baguette.get("description"),
        Some(&Value::Bool(false)),
        "empty text is false"
    );
    assert_eq!(
        baguette.get("categ_id"),
        Some(&Value::Array(vec![
            Value::Int(3),
            Value::from("All / Saleable / Bakery")
        ]))
    );
    assert_eq!(baguette.get("public_categ_ids"), Some(&Value::from(vec![2])));
    assert_eq!(
        baguette.get("uom_id"),
        Some(&Value::Array(vec![Value::Int(1), Value::from("Units")]))
    );
    assert_eq!(baguette.get("taxes_id"), Some(&Value::from(vec![1])));
    assert_eq!(baguette.get("sale_ok"), Some(&Value::Bool(true)));
    assert_eq!(baguette.get("website_sequence"), Some(&Value::Int(10)));
    assert_eq!(
        baguette.get("write_date"),
        Some(&Value::from("2026-01-05 08:00:00"))
    );
    assert_eq!(baguette.get("product_variant_ids"), Some(&Value::from(vec![1])));
    let image = text(baguette, "image_128");
    assert!(image.starts_with("iVBORw0KGgo"), "a base64 PNG");
    assert_eq!(rows[1].get("barcode"), Some(&Value::Bool(false)));
    // Variants: one2many from the children, in the variants' order.
    assert_eq!(
        rows[2].get("product_variant_ids"),
        Some(&Value::from(vec![12, 20]))
    );
    assert_eq!(rows[2].get("display_name"), Some(&Value::from("Strawberry jam")));

    // read with load=None gives bare many2one ids.
    let raw = odoo
        .kw(
            "product.template",
            "read",
            vec![Value::from(vec![1])],
            kwargs(vec![fields(&["categ_id"]), ("load", Value::Bool(false))]),
        )
        .await
        .unwrap();
    assert_eq!(
        raw.as_array().unwrap()[0].as_struct().unwrap().get("categ_id"),
        Some(&Value::Int(3))
    );
    // read with no fields gives them all.
    let all = odoo
        .kw("res.currency", "read", vec![Value::from(vec![1])], Struct::new())
        .await
        .unwrap();
    let all = all.as_array().unwrap()[0].as_struct().unwrap().clone();
    assert!(all.len() > 10 && all.contains_key("symbol") && all.contains_key("decimal_places"));
    assert_eq!(all.get("decimal_places"), Some(&Value::Int(2)));
}

#[tokio::test]
async fn display_names_and_computed_fields() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let name = |model: &'static str, id: i64| {
        let odoo = &odoo;
        async move { odoo.field(model, id, "display_name").await }
    };
    assert_eq!(
        name("product.product", 19).await,
        Value::from("[VIEN-BRIO-L] Brioche (Large)")
    );
    assert_eq!(
        name("product.product", 1).await,
        Value::from("[BAG-TRAD] Traditional baguette")
    );
    assert_eq!(
        name("product.public.category", 2).await,
        Value::from("Bakery / Breads")
    );
    assert_eq!(
        name("product.category", 3).await,
        Value::from("All / Saleable / Bakery")
    );
    assert_eq!(
        odoo.field("product.category", 3, "complete_name").await,
        Value::from("All / Saleable / Bakery")
    );
    assert_eq!(name("product.pricelist", 2).await, Value::from("Members (EUR)"));
    assert_eq!(
        name("res.partner", 8).await,
        Value::from("Boulangerie Pro SARL, Louis Bernard")
    );
    assert_eq!(name("res.users", 5).await, Value::from("Claire Martin"));
    assert_eq!(
        odoo.field("res.partner", 8, "commercial_partner_id")
            .await
            .as_array()
            .unwrap()[0],
        Value::Int(5)
    );
    assert_eq!(
        odoo.field("product.product", 19, "lst_price").await,
        Value::Double(7.5)
    );
    assert_eq!(
        odoo.field("product.product", 19, "price_extra").await,
        Value::Double(3.0)
    );
    assert_eq!(
        odoo.field("product.product", 19, "list_price").await,
        Value::Double(4.5)
    );
    assert_eq!(
        odoo.field("product.template", 6, "product_variant_count").await,
        Value::Int(2)
    );
    assert_eq!(
        odoo.field("res.partner", 5, "child_ids").await,
        Value::from(vec![8])
    );
    assert_eq!(
        odoo.field("res.partner", 3, "user_ids").await,
        Value::from(vec![5])
    );
    assert_eq!(
        odoo.field("product.public.category", 1, "child_id").await,
        Value::from(vec![2, 3])
    );
    assert_eq!(
        odoo.field("product.pricelist", 2, "item_ids")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        odoo.field("product.template", 7, "uom_name").await,
        Value::from("kg")
    );
    // A customer without a pricelist gets the first one.
    assert_eq!(
        odoo.field("res.partner", 7, "property_product_pricelist").await,
        Value::Array(vec![Value::Int(1), Value::from("Public (EUR)")])
    );
}

#[tokio::test]
async fn translatable_fields_follow_the_lang_context() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let read = |l: &'static str| {
        let odoo = &odoo;
        async move {
            odoo.search_read(
                "product.template",
                domain(vec![leaf("id", "=", 1)]),
                kwargs(vec![
                    fields(&[
                        "name",
                        "display_name",
                        "description_sale",
                        "uom_id",
                        "public_categ_ids",
                    ]),
                    lang(l),
                ]),
            )
            .await
            .remove(0)
        }
    };
    let fr = read("fr_FR").await;
    assert_eq!(fr.get("name"), Some(&Value::from("Baguette tradition")));
    assert_eq!(
        fr.get("display_name"),
        Some(&Value::from("[BAG-TRAD] Baguette tradition"))
    );
    assert_eq!(
        fr.get("description_sale"),
        Some(&Value::from("Farine meule de pierre, fermentation lente."))
    );
    assert_eq!(
        fr.get("uom_id"),
        Some(&Value::Array(vec![Value::Int(1), Value::from("Unité(s)")]))
    );
    let en = read("en_US").await;
    assert_eq!(en.get("name"), Some(&Value::from("Traditional baguette")));
    // Searches compare in the context's language.
    let found = odoo
        .search(
            "product.template",
            domain(vec![leaf("name", "ilike", "baguette trad")]),
            kwargs(vec![lang("fr_FR")]),
        )
        .await;
    assert_eq!(found, vec![1]);
    let found = odoo
        .search(
            "product.template",
            domain(vec![leaf("name", "ilike", "baguette trad")]),
            Struct::new(),
        )
        .await;
    assert!(found.is_empty());
    // Writing in a language changes that language only.
    odoo.kw(
        "product.template",
        "write",
        vec![
            Value::from(vec![1]),
            Value::Struct(Struct::new().with("name", "Baguette de tradition")),
        ],
        kwargs(vec![lang("fr_FR")]),
    )
    .await
    .unwrap();
    assert_eq!(
        read("fr_FR").await.get("name"),
        Some(&Value::from("Baguette de tradition"))
    );
    assert_eq!(
        read("en_US").await.get("name"),
        Some(&Value::from("Traditional baguette"))
    );
    // Category paths are translated too.
    let cat = odoo
        .search_read(
            "product.public.category",
            domain(vec![leaf("id", "=", 5)]),
            kwargs(vec![fields(&["display_name"]), lang("fr_FR")]),
        )
        .await;
    assert_eq!(
        cat[0].get("display_name"),
        Some(&Value::from("Épicerie / Fromages"))
    );
}

#[tokio::test]
async fn archived_records_are_hidden_unless_asked_for() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let active = odoo
        .search("product.template", domain(vec![]), Struct::new())
        .await;
    assert!(!active.contains(&16));
    let all = odoo
        .search("product.template", domain(vec![]), kwargs(vec![no_active_test()]))
        .await;
    assert!(all.contains(&16));
    assert_eq!(all.len(), active.len() + 1);
    // A domain on `active` turns the implicit filter off.
    let archived = search(&odoo, "product.template", vec![leaf("active", "=", false)]).await;
    assert_eq!(archived, vec![16]);
    let both = search(
        &odoo,
        "product.template",
        vec![leaf("active", "in", vec![true, false])],
    )
    .await;
    assert_eq!(both.len(), all.len());
    // read does not filter; x2many lists do.
    assert_eq!(
        odoo.field("product.template", 16, "active").await,
        Value::Bool(false)
    );
    assert_eq!(
        odoo.field("product.template", 16, "product_variant_ids").await,
        Value::from(Vec::<i64>::new())
    );
    let count = odoo
        .kw(
            "product.template",
            "search_count",
            vec![domain(vec![])],
            kwargs(vec![no_active_test()]),
        )
        .await;
    assert_eq!(count, Ok(Value::Int(all.len() as i64)));
    // Archived pickup slots too.
    let slots = search(
        &odoo,
        "calendar.event",
        vec![leaf("categ_ids.name", "=", "Pickup")],
    )
    .await;
    assert_eq!(slots, vec![1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn ordering_and_paging() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let sold = || domain(vec![leaf("sale_ok", "=", true)]);
    let by_id = odoo
        .search("product.template", sold(), kwargs(vec![("order", "id".into())]))
        .await;
    let mut sorted = by_id.clone();
    sorted.sort();
    assert_eq!(by_id, sorted);
    let desc = odoo
        .search(
            "product.template",
            sold(),
            kwargs(vec![("order", "id desc".into())]),
        )
        .await;
    assert_eq!(desc, by_id.iter().rev().copied().collect::<Vec<_>>());
    let page = |offset: i64| {
        let odoo = &odoo;
        async move {
            odoo.search(
                "product.template",
                sold(),
                kwargs(vec![
                    ("order", "id".into()),
                    ("limit", Value::Int(4)),
                    ("offset", Value::Int(offset)),
                ]),
            )
            .await
        }
    };
    assert_eq!([page(0).await, page(4).await].concat(), by_id[..8].to_vec());
    let count = odoo
        .kw("product.template", "search_count", vec![sold()], Struct::new())
        .await
        .unwrap();
    assert_eq!(count, Value::Int(by_id.len() as i64));
    // Positional offset, limit, order.
    let positional = odoo
        .kw(
            "product.template",
            "search",
            vec![sold(), Value::Int(1), Value::Int(2), Value::from("id")],
            Struct::new(),
        )
        .await
        .unwrap();
    assert_eq!(positional, Value::from(by_id[1..3].to_vec()));

    let priced = odoo
        .search_read(
            "product.template",
            sold(),
            kwargs(vec![
                fields(&["list_price"]),
                ("order", "list_price desc, id".into()),
            ]),
        )
        .await;
    let prices: Vec<f64> = priced
        .iter()
        .map(|r| r.get("list_price").unwrap().as_f64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
    assert_eq!(
        priced[0].get("id"),
        Some(&Value::Int(15)),
        "the cake is the dearest"
    );

    let cats = odoo
        .search_read(
            "product.public.category",
            domain(vec![]),
            kwargs(vec![fields(&["sequence"]), ("order", "sequence, id".into())]),
        )
        .await;
    assert_eq!(ids(&cats), vec![1, 2, 3, 4, 5, 6, 7, 8]);
    // Names order in the language, accents folded.
    let names = odoo
        .search_read(
            "product.public.category",
            domain(vec![leaf("parent_id", "=", 4)]),
            kwargs(vec![fields(&["name"]), ("order", "name".into()), lang("fr_FR")]),
        )
        .await;
    let names: Vec<&str> = names.iter().map(|r| text(r, "name")).collect();
    assert_eq!(names, vec!["Fromages", "Fruits & légumes", "Miels & confitures"]);
    // By a many2one: its display name.
    let by_categ = odoo
        .search_read(
            "product.template",
            sold(),
            kwargs(vec![fields(&["categ_id"]), ("order", "categ_id, id".into())]),
        )
        .await;
    let categs: Vec<String> = by_categ
        .iter()
        .map(|r| {
            r.get("categ_id").unwrap().as_array().unwrap()[1]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut sorted = categs.clone();
    sorted.sort();
    assert_eq!(categs, sorted);
    // Pickup slots by start.
    let slots = odoo
        .search_read(
            "calendar.event",
            domain(vec![leaf("categ_ids.name", "=", "Pickup")]),
            kwargs(vec![fields(&["start"]), ("order", "start".into())]),
        )
        .await;
    let starts: Vec<&str> = slots.iter().map(|r| text(r, "start")).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn the_domain_language() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let t = "product.template";
    let s = |d: Vec<Value>| search(&odoo, t, d);
    let op = |o: &str| Value::from(o);

    assert_eq!(s(vec![leaf("default_code", "=", "BAG-TRAD")]).await, vec![1]);
    assert_eq!(s(vec![leaf("list_price", "=", 1.3)]).await, vec![1]);
    assert_eq!(s(vec![leaf("list_price", ">", 20)]).await, vec![7, 15]);
    assert_eq!(s(vec![leaf("list_price", ">=", 28)]).await, vec![7, 15]);
    assert_eq!(s(vec![leaf("list_price", "<", 1.3)]).await, vec![4, 17]);
    assert_eq!(s(vec![leaf("list_price", "<=", 1.3)]).await, vec![1, 4, 17]);
    assert_eq!(s(vec![leaf("id", "in", vec![1, 2, 99])]).await, vec![1, 2]);
    assert_eq!(
        s(vec![leaf("id", "in", Vec::<i64>::new())]).await,
        Vec::<i64>::new()
    );
    let all = s(vec![]).await;
    assert_eq!(s(vec![leaf("id", "not in", Vec::<i64>::new())]).await, all);
    let not_bread = s(vec![leaf("id", "not in", vec![1, 2])]).await;
    assert_eq!(not_bread.len(), all.len() - 2);
    assert_eq!(s(vec![leaf("default_code", "like", "VIEN")]).await, vec![4, 5]);
    assert_eq!(
        s(vec![leaf("default_code", "like", "vien")]).await,
        Vec::<i64>::new()
    );
    assert_eq!(s(vec![leaf("default_code", "ilike", "vien")]).await, vec![4, 5]);
    assert_eq!(s(vec![leaf("default_code", "=like", "PAIN-%")]).await, vec![2, 3]);
    assert_eq!(
        s(vec![
            leaf("default_code", "=ilike", "pain-c_mp"),
            leaf("default_code", "not like", "%COMP")
        ])
        .await,
        vec![2]
    );
    // Negative operators match empty values too (Odoo's "OR IS NULL").
    let no_vien = s(vec![leaf("default_code", "not ilike", "VIEN")]).await;
    assert!(
        no_vien.contains(&6) && no_vien.contains(&12),
        "templates without a code"
    );
    assert!(!no_vien.contains(&4));
    let not_like = s(vec![leaf("default_code", "not like", "VIEN")]).await;
    assert_eq!(not_like, no_vien);
    assert!(s(vec![leaf("default_code", "!=", "BAG-TRAD")]).await.contains(&6));
    // `false` means empty.
    assert_eq!(s(vec![leaf("default_code", "=", false)]).await, vec![6, 12]);
    assert_eq!(
        s(vec![leaf("default_code", "!=", false)]).await.len(),
        all.len() - 2
    );
    assert_eq!(s(vec![leaf("is_published", "=", false)]).await, vec![15, 17]);
    assert_eq!(s(vec![leaf("public_categ_ids", "=", false)]).await, vec![17, 18]);
    assert_eq!(
        s(vec![leaf("public_categ_ids", "!=", false)]).await.len(),
        all.len() - 2
    );
    // x2many against ids.
    assert_eq!(s(vec![leaf("public_categ_ids", "=", 5)]).await, vec![7, 8]);
    assert_eq!(
        s(vec![leaf("public_categ_ids", "in", vec![5, 6])]).await,
        vec![7, 8, 9, 10]
    );
    assert!(!s(vec![leaf("public_categ_ids", "not in", vec![5, 6])])
        .await
        .contains(&7));
    assert_eq!(s(vec![leaf("taxes_id", "=", 2)]).await, vec![14, 18]);
    // child_of / parent_of through parent_id.
    assert_eq!(
        s(vec![leaf("public_categ_ids", "child_of", 1)]).await,
        vec![1, 2, 3, 4, 5, 6, 15]
    );
    assert_eq!(
        s(vec![leaf("public_categ_ids", "child_of", "Grocery")]).await,
        vec![7, 8, 9, 10, 11, 12]
    );
    assert_eq!(
        s(vec![leaf("categ_id", "child_of", 2)]).await.len(),
        all.len() - 1
    );
    assert_eq!(
        search(&odoo, "product.category", vec![leaf("id", "child_of", 2)]).await,
        vec![2, 3, 4, 5]
    );
    assert_eq!(
        search(&odoo, "product.category", vec![leaf("id", "parent_of", 3)]).await,
        vec![1, 2, 3]
    );
    assert_eq!(
        search(
            &odoo,
            "product.public.category",
            vec![leaf("parent_id", "child_of", 4)]
        )
        .await,
        vec![4, 5, 6, 7]
    );
    // Dotted paths through many2one and x2many.
    assert_eq!(s(vec![leaf("categ_id.name", "=", "Drinks")]).await, vec![13, 14]);
    assert_eq!(
        s(vec![leaf("public_categ_ids.parent_id.name", "=", "Bakery")]).await,
        vec![1, 2, 3, 4, 5, 6, 15]
    );
    assert_eq!(
        search(&odoo, "res.partner", vec![leaf("user_ids.share", "=", true)]).await,
        vec![3, 4, 5]
    );
    assert_eq!(
        search(&odoo, "res.partner", vec![leaf("user_ids", "!=", false)]).await,
        // The admin, three customers and the staff member Marie.
        vec![2, 3, 4, 5, 10]
    );
    assert_eq!(
        search(
            &odoo,
            "res.partner",
            vec![leaf("category_id.name", "=", "Web shop request")]
        )
        .await,
        vec![7]
    );
    // A many2one against a name.
    assert_eq!(s(vec![leaf("uom_id", "=", "kg")]).await, vec![7, 8, 9, 10, 17]);
    assert_eq!(
        s(vec![leaf("uom_id", "ilike", "KG")]).await,
        vec![7, 8, 9, 10, 17]
    );
    let not_kg = s(vec![leaf("uom_id", "!=", "kg")]).await;
    assert_eq!(not_kg.len(), all.len() - 5);
    assert_eq!(s(vec![leaf("categ_id", "=", 5)]).await, vec![13, 14]);
    // Prefix operators, implicit and.
    assert_eq!(
        s(vec![op("|"), leaf("id", "=", 1), leaf("id", "=", 2)]).await,
        vec![1, 2]
    );
    assert_eq!(s(vec![op("!"), leaf("list_price", "<", 30)]).await, vec![15]);
    assert_eq!(
        s(vec![
            op("&"),
            leaf("to_weight", "=", true),
            op("|"),
            leaf("categ_id.name", "=", "Grocery"),
            leaf("id", "=", 1),
            leaf("list_price", ">", 3)
        ])
        .await,
        vec![7, 8, 9]
    );
    assert_eq!(
        s(vec![
            op("!"),
            op("|"),
            leaf("sale_ok", "=", false),
            leaf("list_price", "<", 5),
            leaf("is_published", "=", true)
        ])
        .await,
        vec![7, 8, 11, 18]
    );
    // TRUE and FALSE leaves.
    assert_eq!(
        s(vec![Value::Array(vec![Value::Int(1), op("="), Value::Int(1)])]).await,
        all
    );
    assert!(s(vec![Value::Array(vec![Value::Int(0), op("="), Value::Int(1)])])
        .await
        .is_empty());
    // Legacy normalizations: '=' with a list, 'in' with a bool.
    assert_eq!(s(vec![leaf("id", "=", vec![1, 2])]).await, vec![1, 2]);
    assert_eq!(s(vec![leaf("is_published", "in", false)]).await, vec![15, 17]);
    // A list with false in it matches empty values too.
    assert_eq!(
        s(vec![leaf(
            "default_code",
            "in",
            vec![Value::from("BAG-TRAD"), Value::Bool(false)]
        )])
        .await,
        vec![1, 6, 12]
    );
    // Datetimes: a bare date means the start of the day, or its end for > and <=.
    let ev = |d: Vec<Value>| search(&odoo, "calendar.event", d);
    assert_eq!(ev(vec![leaf("start", ">", "2030-06-08")]).await, vec![4, 5, 6, 8]);
    assert_eq!(
        ev(vec![leaf("start", ">=", "2030-06-08")]).await,
        vec![2, 3, 4, 5, 6, 8]
    );
    assert_eq!(ev(vec![leaf("start", "<=", "2030-06-08")]).await, vec![1, 2, 3]);
    assert_eq!(ev(vec![leaf("start", "=", "2030-06-08 08:00:00")]).await, vec![3]);
    assert_eq!(
        ev(vec![
            leaf("start", ">=", "2030-06-08T08:00:00"),
            leaf("description", "ilike", "capacity: 12")
        ])
        .await,
        vec![3, 6]
    );
    // Computed fields are searchable.
    assert_eq!(
        search(&odoo, "product.product", vec![leaf("lst_price", ">", 7)]).await,
        vec![7, 8, 11, 15, 19]
    );
    assert_eq!(
        search(
            &odoo,
            "product.product",
            vec![leaf("display_name", "ilike", "(large)")]
        )
        .await,
        vec![19]
    );
    assert_eq!(
        search(&odoo, "product.product", vec![leaf("sale_ok", "=", false)]).await,
        vec![17]
    );
    assert_eq!(
        search(&odoo, "account.tax", vec![leaf("price_include", "=", true)]).await,
        vec![1]
    );
}

#[tokio::test]
async fn name_search() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let found = odoo
        .kw(
            "product.product",
            "name_search",
            vec![Value::from("brio")],
            Struct::new(),
        )
        .await
        .unwrap();
    let found: Vec<Value> = found.as_array().unwrap().to_vec();
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0].as_array().unwrap()[1],
        Value::from("[VIEN-BRIO-L] Brioche (Large)")
    );
    let by_code = odoo
        .kw(
            "product.template",
            "name_search",
            vec![Value::from("PAIN-C")],
            kwargs(vec![("limit", Value::Int(5))]),
        )
        .await
        .unwrap();
    assert_eq!(by_code.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn fields_get_follows_the_series() {
    for (series, present, absent) in [
        (
            "16.0",
            vec![
                "tax_id",
                "product_uom",
                "groups_id",
                "category_id",
                "uom_type",
                "detailed_type",
                "priority",
            ],
            vec![
                "tax_ids",
                "group_ids",
                "price_include_override",
                "relative_uom_id",
                "is_storable",
            ],
        ),
        (
            "17.0",
            vec!["tax_id", "groups_id", "category_id", "detailed_type"],
            vec!["tax_ids", "price_include_override", "is_storable"],
        ),
        (
            "18.0",
            vec![
                "tax_id",
                "groups_id",
                "price_include_override",
                "category_id",
                "uom_type",
                "is_storable",
                "is_favorite",
            ],
            vec!["tax_ids", "group_ids", "relative_uom_id", "detailed_type"],
        ),
        (
            "19.0",
            vec![
                "tax_ids",
                "product_uom_id",
                "group_ids",
                "price_include_override",
                "relative_uom_id",
                "relative_factor",
            ],
            vec!["tax_id", "groups_id", "category_id", "uom_type", "uom_po_id"],
        ),
    ] {
        let double = OdooDouble::start(Dataset::shop().with_series(series))
            .await
            .unwrap();
        let odoo = Odoo::admin(&double).await;
        let mut names = Vec::new();
        for model in [
            "sale.order.line",
            "res.users",
            "account.tax",
            "uom.uom",
            "product.template",
        ] {
            let f = odoo
                .kw(
                    model,
                    "fields_get",
                    vec![],
                    kwargs(vec![(
                        "attributes",
                        Value::from(vec!["type", "string", "relation", "required"]),
                    )]),
                )
                .await
                .unwrap();
            for (k, v) in f.as_struct().unwrap().iter() {
                names.push(k.to_owned());
                let v = v.as_struct().unwrap();
                assert!(
                    v.contains_key("type") && v.contains_key("string") && v.contains_key("required"),
                    "{model}.{k}"
                );
                let relational = matches!(
                    v.get("type").and_then(Value::as_str),
                    Some("many2one" | "one2many" | "many2many")
                );
                assert_eq!(v.contains_key("relation"), relational, "{model}.{k}");
                assert_eq!(v.len(), if relational { 4 } else { 3 });
            }
        }
        for p in &present {
            assert!(names.iter().any(|n| n == p), "{series}: {p} missing");
        }
        for a in &absent {
            assert!(!names.iter().any(|n| n == a), "{series}: {a} present");
        }
        let f = odoo
            .kw(
                "product.template",
                "fields_get",
                vec![Value::from(vec!["categ_id"])],
                kwargs(vec![("attributes", Value::from(vec!["required", "type"]))]),
            )
            .await
            .unwrap();
        let categ = f
            .as_struct()
            .unwrap()
            .get("categ_id")
            .unwrap()
            .as_struct()
            .unwrap()
            .clone();
        assert_eq!(
            categ.get("required"),
            Some(&Value::Bool(series != "19.0")),
            "{series}"
        );
        assert_eq!(f.as_struct().unwrap().len(), 1);
        // All attributes by default.
        let f = odoo
            .kw(
                "sale.order",
                "fields_get",
                vec![Value::from(vec!["state"])],
                Struct::new(),
            )
            .await
            .unwrap();
        let state = f
            .as_struct()
            .unwrap()
            .get("state")
            .unwrap()
            .as_struct()
            .unwrap()
            .clone();
        assert!(state
            .get("selection")
            .and_then(Value::as_array)
            .is_some_and(|s| s.len() >= 4));
    }
}

#[tokio::test]
async fn series_specific_values() {
    let d19 = OdooDouble::start(Dataset::shop().with_series("19.0"))
        .await
        .unwrap();
    let odoo = Odoo::admin(&d19).await;
    let g = &odoo
        .search_read(
            "uom.uom",
            domain(vec![leaf("name", "=", "g")]),
            kwargs(vec![fields(&["relative_uom_id", "relative_factor", "factor"])]),
        )
        .await[0];
    assert_eq!(
        g.get("relative_uom_id"),
        Some(&Value::Array(vec![Value::Int(2), Value::from("kg")]))
    );
    assert_eq!(g.get("relative_factor"), Some(&Value::Double(0.001)));
    let taxes = odoo
        .search_read(
            "account.tax",
            domain(vec![leaf("type_tax_use", "=", "sale")]),
            kwargs(vec![
                fields(&["price_include", "price_include_override"]),
                ("order", "id".into()),
            ]),
        )
        .await;
    assert_eq!(taxes[0].get("price_include"), Some(&Value::Bool(true)));
    assert_eq!(
        taxes[0].get("price_include_override"),
        Some(&Value::from("tax_included"))
    );
    assert_eq!(taxes[1].get("price_include_override"), Some(&Value::Bool(false)));
    let admin = odoo.field("res.users", 2, "group_ids").await;
    assert!(admin.as_array().is_some());

    let d16 = OdooDouble::start(Dataset::shop().with_series("16.0"))
        .await
        .unwrap();
    let odoo = Odoo::admin(&d16).await;
    let t = &odoo
        .search_read(
            "account.tax",
            domain(vec![leaf("id", "=", 1)]),
            kwargs(vec![fields(&["price_include"])]),
        )
        .await[0];
    assert_eq!(t.get("price_include"), Some(&Value::Bool(true)));
    let p = &odoo
        .search_read(
            "product.template",
            domain(vec![leaf("id", "=", 1)]),
            kwargs(vec![fields(&["detailed_type", "type"])]),
        )
        .await[0];
    assert_eq!(p.get("detailed_type"), Some(&Value::from("consu")));
}

#[tokio::test]
async fn portal_users_read_the_catalog_and_their_own_partner_only() {
    let double = shop().await;
    let claire = Odoo::login(&double, "claire@example.com", "claire-password").await;
    assert!(!claire
        .search("product.template", domain(vec![]), Struct::new())
        .await
        .is_empty());
    assert!(!claire
        .search("product.public.category", domain(vec![]), Struct::new())
        .await
        .is_empty());
    assert_eq!(
        claire.search("res.partner", domain(vec![]), Struct::new()).await,
        vec![3]
    );
    assert_eq!(
        claire.field("res.partner", 3, "name").await,
        Value::from("Claire Martin")
    );
    let fault = claire
        .kw("res.partner", "read", vec![Value::from(vec![4])], Struct::new())
        .await
        .unwrap_err();
    assert_eq!(fault.code, 4);
    let fault = claire
        .kw(
            "res.partner",
            "write",
            vec![
                Value::from(vec![1]),
                Value::Struct(Struct::new().with("name", "x")),
            ],
            Struct::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(fault.code, 4);
    assert!(
        fault
            .string
            .contains("Sorry, Claire Martin (id=5) doesn't have 'read' access to:\n- Contact (res.partner)"),
        "{}",
        fault.string
    );
    let fault = claire
        .kw(
            "res.partner",
            "write",
            vec![
                Value::from(vec![3]),
                Value::Struct(Struct::new().with("name", "x")),
            ],
            Struct::new(),
        )
        .await
        .unwrap_err();
    assert!(
        fault.string.contains("doesn't have 'write' access"),
        "{}",
        fault.string
    );
    for (model, method, args) in [
        (
            "sale.order",
            "create",
            vec![Value::Struct(Struct::new().with("partner_id", 3))],
        ),
        ("sale.order", "search", vec![domain(vec![])]),
        (
            "product.template",
            "write",
            vec![
                Value::from(vec![1]),
                Value::Struct(Struct::new().with("list_price", 0.0)),
            ],
        ),
        ("product.template", "unlink", vec![Value::from(vec![1])]),
        ("product.pricelist.item", "search_read", vec![domain(vec![])]),
        ("res.users", "read", vec![Value::from(vec![2])]),
    ] {
        let fault = claire.kw(model, method, args, Struct::new()).await.unwrap_err();
        assert_eq!(fault.code, 4, "{model}.{method}");
    }
    assert_eq!(
        claire
            .kw(
                "product.template",
                "check_access_rights",
                vec![Value::from("write"), Value::Bool(false)],
                Struct::new()
            )
            .await,
        Ok(Value::Bool(false))
    );
    assert_eq!(
        claire
            .kw(
                "product.template",
                "check_access_rights",
                vec![Value::from("read")],
                Struct::new()
            )
            .await,
        Ok(Value::Bool(true))
    );
    // Series 16 words it differently, with the same code.
    let d16 = OdooDouble::start(Dataset::shop().with_series("16.0"))
        .await
        .unwrap();
    let claire = Odoo::login(&d16, "claire@example.com", "claire-password").await;
    let fault = claire
        .kw(
            "res.partner",
            "write",
            vec![
                Value::from(vec![1]),
                Value::Struct(Struct::new().with("name", "x")),
            ],
            Struct::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(fault.code, 4);
    assert!(
        fault.string.starts_with("Due to security restrictions"),
        "{}",
        fault.string
    );
}

/// A language Odoo does not have: 16.0 reads in English, 17.0 and later
/// refuse the call ("Invalid language code", `Environment.lang`); English
/// is always accepted.
#[tokio::test]
async fn a_language_odoo_lacks_is_refused_from_17() {
    for series in ["16.0", "17.0", "18.0", "19.0"] {
        let double = OdooDouble::start(Dataset::shop().with_series(series))
            .await
            .unwrap();
        let odoo = Odoo::admin(&double).await;
        let read = |l: &'static str| {
            odoo.kw(
                "product.template",
                "search_read",
                vec![Value::Array(vec![])],
                Struct::new()
                    .with("fields", vec![Value::from("name")])
                    .with("context", Struct::new().with("lang", l)),
            )
        };
        match read("de_DE").await {
            Ok(_) => assert_eq!(series, "16.0", "{series} read in a language it lacks"),
            Err(fault) => {
                assert_ne!(series, "16.0", "{series}: {fault:?}");
                assert_eq!(
                    (fault.code, fault.string.as_str()),
                    (2, "Invalid language code: de_DE"),
                    "{series}"
                );
            }
        }
        assert!(read("en_US").await.is_ok(), "{series}");
        assert!(read("fr_FR").await.is_ok(), "{series}");
    }
}
