//! The models the double knows, field by field, for each emulated series.
//!
//! Field names, types, labels and relations follow Odoo (checked against
//! the `fields_get` recordings); only the fields a storefront plausibly
//! reads or writes are modelled. A dataset built from recordings may add
//! more (see [`crate::Dataset::from_recordings`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// An Odoo series, e.g. `18.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    major: u32,
}

impl Series {
    /// Odoo 16.0.
    pub const V16: Series = Series { major: 16 };
    /// Odoo 17.0.
    pub const V17: Series = Series { major: 17 };
    /// Odoo 18.0.
    pub const V18: Series = Series { major: 18 };
    /// Odoo 19.0.
    pub const V19: Series = Series { major: 19 };

    /// Parses `"16.0"`, `"17.0"`, `"18.0"`, `"19.0"` (also `"saas~18.2"`
    /// and a bare `"18"`). Series outside 16..=19 are refused.
    pub fn parse(text: &str) -> Option<Series> {
        let text = text.trim().trim_start_matches("saas~");
        let major: u32 = text.split('.').next()?.parse().ok()?;
        (16..=19).contains(&major).then_some(Series { major })
    }

    /// The major version, e.g. 18.
    pub fn major(self) -> u32 {
        self.major
    }

    /// `"18.0"`.
    pub fn as_string(self) -> String {
        format!("{}.0", self.major)
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.0", self.major)
    }
}

/// An Odoo field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `char`
    Char,
    /// `text`
    Text,
    /// `html`
    Html,
    /// `integer`
    Integer,
    /// `float`
    Float,
    /// `monetary`
    Monetary,
    /// `boolean`
    Boolean,
    /// `date`
    Date,
    /// `datetime`
    Datetime,
    /// `selection`
    Selection,
    /// `many2one`
    Many2one,
    /// `one2many`
    One2many,
    /// `many2many`
    Many2many,
    /// `binary`
    Binary,
}

impl FieldType {
    /// Odoo's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Char => "char",
            FieldType::Text => "text",
            FieldType::Html => "html",
            FieldType::Integer => "integer",
            FieldType::Float => "float",
            FieldType::Monetary => "monetary",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Selection => "selection",
            FieldType::Many2one => "many2one",
            FieldType::One2many => "one2many",
            FieldType::Many2many => "many2many",
            FieldType::Binary => "binary",
        }
    }

    /// Parses Odoo's name of a type (`many2one_reference`, `properties`,
    /// `json` and other exotic types read as `char`).
    pub fn parse(text: &str) -> FieldType {
        match text {
            "text" => FieldType::Text,
            "html" => FieldType::Html,
            "integer" => FieldType::Integer,
            "float" => FieldType::Float,
            "monetary" => FieldType::Monetary,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "datetime" => FieldType::Datetime,
            "selection" => FieldType::Selection,
            "many2one" => FieldType::Many2one,
            "one2many" => FieldType::One2many,
            "many2many" => FieldType::Many2many,
            "binary" => FieldType::Binary,
            _ => FieldType::Char,
        }
    }

    /// Whether values are text.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::Char | FieldType::Text | FieldType::Html | FieldType::Selection
        )
    }

    /// one2many or many2many.
    pub fn is_x2many(self) -> bool {
        matches!(self, FieldType::One2many | FieldType::Many2many)
    }

    /// many2one, one2many or many2many.
    pub fn is_relational(self) -> bool {
        matches!(
            self,
            FieldType::Many2one | FieldType::One2many | FieldType::Many2many
        )
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compute {
    /// Stored as written.
    Stored,
    /// Computed by the double when read (not writable).
    Computed,
    /// Stored, but recomputed by the double when its inputs change (sale
    /// order amounts, line subtotals); not writable by clients.
    StoredComputed,
    /// The value of `field` on the record that the many2one `via` points to
    /// (product variants delegate to their template this way); writing it
    /// writes that record.
    Related {
        /// The many2one to follow.
        via: String,
        /// The field on the target.
        field: String,
    },
}

/// What happens to a record when the target of one of its many2one
/// fields is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// The field becomes empty.
    SetNull,
    /// The record is deleted too.
    Cascade,
    /// The deletion is refused.
    Restrict,
}

/// One field of a model.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Technical name.
    pub name: String,
    /// Type.
    pub ftype: FieldType,
    /// Label (`string` in `fields_get`).
    pub string: String,
    /// Related model of relational fields.
    pub relation: Option<String>,
    /// For one2many: the many2one on the related model that points back.
    pub inverse: Option<String>,
    /// Stored per language.
    pub translate: bool,
    /// Required.
    pub required: bool,
    /// Read-only in the UI (and to the double's clients, for computed fields).
    pub readonly: bool,
    /// Where the value comes from.
    pub compute: Compute,
    /// Allowed values of a selection, with labels; empty means any.
    pub selection: Vec<(String, String)>,
    /// For many2one: what deleting the target does.
    pub ondelete: OnDelete,
    /// Odoo's type name when the double stores it as another type
    /// (`many2one_reference`, `properties`, ... from a recorded `fields_get`).
    pub odoo_type: Option<String>,
}

impl FieldDef {
    fn new(name: &str, ftype: FieldType, string: &str) -> FieldDef {
        FieldDef {
            name: name.to_owned(),
            ftype,
            string: string.to_owned(),
            relation: None,
            inverse: None,
            translate: false,
            required: false,
            readonly: false,
            compute: Compute::Stored,
            selection: Vec::new(),
            ondelete: OnDelete::SetNull,
            odoo_type: None,
        }
    }

    /// A plain stored field from a `fields_get` description (used when a
    /// dataset brings fields the built-in schema does not model).
    pub fn described(
        name: &str,
        ftype: FieldType,
        string: &str,
        relation: Option<&str>,
        required: bool,
    ) -> FieldDef {
        let mut f = FieldDef::new(name, ftype, string);
        f.relation = relation.map(str::to_owned);
        f.required = required;
        if ftype == FieldType::One2many {
            // Without a known inverse, a one2many is stored as a list.
            f.compute = Compute::Stored;
        }
        f
    }

    /// Whether clients may write it.
    pub fn is_writable(&self) -> bool {
        matches!(self.compute, Compute::Stored | Compute::Related { .. })
    }

    /// Whether the value is kept on the record.
    pub fn is_stored(&self) -> bool {
        matches!(self.compute, Compute::Stored | Compute::StoredComputed)
            && !(self.ftype == FieldType::One2many && self.inverse.is_some())
    }
}

/// One model: its fields and habits.
#[derive(Debug, Clone)]
pub struct ModelSchema {
    /// e.g. `product.template`.
    pub name: String,
    /// Odoo's `_description`, e.g. `Contact`.
    pub description: String,
    /// Fields by name.
    pub fields: BTreeMap<String, FieldDef>,
    /// Odoo's `_order`.
    pub order: String,
    /// The field name searches match (`_rec_name`).
    pub rec_name: String,
    /// The many2one to the parent of hierarchical models (`child_of`).
    pub parent_name: String,
}

impl ModelSchema {
    /// The field of that name.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.get(name)
    }

    /// Whether records can be archived (`active` field).
    pub fn has_active(&self) -> bool {
        self.fields
            .get("active")
            .is_some_and(|f| f.ftype == FieldType::Boolean)
    }
}

/// Builds one model.
struct M {
    schema: ModelSchema,
}

impl M {
    fn new(name: &str, description: &str, order: &str) -> M {
        let mut m = M {
            schema: ModelSchema {
                name: name.to_owned(),
                description: description.to_owned(),
                fields: BTreeMap::new(),
                order: order.to_owned(),
                rec_name: "name".to_owned(),
                parent_name: "parent_id".to_owned(),
            },
        };
        m.f("id", FieldType::Integer, "ID").ro();
        m.f("display_name", FieldType::Char, "Display Name").computed();
        m.f("create_date", FieldType::Datetime, "Created on").ro();
        m.f("write_date", FieldType::Datetime, "Last Updated on").ro();
        m.f("create_uid", FieldType::Many2one, "Created by")
            .rel("res.users")
            .ro();
        m.f("write_uid", FieldType::Many2one, "Last Updated by")
            .rel("res.users")
            .ro();
        m
    }

    fn f(&mut self, name: &str, ftype: FieldType, string: &str) -> &mut FieldDef {
        self.schema
            .fields
            .entry(name.to_owned())
            .and_modify(|f| *f = FieldDef::new(name, ftype, string))
            .or_insert_with(|| FieldDef::new(name, ftype, string))
    }

    fn rec_name(&mut self, name: &str) -> &mut M {
        self.schema.rec_name = name.to_owned();
        self
    }

    fn done(self) -> (String, ModelSchema) {
        (self.schema.name.clone(), self.schema)
    }
}

trait FieldExt {
    fn req(&mut self) -> &mut Self;
    fn tr(&mut self) -> &mut Self;
    fn rel(&mut self, model: &str) -> &mut Self;
    fn inv(&mut self, field: &str) -> &mut Self;
    fn computed(&mut self) -> &mut Self;
    fn stored_computed(&mut self) -> &mut Self;
    fn related(&mut self, via: &str, field: &str) -> &mut Self;
    fn sel(&mut self, values: &[(&str, &str)]) -> &mut Self;
    fn ro(&mut self) -> &mut Self;
    fn cascade(&mut self) -> &mut Self;
}

impl FieldExt for FieldDef {
    fn req(&mut self) -> &mut Self {
        self.required = true;
        if self.ftype == FieldType::Many2one && self.ondelete == OnDelete::SetNull {
            self.ondelete = OnDelete::Restrict;
        }
        self
    }
    fn tr(&mut self) -> &mut Self {
        self.translate = true;
        self
    }
    fn rel(&mut self, model: &str) -> &mut Self {
        self.relation = Some(model.to_owned());
        self
    }
    fn inv(&mut self, field: &str) -> &mut Self {
        self.inverse = Some(field.to_owned());
        self
    }
    fn computed(&mut self) -> &mut Self {
        self.compute = Compute::Computed;
        self.readonly = true;
        self
    }
    fn stored_computed(&mut self) -> &mut Self {
        self.compute = Compute::StoredComputed;
        self.readonly = true;
        self
    }
    fn related(&mut self, via: &str, field: &str) -> &mut Self {
        self.compute = Compute::Related {
            via: via.to_owned(),
            field: field.to_owned(),
        };
        self
    }
    fn sel(&mut self, values: &[(&str, &str)]) -> &mut Self {
        self.selection = values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self
    }
    fn ro(&mut self) -> &mut Self {
        self.readonly = true;
        self
    }
    fn cascade(&mut self) -> &mut Self {
        self.ondelete = OnDelete::Cascade;
        self
    }
}

use FieldType::*;

const LANGS: &[(&str, &str)] = &[
    ("en_US", "English (US)"),
    ("fr_FR", "French / Français"),
    ("fr_BE", "French (BE) / Français (BE)"),
    ("nl_BE", "Dutch (BE) / Nederlands (BE)"),
    ("de_DE", "German / Deutsch"),
    ("es_ES", "Spanish / Español"),
    ("it_IT", "Italian / Italiano"),
];

/// What an optional module adds: its models, and its fields (model, field)
/// on other models.
pub type ModuleParts = (&'static [&'static str], &'static [(&'static str, &'static str)]);

/// The models and the fields of other models that an optional module adds,
/// for emulating an Odoo without it: `website_sale` (public categories,
/// publication), `calendar` (events and their types) and `stock`
/// (Inventory, with `sale_stock`: transfers, their operation types, the
/// orders' `picking_ids`, the products' `is_storable` of 18.0 and later).
pub fn module_parts(module: &str) -> Option<ModuleParts> {
    const WEBSITE_FIELDS: &[(&str, &str)] = &[
        ("product.template", "public_categ_ids"),
        ("product.template", "is_published"),
        ("product.template", "website_published"),
        ("product.template", "website_sequence"),
        ("product.template", "website_description"),
        ("product.product", "public_categ_ids"),
        ("product.product", "is_published"),
        ("product.product", "website_published"),
        ("product.product", "website_sequence"),
        ("product.product", "website_description"),
        ("product.product", "base_unit_count"),
        ("product.product", "base_unit_id"),
        ("product.product", "base_unit_name"),
    ];
    const STOCK_FIELDS: &[(&str, &str)] = &[
        ("sale.order", "picking_ids"),
        ("sale.order", "delivery_count"),
        ("product.template", "is_storable"),
        ("product.product", "is_storable"),
        ("product.product", "qty_available"),
        ("product.product", "free_qty"),
        ("stock.picking", "move_ids"),
    ];
    match module {
        "website_sale" => Some((&["product.public.category", "website.base.unit"], WEBSITE_FIELDS)),
        "calendar" => Some((&["calendar.event", "calendar.event.type"], &[])),
        "stock" => Some((
            &[
                "stock.picking",
                "stock.picking.type",
                "stock.move",
                "stock.warehouse",
                "stock.location",
                "stock.quant",
            ],
            STOCK_FIELDS,
        )),
        _ => None,
    }
}

/// Removes what `module` adds from `schemas` (see [`module_parts`]).
pub fn remove_module(schemas: &mut BTreeMap<String, Arc<ModelSchema>>, module: &str) {
    let Some((models, fields)) = module_parts(module) else {
        return;
    };
    for model in models {
        schemas.remove(*model);
    }
    for (model, field) in fields {
        if let Some(schema) = schemas.get_mut(*model) {
            Arc::make_mut(schema).fields.remove(*field);
        }
    }
}

/// Every model of `series`, by name.
pub fn models(series: Series) -> BTreeMap<String, Arc<ModelSchema>> {
    let v = series.major();
    let mut out = BTreeMap::new();
    let mut add = |(name, schema): (String, ModelSchema)| {
        out.insert(name, Arc::new(schema));
    };
    add(product_template(v));
    add(product_product(v));
    add(product_attribute());
    add(product_template_attribute_value());
    add(product_public_category());
    add(product_category());
    add(res_partner());
    add(res_partner_category());
    add(res_users(v));
    add(res_groups());
    add(product_pricelist(v));
    add(product_pricelist_item());
    add(account_tax(v));
    add(uom_uom(v));
    if v <= 18 {
        add(uom_category());
        add(product_packaging());
    }
    add(product_tag(v));
    add(res_currency());
    add(res_currency_rate());
    add(res_company());
    add(res_lang());
    add(calendar_event());
    add(calendar_event_type());
    add(crm_tag());
    add(website_base_unit());
    add(sale_order(v));
    add(sale_order_line(v));
    add(ir_model());
    add(mail_activity_type());
    add(mail_activity(v));
    add(crm_team());
    add(stock_picking_type());
    add(stock_picking());
    add(stock_move(v));
    add(stock_warehouse());
    add(stock_location());
    add(stock_quant());
    add(ir_model_data());
    add(ir_cron());
    add(ir_mail_server());
    add(mail_template(v));
    add(mail_message_subtype());
    add(mail_message());
    add(mail_mail());
    add(mail_notification());
    add(mail_compose_message(v));
    // product.product inherits the template's fields (`_inherits`).
    if let (Some(tmpl), Some(variant)) = (out.get("product.template"), out.get("product.product")) {
        let mut variant = (**variant).clone();
        for (name, field) in &tmpl.fields {
            if variant.fields.contains_key(name) {
                continue;
            }
            let mut f = field.clone();
            f.compute = Compute::Related {
                via: "product_tmpl_id".into(),
                field: name.clone(),
            };
            variant.fields.insert(name.clone(), f);
        }
        out.insert("product.product".into(), Arc::new(variant));
    }
    out
}

fn product_template(v: u32) -> (String, ModelSchema) {
    let order = if v >= 18 {
        "is_favorite desc, name, id"
    } else {
        "priority desc, name, id"
    };
    let mut m = M::new("product.template", "Product", order);
    m.f("name", Char, "Name").req().tr();
    m.f("sequence", Integer, "Sequence");
    m.f("description", Html, "Description").tr();
    m.f("description_sale", Text, "Sales Description").tr();
    m.f("description_purchase", Text, "Purchase Description").tr();
    m.f("website_description", Html, "Description for the website")
        .tr();
    if v >= 17 {
        m.f("description_ecommerce", Html, "eCommerce Description").tr();
    }
    if v >= 18 {
        m.f("type", Selection, "Product Type").req().sel(&[
            ("consu", "Goods"),
            ("service", "Service"),
            ("combo", "Combo"),
        ]);
        m.f("is_storable", Boolean, "Track Inventory");
        m.f("is_favorite", Boolean, "Favorite");
    } else {
        m.f("type", Selection, "Type").sel(&[
            ("consu", "Consumable"),
            ("service", "Service"),
            ("product", "Storable Product"),
        ]);
        m.f("detailed_type", Selection, "Product Type").req().sel(&[
            ("consu", "Consumable"),
            ("service", "Service"),
            ("product", "Storable Product"),
        ]);
        m.f("priority", Selection, "Favorite")
            .sel(&[("0", "Normal"), ("1", "Favorite")]);
    }
    let categ = m
        .f("categ_id", Many2one, "Product Category")
        .rel("product.category");
    if v <= 18 {
        categ.req();
    }
    m.f("list_price", Float, "Sales Price");
    m.f("standard_price", Float, "Cost");
    m.f("volume", Float, "Volume");
    m.f("weight", Float, "Weight");
    m.f("sale_ok", Boolean, if v >= 18 { "Sales" } else { "Can be Sold" });
    m.f(
        "purchase_ok",
        Boolean,
        if v >= 18 { "Purchase" } else { "Can be Purchased" },
    );
    m.f(
        "uom_id",
        Many2one,
        if v >= 19 { "Unit" } else { "Unit of Measure" },
    )
    .rel("uom.uom")
    .req();
    m.f(
        "uom_name",
        Char,
        if v >= 19 {
            "Unit Name"
        } else {
            "Unit of Measure Name"
        },
    )
    .computed();
    if v <= 18 {
        m.f(
            "uom_po_id",
            Many2one,
            if v >= 18 { "Purchase Unit" } else { "Purchase UoM" },
        )
        .rel("uom.uom")
        .req();
    }
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("currency_id", Many2one, "Currency")
        .rel("res.currency")
        .computed();
    m.f("active", Boolean, "Active");
    m.f("color", Integer, "Color Index");
    m.f("default_code", Char, "Internal Reference");
    m.f("barcode", Char, "Barcode");
    m.f("product_variant_ids", One2many, "Products")
        .rel("product.product")
        .inv("product_tmpl_id")
        .req();
    m.f("product_variant_id", Many2one, "Product")
        .rel("product.product")
        .computed();
    m.f("product_variant_count", Integer, "# Product Variants")
        .computed();
    let taxes_label = if v >= 18 { "Sales Taxes" } else { "Customer Taxes" };
    m.f("taxes_id", Many2many, taxes_label).rel("account.tax");
    m.f(
        "supplier_taxes_id",
        Many2many,
        if v >= 18 { "Purchase Taxes" } else { "Vendor Taxes" },
    )
    .rel("account.tax");
    m.f("public_categ_ids", Many2many, "Website Product Category")
        .rel("product.public.category");
    m.f(
        "product_tag_ids",
        Many2many,
        if v >= 17 { "Tags" } else { "Product Tags" },
    )
    .rel("product.tag");
    if v >= 19 {
        // Packagings are units of measure from 19.0.
        m.f("uom_ids", Many2many, "Packagings").rel("uom.uom");
    } else {
        // The variants' packagings.
        m.f("packaging_ids", One2many, "Product Packages")
            .rel("product.packaging")
            .computed();
    }
    m.f("is_published", Boolean, "Is Published");
    m.f("website_published", Boolean, "Visible on current website")
        .computed();
    m.f("website_sequence", Integer, "Website Sequence");
    m.f("to_weight", Boolean, "To Weigh With Scale");
    m.f("available_in_pos", Boolean, "Available in POS");
    m.f("invoice_policy", Selection, "Invoicing Policy").sel(&[
        ("order", "Ordered quantities"),
        ("delivery", "Delivered quantities"),
    ]);
    for (name, label) in [
        ("image_1920", "Image"),
        ("image_1024", "Image 1024"),
        ("image_512", "Image 512"),
        ("image_256", "Image 256"),
        ("image_128", "Image 128"),
    ] {
        m.f(name, Binary, label);
    }
    m.done()
}

fn product_product(v: u32) -> (String, ModelSchema) {
    let order = if v >= 18 {
        "is_favorite desc, default_code, name, id"
    } else {
        "priority desc, default_code, name, id"
    };
    let mut m = M::new("product.product", "Product Variant", order);
    m.f("product_tmpl_id", Many2one, "Product Template")
        .rel("product.template")
        .req()
        .cascade();
    m.f("default_code", Char, "Internal Reference");
    m.f("barcode", Char, "Barcode");
    m.f("active", Boolean, "Active");
    m.f("standard_price", Float, "Cost");
    m.f("lst_price", Float, "Sales Price").computed();
    m.f("price_extra", Float, "Variant Price Extra").stored_computed();
    m.f(
        "product_template_attribute_value_ids",
        Many2many,
        "Attribute Values",
    )
    .rel("product.template.attribute.value");
    m.f("image_variant_1920", Binary, "Variant Image");
    // website_sale's reference price: base units in one unit (0 hides it),
    // and their name (a custom base unit's, else the product's unit).
    m.f("base_unit_count", Float, "Base Unit Count");
    m.f("base_unit_id", Many2one, "Custom Unit of Measure")
        .rel("website.base.unit");
    m.f("base_unit_name", Char, "Base Unit Name").computed();
    // stock: computed from the quants (context `warehouse` up to 17.0,
    // `warehouse_id` from 18.0, or `location`).
    m.f("qty_available", Float, "Quantity On Hand").computed();
    m.f("free_qty", Float, "Free To Use Quantity ").computed();
    if v <= 18 {
        m.f("packaging_ids", One2many, "Product Packages")
            .rel("product.packaging")
            .inv("product_id");
    }
    m.done()
}

/// 16.0–18.0's packagings of a variant (`product`), with `sale`'s flag
/// `sales`; 19.0 has none (packagings are units of measure there).
fn product_packaging() -> (String, ModelSchema) {
    let mut m = M::new(
        "product.packaging",
        "Product Packaging",
        "product_id, sequence, id",
    );
    m.f("name", Char, "Product Packaging").req();
    m.f("sequence", Integer, "Sequence");
    m.f("product_id", Many2one, "Product")
        .rel("product.product")
        .cascade();
    m.f("qty", Float, "Contained Quantity");
    m.f("barcode", Char, "Barcode");
    m.f("product_uom_id", Many2one, "Unit of Measure")
        .rel("uom.uom")
        .related("product_id", "uom_id")
        .ro();
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("sales", Boolean, "Sales");
    m.done()
}

/// Product tags (`product.tag`), on templates' `product_tag_ids`.
fn product_tag(v: u32) -> (String, ModelSchema) {
    let order = if v >= 19 { "sequence, id" } else { "id" };
    let mut m = M::new("product.tag", "Product Tag", order);
    m.f("name", Char, "Tag Name").req().tr();
    m.f("color", if v >= 17 { Char } else { Integer }, "Color");
    if v >= 19 {
        m.f("sequence", Integer, "Sequence");
    }
    m.done()
}

fn product_attribute() -> (String, ModelSchema) {
    let mut m = M::new("product.attribute", "Product Attribute", "sequence, id");
    m.f("name", Char, "Attribute").req().tr();
    m.f("sequence", Integer, "Sequence");
    m.done()
}

fn product_template_attribute_value() -> (String, ModelSchema) {
    let mut m = M::new(
        "product.template.attribute.value",
        "Product Template Attribute Value",
        "attribute_id, id",
    );
    m.f("name", Char, "Value").req().tr();
    m.f("attribute_id", Many2one, "Attribute")
        .rel("product.attribute");
    m.f("product_tmpl_id", Many2one, "Product Template")
        .rel("product.template")
        .cascade();
    m.f("price_extra", Float, "Value Price Extra");
    m.done()
}

fn product_public_category() -> (String, ModelSchema) {
    let mut m = M::new(
        "product.public.category",
        "Website Product Category",
        "sequence, name, id",
    );
    m.f("name", Char, "Name").req().tr();
    m.f("parent_id", Many2one, "Parent Category")
        .rel("product.public.category")
        .cascade();
    m.f("child_id", One2many, "Children Categories")
        .rel("product.public.category")
        .inv("parent_id");
    m.f("sequence", Integer, "Sequence");
    m.f("image_1920", Binary, "Image");
    m.f("image_128", Binary, "Image 128");
    m.done()
}

fn product_category() -> (String, ModelSchema) {
    let mut m = M::new("product.category", "Product Category", "complete_name");
    m.rec_name("complete_name");
    m.f("name", Char, "Name").req();
    m.f("complete_name", Char, "Complete Name").computed();
    m.f("parent_id", Many2one, "Parent Category")
        .rel("product.category")
        .cascade();
    m.f("child_id", One2many, "Child Categories")
        .rel("product.category")
        .inv("parent_id");
    m.done()
}

fn res_partner() -> (String, ModelSchema) {
    let mut m = M::new("res.partner", "Contact", "complete_name ASC, id DESC");
    m.rec_name("complete_name");
    m.f("name", Char, "Name");
    m.f("complete_name", Char, "Complete Name").computed();
    m.f("email", Char, "Email");
    m.f("phone", Char, "Phone");
    m.f("street", Char, "Street");
    m.f("street2", Char, "Street2");
    m.f("zip", Char, "Zip");
    m.f("city", Char, "City");
    m.f("ref", Char, "Reference");
    m.f("vat", Char, "Tax ID");
    m.f("comment", Html, "Notes");
    m.f("lang", Selection, "Language").sel(LANGS);
    m.f("tz", Selection, "Timezone");
    m.f("active", Boolean, "Active");
    m.f("is_company", Boolean, "Is a Company");
    m.f("type", Selection, "Address Type").sel(&[
        ("contact", "Contact"),
        ("invoice", "Invoice Address"),
        ("delivery", "Delivery Address"),
        ("other", "Other Address"),
    ]);
    m.f("parent_id", Many2one, "Related Company").rel("res.partner");
    m.f("child_ids", One2many, "Contact")
        .rel("res.partner")
        .inv("parent_id");
    m.f("commercial_partner_id", Many2one, "Commercial Entity")
        .rel("res.partner")
        .computed();
    m.f("user_ids", One2many, "Users")
        .rel("res.users")
        .inv("partner_id");
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("category_id", Many2many, "Tags").rel("res.partner.category");
    m.f("property_product_pricelist", Many2one, "Pricelist")
        .rel("product.pricelist");
    m.f("customer_rank", Integer, "Customer Rank");
    m.done()
}

fn res_partner_category() -> (String, ModelSchema) {
    let mut m = M::new("res.partner.category", "Partner Tags", "name");
    m.f("name", Char, "Tag Name").req().tr();
    m.f("color", Integer, "Color");
    m.f("parent_id", Many2one, "Parent Category")
        .rel("res.partner.category")
        .cascade();
    m.f("active", Boolean, "Active");
    m.done()
}

fn res_users(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("res.users", "User", "name, login");
    m.f("login", Char, "Login").req();
    m.f("partner_id", Many2one, "Related Partner")
        .rel("res.partner")
        .req();
    m.f("name", Char, "Name").related("partner_id", "name");
    m.f("email", Char, "Email").related("partner_id", "email");
    m.f("lang", Selection, "Language")
        .related("partner_id", "lang")
        .sel(LANGS);
    m.f("share", Boolean, "Share User");
    m.f("active", Boolean, "Active");
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("company_ids", Many2many, "Companies").rel("res.company");
    m.f("login_date", Datetime, "Latest authentication").ro();
    m.f(
        if v >= 19 { "group_ids" } else { "groups_id" },
        Many2many,
        "Groups",
    )
    .rel("res.groups");
    m.done()
}

fn res_groups() -> (String, ModelSchema) {
    let mut m = M::new("res.groups", "Access Groups", "name");
    m.f("name", Char, "Name").req().tr();
    m.f("share", Boolean, "Share Group");
    m.done()
}

fn product_pricelist(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("product.pricelist", "Pricelist", "sequence asc, id asc");
    m.f("name", Char, "Pricelist Name").req().tr();
    m.f("active", Boolean, "Active");
    m.f("sequence", Integer, "Sequence");
    m.f("currency_id", Many2one, "Currency").rel("res.currency").req();
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("item_ids", One2many, "Pricelist Rules")
        .rel("product.pricelist.item")
        .inv("pricelist_id");
    if v <= 17 {
        m.f("discount_policy", Selection, "Discount Policy").sel(&[
            ("with_discount", "Discount included in the price"),
            ("without_discount", "Show public price & discount to the customer"),
        ]);
    }
    m.done()
}

fn product_pricelist_item() -> (String, ModelSchema) {
    let mut m = M::new(
        "product.pricelist.item",
        "Pricelist Rule",
        "applied_on, min_quantity desc, categ_id desc, id desc",
    );
    m.f("name", Char, "Name").computed();
    m.f("pricelist_id", Many2one, "Pricelist")
        .rel("product.pricelist")
        .req()
        .cascade();
    m.f("applied_on", Selection, "Apply On").req().sel(&[
        ("3_global", "All Products"),
        ("2_product_category", "Product Category"),
        ("1_product", "Product"),
        ("0_product_variant", "Product Variant"),
    ]);
    m.f("compute_price", Selection, "Compute Price").req().sel(&[
        ("fixed", "Fixed Price"),
        ("percentage", "Discount"),
        ("formula", "Formula"),
    ]);
    m.f("base", Selection, "Based on").req().sel(&[
        ("list_price", "Sales Price"),
        ("standard_price", "Cost"),
        ("pricelist", "Other Pricelist"),
    ]);
    m.f("base_pricelist_id", Many2one, "Other Pricelist")
        .rel("product.pricelist");
    m.f("fixed_price", Float, "Fixed Price");
    m.f("percent_price", Float, "Percentage Price");
    m.f("price_discount", Float, "Price Discount");
    m.f("price_surcharge", Float, "Price Surcharge");
    m.f("price_round", Float, "Price Rounding");
    m.f("price_min_margin", Float, "Min. Price Margin");
    m.f("price_max_margin", Float, "Max. Price Margin");
    m.f("min_quantity", Float, "Min. Quantity");
    m.f("date_start", Datetime, "Start Date");
    m.f("date_end", Datetime, "End Date");
    m.f("product_tmpl_id", Many2one, "Product")
        .rel("product.template")
        .cascade();
    m.f("product_id", Many2one, "Product Variant")
        .rel("product.product")
        .cascade();
    m.f("categ_id", Many2one, "Product Category")
        .rel("product.category")
        .cascade();
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("currency_id", Many2one, "Currency")
        .rel("res.currency")
        .related("pricelist_id", "currency_id");
    m.f("active", Boolean, "Active").related("pricelist_id", "active");
    m.done()
}

fn account_tax(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("account.tax", "Tax", "sequence,id");
    m.f("name", Char, "Tax Name").req().tr();
    m.f("amount_type", Selection, "Tax Computation").req().sel(&[
        ("group", "Group of Taxes"),
        ("fixed", "Fixed"),
        ("percent", "Percentage of Price"),
        ("division", "Percentage of Price Tax Included"),
    ]);
    m.f("amount", Float, "Amount").req();
    m.f("type_tax_use", Selection, "Tax Type").req().sel(&[
        ("sale", "Sales"),
        ("purchase", "Purchases"),
        ("none", "None"),
    ]);
    if v >= 18 {
        m.f("price_include", Boolean, "Included in Price").computed();
        m.f("price_include_override", Selection, "Included in Price")
            .sel(&[("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")]);
        m.f("description", Html, "Description").tr();
        m.f("invoice_label", Char, "Label on Invoices").tr();
    } else {
        m.f("price_include", Boolean, "Included in Price");
        m.f("description", Char, "Label on Invoices").tr();
    }
    m.f("include_base_amount", Boolean, "Affect Base of Subsequent Taxes");
    m.f("is_base_affected", Boolean, "Base Affected by Previous Taxes");
    m.f("children_tax_ids", Many2many, "Children Taxes")
        .rel("account.tax");
    m.f("active", Boolean, "Active");
    m.f("sequence", Integer, "Sequence").req();
    m.f("company_id", Many2one, "Company").rel("res.company").req();
    m.done()
}

fn uom_uom(v: u32) -> (String, ModelSchema) {
    let (order, desc) = if v >= 19 {
        ("sequence, relative_uom_id, id", "Product Unit")
    } else {
        ("factor DESC, id", "Product Unit of Measure")
    };
    let mut m = M::new("uom.uom", desc, order);
    m.f(
        "name",
        Char,
        if v >= 19 { "Unit Name" } else { "Unit of Measure" },
    )
    .req()
    .tr();
    m.f("active", Boolean, "Active");
    m.f("rounding", Float, "Rounding Precision").req();
    if v >= 19 {
        m.f("sequence", Integer, "Sequence");
        m.f("relative_factor", Float, "Contains").req();
        m.f("relative_uom_id", Many2one, "Reference Unit")
            .rel("uom.uom")
            .cascade();
        m.f("factor", Float, "Absolute Quantity").stored_computed();
    } else {
        m.f("category_id", Many2one, "Category")
            .rel("uom.category")
            .req()
            .cascade();
        m.f("uom_type", Selection, "Type").req().sel(&[
            ("bigger", "Bigger than the reference Unit of Measure"),
            ("reference", "Reference Unit of Measure for this category"),
            ("smaller", "Smaller than the reference Unit of Measure"),
        ]);
        m.f("factor", Float, "Ratio").req();
        m.f("factor_inv", Float, "Bigger Ratio").computed();
    }
    m.done()
}

fn uom_category() -> (String, ModelSchema) {
    let mut m = M::new("uom.category", "Product UoM Categories", "id");
    m.f("name", Char, "Unit of Measure Category").req().tr();
    m.f("uom_ids", One2many, "Uom").rel("uom.uom").inv("category_id");
    m.done()
}

fn res_currency() -> (String, ModelSchema) {
    let mut m = M::new("res.currency", "Currency", "active desc, name");
    m.f("name", Char, "Currency").req();
    m.f("full_name", Char, "Name");
    m.f("symbol", Char, "Symbol").req();
    m.f("position", Selection, "Symbol Position")
        .sel(&[("after", "After Amount"), ("before", "Before Amount")]);
    m.f("rounding", Float, "Rounding Factor");
    m.f("decimal_places", Integer, "Decimal Places").computed();
    m.f("rate", Float, "Current Rate").computed();
    m.f("active", Boolean, "Active");
    m.f("currency_unit_label", Char, "Currency Unit").tr();
    m.f("currency_subunit_label", Char, "Currency Subunit").tr();
    m.done()
}

fn res_currency_rate() -> (String, ModelSchema) {
    let mut m = M::new("res.currency.rate", "Currency Rate", "name desc, id");
    m.f("name", Date, "Date").req();
    m.f("rate", Float, "Technical Rate");
    m.f("currency_id", Many2one, "Currency").rel("res.currency").req();
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.done()
}

fn res_company() -> (String, ModelSchema) {
    let mut m = M::new("res.company", "Companies", "sequence, name");
    m.f("name", Char, "Company Name").req();
    m.f("partner_id", Many2one, "Partner").rel("res.partner").req();
    m.f("currency_id", Many2one, "Currency").rel("res.currency").req();
    m.f("sequence", Integer, "Sequence");
    m.f("email", Char, "Email").related("partner_id", "email");
    m.f("phone", Char, "Phone").related("partner_id", "phone");
    m.f("street", Char, "Street").related("partner_id", "street");
    m.f("zip", Char, "Zip").related("partner_id", "zip");
    m.f("city", Char, "City").related("partner_id", "city");
    m.f("active", Boolean, "Active");
    // Module account: `round_per_line` or `round_globally`.
    m.f(
        "tax_calculation_rounding_method",
        Selection,
        "Tax Calculation Rounding Method",
    );
    m.done()
}

fn calendar_event() -> (String, ModelSchema) {
    let mut m = M::new("calendar.event", "Calendar Event", "start desc");
    m.f("name", Char, "Meeting Subject").req();
    m.f("start", Datetime, "Start").req();
    m.f("stop", Datetime, "Stop").req();
    m.f("allday", Boolean, "All Day");
    m.f("duration", Float, "Duration").stored_computed();
    m.f("location", Char, "Location");
    m.f("description", Html, "Description");
    m.f("categ_ids", Many2many, "Tags").rel("calendar.event.type");
    m.f("recurrency", Boolean, "Recurrent");
    m.f("user_id", Many2one, "Organizer").rel("res.users");
    m.f("partner_ids", Many2many, "Attendees").rel("res.partner");
    m.f("privacy", Selection, "Privacy").sel(&[
        ("public", "Public"),
        ("private", "Private"),
        ("confidential", "Only internal users"),
    ]);
    m.f("show_as", Selection, "Show as")
        .sel(&[("free", "Available"), ("busy", "Busy")]);
    m.f("active", Boolean, "Active");
    m.done()
}

fn res_lang() -> (String, ModelSchema) {
    let mut m = M::new("res.lang", "Languages", "active desc, name");
    m.f("name", Char, "Name").req();
    m.f("code", Char, "Locale Code").req();
    m.f("active", Boolean, "Active");
    m.done()
}

fn calendar_event_type() -> (String, ModelSchema) {
    let mut m = M::new("calendar.event.type", "Event Meeting Type", "id");
    m.f("name", Char, "Name").req();
    m.f("color", Integer, "Color");
    m.done()
}

fn website_base_unit() -> (String, ModelSchema) {
    let mut m = M::new(
        "website.base.unit",
        "Unit of Measure for price per unit on eCommerce products.",
        "id",
    );
    m.f("name", Char, "Unit").req().tr();
    m.done()
}

fn crm_tag() -> (String, ModelSchema) {
    let mut m = M::new("crm.tag", "CRM Tag", "id");
    m.f("name", Char, "Tag Name").req().tr();
    m.f("color", Integer, "Color");
    m.done()
}

fn sale_order(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("sale.order", "Sales Order", "date_order desc, id desc");
    m.f("name", Char, "Order Reference").req();
    let mut states = vec![
        ("draft", "Quotation"),
        ("sent", "Quotation Sent"),
        ("sale", "Sales Order"),
    ];
    if v <= 16 {
        states.push(("done", "Locked"));
    }
    states.push(("cancel", "Cancelled"));
    m.f("state", Selection, "Status").sel(&states).ro();
    if v >= 17 {
        m.f("locked", Boolean, "Locked");
    }
    m.f("date_order", Datetime, "Order Date").req();
    m.f("commitment_date", Datetime, "Delivery Date");
    m.f("validity_date", Date, "Expiration");
    m.f("partner_id", Many2one, "Customer").rel("res.partner").req();
    m.f("partner_invoice_id", Many2one, "Invoice Address")
        .rel("res.partner")
        .req();
    m.f("partner_shipping_id", Many2one, "Delivery Address")
        .rel("res.partner")
        .req();
    m.f("pricelist_id", Many2one, "Pricelist")
        .rel("product.pricelist");
    m.f("currency_id", Many2one, "Currency")
        .rel("res.currency")
        .related("pricelist_id", "currency_id");
    m.f("company_id", Many2one, "Company").rel("res.company").req();
    m.f("user_id", Many2one, "Salesperson").rel("res.users");
    m.f("client_order_ref", Char, "Customer Reference");
    m.f("origin", Char, "Source Document");
    m.f("note", Html, "Terms and conditions");
    m.f("order_line", One2many, "Order Lines")
        .rel("sale.order.line")
        .inv("order_id");
    m.f("tag_ids", Many2many, "Tags").rel("crm.tag");
    m.f("amount_untaxed", Monetary, "Untaxed Amount")
        .stored_computed();
    m.f("amount_tax", Monetary, "Taxes").stored_computed();
    m.f("amount_total", Monetary, "Total").stored_computed();
    m.f("invoice_status", Selection, "Invoice Status").ro().sel(&[
        ("upselling", "Upselling Opportunity"),
        ("invoiced", "Fully Invoiced"),
        ("to invoice", "To Invoice"),
        ("no", "Nothing to Invoice"),
    ]);
    // sale_stock (module `stock` here).
    m.f("picking_ids", One2many, "Transfers")
        .rel("stock.picking")
        .inv("sale_id");
    m.f("delivery_count", Integer, "Delivery Orders").computed();
    m.done()
}

/// `ir.model`: one record per model (filled in when a database is built).
fn ir_model() -> (String, ModelSchema) {
    let mut m = M::new("ir.model", "Models", "model");
    m.f("model", Char, "Model").req();
    m.f("name", Char, "Model Description").req().tr();
    m.f("info", Text, "Information");
    m.f("transient", Boolean, "Transient Model");
    m.done()
}

/// `mail.activity.type` (mail).
fn mail_activity_type() -> (String, ModelSchema) {
    let mut m = M::new("mail.activity.type", "Activity Type", "sequence, id");
    m.f("name", Char, "Name").req().tr();
    m.f("summary", Char, "Default Summary").tr();
    m.f("sequence", Integer, "Sequence");
    m.f("active", Boolean, "Active");
    m.f("icon", Char, "Icon");
    m.f("delay_count", Integer, "Schedule");
    m.f("category", Selection, "Action").sel(&[
        ("default", "None"),
        ("upload_file", "Upload Document"),
        ("phonecall", "Phonecall"),
    ]);
    m.f("decoration_type", Selection, "Decoration Type")
        .sel(&[("warning", "Alert"), ("danger", "Error")]);
    // A selection of the models with activities: any model name here.
    m.f("res_model", Selection, "Model");
    m.f("default_user_id", Many2one, "Default User").rel("res.users");
    m.done()
}

/// `mail.activity` (mail): a to-do on a record, in someone's activity menu.
fn mail_activity(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("mail.activity", "Activity", "date_deadline ASC, id ASC");
    m.rec_name("summary");
    let model = m
        .f("res_model_id", Many2one, "Document Model")
        .rel("ir.model")
        .cascade();
    // Optional from 19.0 (an activity may be on no record).
    if v <= 18 {
        model.req();
    }
    // Related to `res_model_id.model` and stored: kept by the double.
    m.f("res_model", Char, "Related Document Model").stored_computed();
    let res_id = m.f("res_id", Integer, "Related Document ID");
    res_id.odoo_type = Some("many2one_reference".into());
    m.f("res_name", Char, "Document Name").stored_computed();
    m.f("activity_type_id", Many2one, "Activity Type")
        .rel("mail.activity.type")
        .ondelete = OnDelete::Restrict;
    m.f("activity_category", Selection, "Action")
        .related("activity_type_id", "category")
        .ro();
    m.f("icon", Char, "Icon").related("activity_type_id", "icon").ro();
    m.f("summary", Char, "Summary");
    m.f("note", Html, "Note");
    m.f("date_deadline", Date, "Due Date").req();
    m.f("automated", Boolean, "Automated activity").ro();
    let user = m.f("user_id", Many2one, "Assigned to").rel("res.users");
    // Required, by default the caller, until 18.0; 19.0 leaves it empty.
    if v <= 18 {
        user.req();
    }
    if v >= 17 {
        user.ondelete = OnDelete::Cascade;
    }
    m.f("request_partner_id", Many2one, "Requesting Partner")
        .rel("res.partner");
    let mut states = vec![("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")];
    if v >= 17 {
        states.push(("done", "Done"));
        m.f("active", Boolean, "Active");
        m.f("date_done", Date, "Done Date").stored_computed();
    }
    m.f("state", Selection, "State").sel(&states).computed();
    m.done()
}

/// `crm.team` (sales_team): sales teams, their leader and salespersons.
fn crm_team() -> (String, ModelSchema) {
    let mut m = M::new(
        "crm.team",
        "Sales Team",
        "sequence ASC, create_date DESC, id DESC",
    );
    m.f("name", Char, "Sales Team").req().tr();
    m.f("sequence", Integer, "Sequence");
    m.f("active", Boolean, "Active");
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("user_id", Many2one, "Team Leader").rel("res.users");
    // Odoo computes it from `crm.team.member` records (and searches it
    // through them); to clients it reads, writes and searches as a
    // many2many of users.
    m.f("member_ids", Many2many, "Salespersons").rel("res.users");
    m.f("color", Integer, "Color Index");
    m.done()
}

/// `stock.picking.type` (stock): operation types, e.g. the warehouse's
/// "Delivery Orders".
fn stock_picking_type() -> (String, ModelSchema) {
    let mut m = M::new("stock.picking.type", "Picking Type", "sequence, id");
    m.f("name", Char, "Operation Type").req().tr();
    m.f("code", Selection, "Type of Operation")
        .req()
        .sel(PICKING_CODES);
    m.f("sequence_code", Char, "Sequence Prefix").req();
    m.f("sequence", Integer, "Sequence");
    m.f("active", Boolean, "Active");
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.done()
}

const PICKING_CODES: &[(&str, &str)] = &[
    ("incoming", "Receipt"),
    ("outgoing", "Delivery"),
    ("internal", "Internal Transfer"),
];

/// `stock.picking` (stock, with sale_stock's `sale_id`): transfers.
fn stock_picking() -> (String, ModelSchema) {
    let mut m = M::new(
        "stock.picking",
        "Transfer",
        "priority desc, scheduled_date asc, id desc",
    );
    m.f("name", Char, "Reference").ro();
    m.f("origin", Char, "Source Document");
    m.f("note", Html, "Notes");
    m.f("state", Selection, "Status")
        .sel(&[
            ("draft", "Draft"),
            ("waiting", "Waiting Another Operation"),
            ("confirmed", "Waiting"),
            ("assigned", "Ready"),
            ("done", "Done"),
            ("cancel", "Cancelled"),
        ])
        .ro();
    m.f("priority", Selection, "Priority")
        .sel(&[("0", "Normal"), ("1", "Urgent")]);
    m.f("move_type", Selection, "Shipping Policy").req().sel(&[
        ("direct", "As soon as possible"),
        ("one", "When all products are ready"),
    ]);
    m.f("scheduled_date", Datetime, "Scheduled Date");
    m.f("date_done", Datetime, "Date of Transfer").ro();
    m.f("picking_type_id", Many2one, "Operation Type")
        .rel("stock.picking.type")
        .req();
    m.f("picking_type_code", Selection, "Type of Operation")
        .sel(PICKING_CODES)
        .related("picking_type_id", "code")
        .ro();
    m.f("partner_id", Many2one, "Contact").rel("res.partner");
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.f("user_id", Many2one, "Responsible").rel("res.users");
    m.f("sale_id", Many2one, "Sales Order").rel("sale.order");
    m.f("move_ids", One2many, "Stock Moves")
        .rel("stock.move")
        .inv("picking_id");
    m.done()
}

/// `stock.move` (stock): one product of a transfer, and what is reserved
/// of it (`quantity` from 17.0; 16.0's `reserved_availability`, with
/// `quantity_done`).
fn stock_move(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("stock.move", "Stock Move", "sequence, id");
    m.f("name", Char, "Description").req();
    m.f("sequence", Integer, "Sequence");
    m.f("picking_id", Many2one, "Transfer")
        .rel("stock.picking")
        .cascade();
    m.f("product_id", Many2one, "Product")
        .rel("product.product")
        .req();
    m.f("product_uom_qty", Float, "Demand").req();
    if v >= 17 {
        m.f("quantity", Float, "Quantity").stored_computed();
    } else {
        m.f("reserved_availability", Float, "Quantity Reserved")
            .stored_computed();
        m.f("quantity_done", Float, "Quantity Done").stored_computed();
    }
    m.f("state", Selection, "Status")
        .sel(&[
            ("draft", "New"),
            ("waiting", "Waiting Another Move"),
            ("confirmed", "Waiting Availability"),
            ("partially_available", "Partially Available"),
            ("assigned", "Available"),
            ("done", "Done"),
            ("cancel", "Cancelled"),
        ])
        .ro();
    m.f("location_id", Many2one, "Source Location")
        .rel("stock.location")
        .req();
    m.f("location_dest_id", Many2one, "Destination Location")
        .rel("stock.location")
        .req();
    m.f("sale_line_id", Many2one, "Sale Line").rel("sale.order.line");
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.done()
}

/// `stock.warehouse` (stock).
fn stock_warehouse() -> (String, ModelSchema) {
    let mut m = M::new("stock.warehouse", "Warehouse", "sequence,id");
    m.f("name", Char, "Warehouse").req();
    m.f("code", Char, "Short Name").req();
    m.f("active", Boolean, "Active");
    m.f("sequence", Integer, "Sequence");
    m.f("company_id", Many2one, "Company").rel("res.company").req();
    m.f("partner_id", Many2one, "Address").rel("res.partner");
    m.f("lot_stock_id", Many2one, "Location Stock")
        .rel("stock.location")
        .req();
    m.f("view_location_id", Many2one, "View Location")
        .rel("stock.location");
    m.done()
}

/// `stock.location` (stock): `WH/Stock`, the customers' location...
fn stock_location() -> (String, ModelSchema) {
    let mut m = M::new("stock.location", "Inventory Locations", "complete_name, id");
    m.rec_name("complete_name");
    m.f("name", Char, "Location Name").req();
    m.f("complete_name", Char, "Full Location Name").computed();
    m.f("active", Boolean, "Active");
    m.f("usage", Selection, "Location Type").req().sel(&[
        ("supplier", "Vendor Location"),
        ("view", "View"),
        ("internal", "Internal Location"),
        ("customer", "Customer Location"),
        ("inventory", "Inventory Loss"),
        ("production", "Production"),
        ("transit", "Transit Location"),
    ]);
    m.f("location_id", Many2one, "Parent Location")
        .rel("stock.location")
        .cascade();
    m.f("company_id", Many2one, "Company").rel("res.company");
    m.schema.parent_name = "location_id".into();
    m.done()
}

/// `stock.quant` (stock): the quantity of a product at a location, and
/// what is reserved of it.
fn stock_quant() -> (String, ModelSchema) {
    let mut m = M::new("stock.quant", "Quants", "id");
    m.f("product_id", Many2one, "Product")
        .rel("product.product")
        .req()
        .ondelete = OnDelete::Restrict;
    m.f("location_id", Many2one, "Location")
        .rel("stock.location")
        .req()
        .ondelete = OnDelete::Restrict;
    m.f("company_id", Many2one, "Company")
        .rel("res.company")
        .related("location_id", "company_id")
        .ro();
    m.f("quantity", Float, "Quantity").ro();
    m.f("reserved_quantity", Float, "Reserved Quantity").ro();
    m.f("inventory_quantity", Float, "Counted Quantity");
    m.f("inventory_quantity_auto_apply", Float, "Inventoried Quantity")
        .computed();
    m.f("in_date", Datetime, "Incoming Date").ro();
    m.done()
}

/// `ir.model.data` (base): external ids (XML ids) of records.
fn ir_model_data() -> (String, ModelSchema) {
    let mut m = M::new("ir.model.data", "Model Data", "module, model, name");
    m.f("name", Char, "External Identifier").req();
    m.f("complete_name", Char, "Complete ID").computed();
    m.f("module", Char, "Module").req();
    m.f("model", Char, "Model Name").req();
    m.f("res_id", Integer, "Record ID");
    m.f("noupdate", Boolean, "Non Updatable");
    m.done()
}

/// `ir.cron` (base): scheduled actions (the mail queue's).
fn ir_cron() -> (String, ModelSchema) {
    let mut m = M::new("ir.cron", "Scheduled Actions", "cron_name");
    m.rec_name("cron_name");
    m.f("name", Char, "Action Name").req();
    m.f("cron_name", Char, "Name").stored_computed();
    m.f("active", Boolean, "Active");
    m.f("interval_number", Integer, "Interval Number");
    m.f("interval_type", Selection, "Interval Unit").sel(&[
        ("minutes", "Minutes"),
        ("hours", "Hours"),
        ("days", "Days"),
        ("weeks", "Weeks"),
        ("months", "Months"),
    ]);
    m.f("nextcall", Datetime, "Next Execution Date").req();
    m.f("lastcall", Datetime, "Last Execution Date").ro();
    m.f("code", Text, "Python Code");
    m.done()
}

/// `ir.mail_server` (base): outgoing mail servers.
fn ir_mail_server() -> (String, ModelSchema) {
    let mut m = M::new("ir.mail_server", "Mail Server", "sequence, id");
    m.f("name", Char, "Name").req();
    m.f("smtp_host", Char, "SMTP Server");
    m.f("smtp_port", Integer, "SMTP Port");
    m.f("smtp_user", Char, "Username");
    m.f("smtp_pass", Char, "Password");
    m.f("smtp_encryption", Selection, "Connection Encryption").sel(&[
        ("none", "None"),
        ("starttls", "TLS (STARTTLS)"),
        ("ssl", "SSL/TLS"),
    ]);
    m.f("from_filter", Char, "FROM Filtering");
    m.f("sequence", Integer, "Priority");
    m.f("active", Boolean, "Active");
    m.done()
}

/// `mail.template` (mail): templates rendered on a record (`model`).
fn mail_template(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("mail.template", "Email Templates", "name");
    m.f("name", Char, "Name").tr();
    m.f("description", Text, "Template description").tr();
    m.f("model_id", Many2one, "Applies to").rel("ir.model");
    m.f("model", Char, "Related Document Model");
    m.f("subject", Char, "Subject").tr();
    m.f("email_from", Char, "From");
    m.f("partner_to", Char, "To (Partners)");
    m.f("email_to", Char, "To (Emails)");
    m.f("body_html", Html, "Body").tr();
    // 16.0's sale templates say `{{ object.partner_id.lang }}`; 19.0's
    // none (the record's customer's language).
    m.f("lang", Char, "Language");
    m.f("auto_delete", Boolean, "Auto Delete");
    m.f("mail_server_id", Many2one, "Outgoing Mail Server")
        .rel("ir.mail_server");
    if v >= 17 {
        m.f("active", Boolean, "Active");
    }
    m.done()
}

/// `mail.message.subtype` (mail): Discussions (`mail.mt_comment`), Note...
fn mail_message_subtype() -> (String, ModelSchema) {
    let mut m = M::new("mail.message.subtype", "Message subtypes", "sequence, id");
    m.f("name", Char, "Message Type").req().tr();
    m.f("description", Text, "Description").tr();
    m.f("internal", Boolean, "Internal Only");
    m.f("default", Boolean, "Default");
    m.f("sequence", Integer, "Sequence");
    m.f("hidden", Boolean, "Hidden");
    m.done()
}

const MESSAGE_TYPES: &[(&str, &str)] = &[
    ("email", "Incoming Email"),
    ("comment", "Comment"),
    ("email_outgoing", "Outgoing Email"),
    ("notification", "System notification"),
    ("auto_comment", "Automated Targeted Notification"),
    ("user_notification", "User Specific Notification"),
];

/// `mail.message` (mail): a record's chatter.
fn mail_message() -> (String, ModelSchema) {
    let mut m = M::new("mail.message", "Message", "id desc");
    m.rec_name("record_name");
    m.f("subject", Char, "Subject");
    m.f("body", Html, "Contents");
    m.f("date", Datetime, "Date");
    m.f("model", Char, "Related Document Model");
    let res_id = m.f("res_id", Integer, "Related Document ID");
    res_id.odoo_type = Some("many2one_reference".into());
    m.f("record_name", Char, "Message Record Name");
    m.f("message_type", Selection, "Type").req().sel(MESSAGE_TYPES);
    m.f("subtype_id", Many2one, "Subtype").rel("mail.message.subtype");
    m.f("author_id", Many2one, "Author").rel("res.partner");
    m.f("email_from", Char, "From");
    m.f("reply_to", Char, "Reply-To");
    m.f("partner_ids", Many2many, "Recipients").rel("res.partner");
    m.f("notification_ids", One2many, "Notifications")
        .rel("mail.notification")
        .inv("mail_message_id");
    m.f("mail_server_id", Many2one, "Outgoing mail server")
        .rel("ir.mail_server");
    m.f("email_layout_xmlid", Char, "Layout");
    m.done()
}

/// `mail.mail` (mail): an outgoing mail (Odoo's inherits its message; the
/// double keeps the message's fields it needs on the mail).
fn mail_mail() -> (String, ModelSchema) {
    let mut m = M::new("mail.mail", "Outgoing Mails", "id desc");
    m.rec_name("subject");
    m.f("mail_message_id", Many2one, "Message")
        .rel("mail.message")
        .req()
        .cascade();
    m.f("subject", Char, "Subject")
        .related("mail_message_id", "subject");
    m.f("model", Char, "Related Document Model")
        .related("mail_message_id", "model");
    m.f("res_id", Integer, "Related Document ID")
        .related("mail_message_id", "res_id");
    m.f("body_html", Text, "Text Contents");
    m.f("email_from", Char, "From")
        .related("mail_message_id", "email_from");
    m.f("email_to", Text, "To");
    m.f("recipient_ids", Many2many, "To (Partners)")
        .rel("res.partner");
    m.f("state", Selection, "Status")
        .sel(&[
            ("outgoing", "Outgoing"),
            ("sent", "Sent"),
            ("received", "Received"),
            ("exception", "Delivery Failed"),
            ("cancel", "Cancelled"),
        ])
        .ro();
    m.f("failure_type", Selection, "Failure type").sel(FAILURE_TYPES);
    m.f("failure_reason", Text, "Failure Reason").ro();
    m.f("auto_delete", Boolean, "Auto Delete");
    m.f("mail_server_id", Many2one, "Outgoing mail server")
        .rel("ir.mail_server");
    m.done()
}

const FAILURE_TYPES: &[(&str, &str)] = &[
    ("unknown", "Unknown error"),
    ("mail_email_invalid", "Invalid email address"),
    ("mail_email_missing", "Missing email address"),
    ("mail_from_invalid", "Invalid from address"),
    ("mail_from_missing", "Missing from address"),
    ("mail_smtp", "Connection failed (outgoing mail server problem)"),
];

/// `mail.notification` (mail): a message's delivery to one partner.
fn mail_notification() -> (String, ModelSchema) {
    let mut m = M::new("mail.notification", "Message Notifications", "id");
    m.rec_name("res_partner_id");
    m.f("mail_message_id", Many2one, "Message")
        .rel("mail.message")
        .req()
        .cascade();
    m.f("mail_mail_id", Many2one, "Mail").rel("mail.mail");
    m.f("res_partner_id", Many2one, "Recipient")
        .rel("res.partner")
        .cascade();
    m.f("author_id", Many2one, "Author").rel("res.partner");
    m.f("notification_type", Selection, "Notification Type")
        .req()
        .sel(&[("inbox", "Inbox"), ("email", "Email")]);
    m.f("notification_status", Selection, "Status").sel(&[
        ("ready", "Ready to Send"),
        ("process", "Processing"),
        ("pending", "Sent"),
        ("sent", "Delivered"),
        ("bounce", "Bounced"),
        ("exception", "Exception"),
        ("canceled", "Canceled"),
    ]);
    m.f("is_read", Boolean, "Is Read");
    m.f("failure_type", Selection, "Failure type").sel(FAILURE_TYPES);
    m.f("failure_reason", Text, "Failure reason");
    m.done()
}

/// `mail.compose.message` (mail, a wizard): 16.0 fills it from its
/// template in `onchange`; 17.0 and later compute it from `template_id`
/// (and `res_ids`, a text).
fn mail_compose_message(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("mail.compose.message", "Email composition wizard", "id");
    m.rec_name("subject");
    m.f("composition_mode", Selection, "Composition mode").sel(&[
        ("comment", "Post on a document"),
        ("mass_mail", "Email Mass Mailing"),
    ]);
    m.f("model", Char, "Related Document Model");
    if v >= 17 {
        m.f("res_ids", Text, "Related Document IDs");
    } else {
        m.f("res_id", Integer, "Related Document ID");
    }
    m.f("template_id", Many2one, "Use template").rel("mail.template");
    m.f("subject", Char, "Subject");
    m.f("body", Html, "Contents");
    m.f("partner_ids", Many2many, "Recipients").rel("res.partner");
    m.f("email_from", Char, "From");
    m.f("reply_to", Char, "Reply To");
    m.f("mail_server_id", Many2one, "Outgoing mail server")
        .rel("ir.mail_server");
    m.f("author_id", Many2one, "Author").rel("res.partner");
    m.f("email_layout_xmlid", Char, "Email Notification Layout");
    m.f("record_name", Char, "Record Name");
    m.f("subtype_id", Many2one, "Subtype").rel("mail.message.subtype");
    m.f("message_type", Selection, "Type").sel(MESSAGE_TYPES);
    m.f("lang", Char, "Language");
    if v >= 17 {
        m.f("force_send", Boolean, "Send mailing or notifications directly");
    }
    m.done()
}

fn sale_order_line(v: u32) -> (String, ModelSchema) {
    let mut m = M::new("sale.order.line", "Sales Order Line", "order_id, sequence, id");
    m.f("order_id", Many2one, "Order Reference")
        .rel("sale.order")
        .req()
        .cascade();
    m.f("sequence", Integer, "Sequence");
    m.f("name", Text, "Description").req();
    m.f("display_type", Selection, "Display Type")
        .sel(&[("line_section", "Section"), ("line_note", "Note")]);
    m.f("product_id", Many2one, "Product").rel("product.product");
    m.f("product_template_id", Many2one, "Product Template")
        .rel("product.template")
        .related("product_id", "product_tmpl_id");
    m.f("product_uom_qty", Float, "Quantity").req();
    let uom = if v >= 19 { "product_uom_id" } else { "product_uom" };
    m.f(uom, Many2one, "Unit of Measure").rel("uom.uom");
    m.f("price_unit", Float, "Unit Price").req();
    m.f("discount", Float, "Discount (%)");
    let taxes = if v >= 19 { "tax_ids" } else { "tax_id" };
    m.f(taxes, Many2many, "Taxes").rel("account.tax");
    m.f("price_subtotal", Monetary, "Subtotal").stored_computed();
    m.f("price_tax", Float, "Total Tax").stored_computed();
    m.f("price_total", Monetary, "Total").stored_computed();
    m.f("qty_delivered", Float, "Delivery Quantity");
    m.f("qty_invoiced", Float, "Invoiced Quantity").ro();
    m.f("currency_id", Many2one, "Currency")
        .rel("res.currency")
        .related("order_id", "currency_id");
    m.f("company_id", Many2one, "Company")
        .rel("res.company")
        .related("order_id", "company_id");
    m.f("order_partner_id", Many2one, "Customer")
        .rel("res.partner")
        .related("order_id", "partner_id");
    m.f("state", Selection, "Order Status")
        .related("order_id", "state");
    m.done()
}

/// The name a field has in `series`, given a name it has in another one
/// (`tax_id` → `tax_ids` in 19, and back); `None` when it is not a known
/// rename.
pub fn renamed(model: &str, field: &str, series: Series) -> Option<&'static str> {
    let v19 = series.major() >= 19;
    match (model, field) {
        ("sale.order.line", "tax_id") if v19 => Some("tax_ids"),
        ("sale.order.line", "tax_ids") if !v19 => Some("tax_id"),
        ("sale.order.line", "product_uom") if v19 => Some("product_uom_id"),
        ("sale.order.line", "product_uom_id") if !v19 => Some("product_uom"),
        ("res.users", "groups_id") if v19 => Some("group_ids"),
        ("res.users", "group_ids") if !v19 => Some("groups_id"),
        _ => None,
    }
}
