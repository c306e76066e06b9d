#!/usr/bin/env python3
"""Seed a real Odoo (16.0 or 19.0) for the storefront's tests, through the external API only.

Usage: seed.py URL DB LOGIN PASSWORD MODE [MANIFEST]
    LOGIN/PASSWORD: an administrator (the demo data's admin/admin).
    MODE: `shop` (everything below) or `bare` (no French, no usable pricelist).
    MANIFEST: where the JSON manifest goes (printed on stdout without it).

Python's standard library only (xmlrpc.client). Idempotent, and converging: every record is looked
up by its name (all start with "Seed", "Pickup" or a test login) and created when missing, else
rewritten with the same values, so a second run (or a run on a restored dump) gives the same data
with fresh dates for the pickup slots.

The manifest (JSON), ids are database ids:
{
  "series": "16.0" | "19.0",  "serie": 16 | 19,  "db": DB,  "mode": "shop" | "bare",
  "url": URL,
  "currency": {"id", "name"},                       # company A's currency, that of every pricelist but one
  "other_currency": {"id", "name", "rate"} | null,  # that of pricelist "other_currency" (USD, or EUR), its rate
  "companies": {"a": id, "b": id | null},            # b: null in bare
  "company_names": {"a": name, "b": name},
  "website_id": id,
  "french_installed": bool,
  "pricelist_feature": bool,                         # group product.group_product_pricelist on
  "technical_user": {"login", "password", "user_id", "partner_id", "company_id", "company_ids"},
  "customers": [{"key", "login", "password", "name", "email", "lang", "user_id", "partner_id",
                 "pricelist_id" (set on the partner by the seed, or null),
                 "effective_pricelist_id" (what Odoo computes for the partner in its company, or null),
                 "fiscal_position_id" (or null), "company_id"}],
  "taxes": {"a_20_included", "a_5_5_excluded", "a_2_excluded", "a_0_export", "b_10_excluded"}
           # ids; {name: {"id", "amount", "price_include", "company_id"}} under "tax_details"
  "products": {                                      # product.template ids unless said otherwise
     "shared": [...], "company_a": [...], "company_b": [...],
     "variants": [template ids], "variant_products": {template id: [{"product_id", "values", "price_extra"}]},
     "combo": [template ids] (empty on 16), "by_weight": [...], "reference_price": [...],
     "zero_price": [...], "hostile": [...], "two_taxes": [...], "included_tax": [...], "excluded_tax": [...],
     "storable": [...],                              # storable ("Seed Stocked Jam", company A), see "stock"
     "translated": {template id: {"en_US": name, "fr_FR": name}},
     "packaging": {"product_tmpl_id", "qty", "model": "product.packaging" | "uom.uom", "id"},
     "archived": id, "unpublished": id,
     "by_name": {name: template id}, "details": {template id: {"name", "list_price", "company_id",
                 "taxes": [ids], "uom": "Units"|"kg", "product_id": first variant id}}},
  "pricelists": {"fixed",   # all of company A, in its currency "percentage", "formula", "based_on_other", "quantity_and_dates",
                 "without_discount" (16 only, else null), "default" (bare: the one left, or null)}
                # ids; "pricelist_rules": {key: [human description of each rule]}
  "fiscal_position": id | null,  "fiscal_position_mapping": {"from": tax id, "to": tax id},
  "automatic_fiscal_position": id | null (auto_apply, for customers in Belgium: customer "automatic"),
  "pickup_category": "Pickup", "pickup_category_id": id,
  "stock": {"company_id", "warehouse_id", "warehouse_name", "view_location_id", "lot_stock_id",
            "warehouse_context_key": "warehouse" (16) | "warehouse_id" (18+),  # product.product free_qty
            "storable_field": "detailed_type" (16-17, == 'product') | "is_storable" (18+),
            "product_tmpl_id", "product_id", "free_qty": 3} | null (bare),
  "slots": [{"key", "id", "name", "start", "stop" (UTC, "YYYY-MM-DD HH:MM:SS"), "capacity",
             "attendee_partner_ids", "past": bool, "full": bool}],
  "notes": [strings]                                 # what could not be done on this series and why
}
"""
import datetime
import json
import sys
import xmlrpc.client

if len(sys.argv) < 6 or sys.argv[5] not in ("shop", "bare"):
    sys.exit(__doc__.split("\n\n")[1])
url, db, login, pw, mode = sys.argv[1:6]
manifest_path = sys.argv[6] if len(sys.argv) > 6 else None

common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common", allow_none=True)
version = common.version()
serie = int(str(version["server_serie"]).split(".")[0].replace("saas~", ""))
uid = common.authenticate(db, login, pw, {})
if not uid:
    sys.exit(f"cannot log in to {db} as {login}")
obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
notes = []


def ek(model, method, args, kw=None, ctx=None):
    kw = dict(kw or {})
    if ctx:
        kw["context"] = {**kw.get("context", {}), **ctx}
    return obj.execute_kw(db, uid, pw, model, method, args, kw)


_fields = {}


def has_field(model, name):
    if model not in _fields:
        _fields[model] = ek(model, "fields_get", [], {"attributes": ["type"]})
    return name in _fields[model]


def model_exists(model):
    return bool(ek("ir.model", "search", [[["model", "=", model]]]))


def xmlid(module, *names):
    for name in names:
        found = ek("ir.model.data", "search_read", [[["module", "=", module], ["name", "=", name]]], {"fields": ["res_id"]})
        if found:
            return found[0]["res_id"]
    raise LookupError(f"{module}.{names}")


def upsert(model, domain, vals, ctx=None, update=None):
    """The record matching domain (archived ones too): created with vals when missing, else
    rewritten with `update` (default: vals)."""
    c = {"active_test": False, **(ctx or {})}
    found = ek(model, "search", [domain], {"limit": 1}, c)
    if found:
        upd = vals if update is None else update
        if upd:
            ek(model, "write", [found[:1], upd], ctx=c)
        return found[0]
    return ek(model, "create", [vals], ctx=c)


def m2o(value):
    return value[0] if value else None


def fmt(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


NO_MAIL = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True,
           "mail_notrack": True, "no_reset_password": True, "dont_notify": True}

# ---------------------------------------------------------------- settings and companies
company_a = xmlid("base", "main_company")
a = ek("res.company", "read", [[company_a], ["name", "currency_id", "country_id"]])[0]
currency = m2o(a["currency_id"])
currency_name = a["currency_id"][1]
admin_ctx_a = {"allowed_company_ids": [company_a]}


def settings(vals):
    vals = {k: v for k, v in vals.items() if has_field("res.config.settings", k)}
    wiz = ek("res.config.settings", "create", [vals], ctx=admin_ctx_a)
    ek("res.config.settings", "execute", [[wiz]], ctx=admin_ctx_a)


def group_enabled(xml):
    module, name = xml.split(".")
    gid = xmlid(module, name)
    implied = "implied_ids"
    user_group = ek("res.groups", "read", [[xmlid("base", "group_user")], [implied]])[0][implied]
    return gid in user_group


if mode == "shop":
    # Pricelists with every rule kind (16: "advanced" pricelists, discounts shown), variants,
    # units of measure, the reference price per unit on the website.
    settings({"group_product_pricelist": True, "group_sale_pricelist": True, "product_pricelist_setting": "advanced",
              "group_discount_per_so_line": True, "group_product_variant": True, "group_uom": True,
              "group_show_uom_price": True, "group_stock_packaging": True})
else:
    # No pricelist: the feature off (19 archives every pricelist when it is turned off).
    settings({"group_product_pricelist": False, "group_sale_pricelist": False, "product_pricelist_setting": "basic",
              "group_discount_per_so_line": False, "group_product_variant": True, "group_uom": True})
pricelist_feature = group_enabled("product.group_product_pricelist")

company_b = None
company_names = {"a": a["name"], "b": None}
if mode == "shop":
    # B: a demo company in A's currency if there is one (19's demo has several), else our own.
    others = ek("res.company", "search_read", [[["id", "!=", company_a], ["currency_id", "=", currency]]],
                {"fields": ["name"], "order": "id"})
    mine = [c for c in others if c["name"] == "Seed Company B"]
    chosen = mine[0] if mine else (others[0] if others else None)
    if chosen:
        company_b = chosen["id"]
    else:
        vals = {"name": "Seed Company B", "currency_id": currency}
        if a["country_id"]:
            vals["country_id"] = a["country_id"][0]
        company_b = ek("res.company", "create", [vals])
    company_names["b"] = ek("res.company", "read", [[company_b], ["name"]])[0]["name"]
    # The administrator works in both.
    ek("res.users", "write", [[uid], {"company_ids": [(4, company_a), (4, company_b)]}])
website = ek("website", "search", [[["company_id", "=", company_a]]], {"limit": 1, "order": "id"}) or ek("website", "search", [[]], {"limit": 1})
website = website[0]

# ---------------------------------------------------------------- languages
fr = ek("res.lang", "search", [[["code", "=", "fr_FR"], ["active", "in", [True, False]]]])
french_active = bool(ek("res.lang", "search", [[["code", "=", "fr_FR"]]]))
if mode == "shop":
    if not french_active:
        wiz = ek("base.language.install", "create", [{"lang_ids": [(6, 0, fr)], "overwrite": False}])
        ek("base.language.install", "lang_install", [[wiz]])
    ek("website", "write", [[website], {"language_ids": [(4, fr[0])]}])
elif french_active:
    sys.exit("bare: French is installed in this database; it must not be")
french_installed = bool(ek("res.lang", "search", [[["code", "=", "fr_FR"]]]))

# ---------------------------------------------------------------- taxes
def tax_country(company):
    """The country of the company's taxes (required on a tax): its fiscal country, else its country."""
    c = ek("res.company", "read", [[company], ["account_fiscal_country_id", "country_id"]])[0]
    return m2o(c["account_fiscal_country_id"]) or m2o(c["country_id"])


def tax_group(company):
    """19: tax groups belong to a company, and a company without chart of accounts has none; the
    group's country must be the tax's (or none)."""
    if not has_field("account.tax.group", "company_id"):
        return None
    ctx = {"allowed_company_ids": [company]}
    found = ek("account.tax.group", "search", [[["company_id", "=", company], ["country_id", "in", [tax_country(company), False]]]],
               {"limit": 1, "order": "id"}, ctx)
    if found:
        return found[0]
    return ek("account.tax.group", "create", [{"name": "Seed taxes", "company_id": company}], ctx=ctx)


tax_details = {}


def tax(key, name, amount, included, company, extra=None):
    vals = {"name": name, "amount": amount, "amount_type": "percent", "type_tax_use": "sale",
            "company_id": company, "description": name.replace("Seed ", "")}
    if serie >= 18:
        vals["price_include_override"] = "tax_included" if included else "tax_excluded"
    else:
        vals["price_include"] = included
    group = tax_group(company)
    if group:
        vals["tax_group_id"] = group
    vals.update(extra or {})
    ctx = {"allowed_company_ids": [company]}
    found = ek("account.tax", "search", [[["name", "=", name], ["company_id", "=", company], ["type_tax_use", "=", "sale"]]],
               {"limit": 1}, {"active_test": False, **ctx})
    if found:
        upd = {k: v for k, v in vals.items() if k not in ("company_id", "tax_group_id")}
        upd["active"] = True
        ek("account.tax", "write", [found, upd], ctx=ctx)
        tid = found[0]
    else:
        tid = ek("account.tax", "create", [vals], ctx=ctx)
    tax_details[name] = {"id": tid, "key": key, "amount": amount, "price_include": included, "company_id": company}
    return tid


t20 = tax("a_20_included", "Seed VAT 20% included", 20, True, company_a)
t55 = tax("a_5_5_excluded", "Seed VAT 5.5% excluded", 5.5, False, company_a)
taxes = {"a_20_included": t20, "a_5_5_excluded": t55}
if mode == "shop":
    t2 = tax("a_2_excluded", "Seed eco fee 2% excluded", 2, False, company_a)
    t0 = tax("a_0_export", "Seed VAT 0% export", 0, False, company_a)
    tb10 = tax("b_10_excluded", "Seed B tax 10% excluded", 10, False, company_b)
    taxes.update({"a_2_excluded": t2, "a_0_export": t0, "b_10_excluded": tb10})

# ---------------------------------------------------------------- categories, units
def public_categ(name, parent=False):
    return upsert("product.public.category", [["name", "=", name]], {"name": name, "parent_id": parent})


c_bakery = public_categ("Seed Bakery")
c_bread = public_categ("Seed Bread", c_bakery)
c_pastry = public_categ("Seed Pastries", c_bakery)
c_grocery = public_categ("Seed Grocery")
c_odd = public_categ("Seed <b>odd</b> & \"quoted\" category 🥖") if mode == "shop" else c_grocery
try:
    root_categ = xmlid("product", "product_category_all")  # "All" (16); 19 has no root category
except LookupError:
    root_categ = False
p_categ_bakery = upsert("product.category", [["name", "=", "Seed Bakery goods"]], {"name": "Seed Bakery goods", "parent_id": root_categ})
p_categ_other = upsert("product.category", [["name", "=", "Seed Other goods"]], {"name": "Seed Other goods", "parent_id": root_categ})
unit = xmlid("uom", "product_uom_unit")
kg = xmlid("uom", "product_uom_kgm")

# ---------------------------------------------------------------- products
details = {}
by_name = {}


def product(name, price, taxes_ids, company, categs, uom=unit, extra=None, categ=None):
    vals = {"name": name, "list_price": price, "taxes_id": [(6, 0, taxes_ids)], "sale_ok": True,
            "is_published": True, "website_published": True, "public_categ_ids": [(6, 0, categs)],
            "company_id": company or False, "uom_id": uom, "active": True,
            "categ_id": categ or p_categ_other,
            "description_sale": "Made here. <b>Organic</b> & local \"stuff\"."}
    if serie < 19:
        vals["uom_po_id"] = uom
        vals["detailed_type"] = "consu"
    else:
        vals["type"] = "consu"
    if not has_field("product.template", "website_published"):
        vals.pop("website_published")
    vals.update(extra or {})
    ctx = {"allowed_company_ids": [company] if company else [company_a] + ([company_b] if company_b else [])}
    ctx.update(NO_MAIL)
    tid = upsert("product.template", [["name", "=", name]], vals, ctx=ctx,
                 update={k: v for k, v in vals.items() if k not in ("uom_id", "uom_po_id")})
    variant = ek("product.product", "search", [[["product_tmpl_id", "=", tid]]], {"limit": 1, "order": "id"}, {"active_test": False})
    details[tid] = {"name": name, "list_price": price, "company_id": company or None, "taxes": taxes_ids,
                    "uom": "kg" if uom == kg else "Units", "product_id": variant[0] if variant else None}
    by_name[name] = tid
    return tid


P = {k: [] for k in ("shared", "company_a", "company_b", "variants", "combo", "by_weight", "reference_price",
                     "zero_price", "hostile", "two_taxes", "included_tax", "excluded_tax", "storable")}


def add(tid, *kinds):
    for k in kinds:
        P[k].append(tid)
    return tid


if mode == "shop":
    # Shared by both companies, carrying taxes of both (Odoo keeps those of the order's company).
    add(product("Seed Shared Baguette", 1.30, [t55, tb10], None, [c_bread], categ=p_categ_bakery), "shared", "excluded_tax")
    add(product("Seed Shared Wine 75 cl", 12.00, [t20, tb10], None, [c_grocery]), "shared", "included_tax")
    # Company A only.
    croissant = add(product("Seed A Croissant", 1.20, [t55], company_a, [c_pastry], categ=p_categ_bakery), "company_a", "excluded_tax")
    add(product("Seed A Marseille Soap", 3.90, [t20], company_a, [c_grocery]), "company_a", "included_tax")
    jam = add(product("Seed A Apricot Jam (two taxes)", 4.50, [t55, t2], company_a, [c_grocery]), "company_a", "two_taxes", "excluded_tax")
    add(product("Seed A Free sample", 0.0, [t55], company_a, [c_grocery]), "company_a", "zero_price", "excluded_tax")
    add(product("Seed A Lentils (per kg)", 5.60, [t55], company_a, [c_grocery], uom=kg), "company_a", "by_weight", "excluded_tax")
    add(product("Seed A Sourdough bread (per kg)", 7.80, [t20], company_a, [c_bread], uom=kg, categ=p_categ_bakery), "company_a", "by_weight", "included_tax")
    liter = upsert("website.base.unit", [["name", "=", "Seed L"]], {"name": "Seed L"})
    oil = add(product("Seed A Olive oil 75 cl", 14.50, [t55], company_a, [c_grocery],
                      extra={"base_unit_count": 0.75, "base_unit_id": liter}), "company_a", "reference_price", "excluded_tax")
    # The template's inverse writes the variant only when it exists: not yet during create.
    ek("product.product", "write", [[details[oil]["product_id"]], {"base_unit_count": 0.75, "base_unit_id": liter}])
    brioche = add(product("Seed <script>alert('xss')</script> Brioche \"quoted\" & 'single'", 6.00, [t55], company_a, [c_pastry],
                          categ=p_categ_bakery), "company_a", "hostile", "excluded_tax")
    tart = add(product("Seed Tarte « maison » & crème 🍎🥐 <i>fraîche</i>", 18.00, [t20], company_a, [c_pastry, c_odd],
                       categ=p_categ_bakery), "company_a", "hostile", "included_tax")
    add(product("Seed Very long name " + "really " * 40 + "end", 2.00, [t55], company_a, [c_odd]), "company_a", "hostile", "excluded_tax")
    # Company B only.
    add(product("Seed B Cheese", 8.00, [tb10], company_b, [c_grocery]), "company_b", "excluded_tax")
    add(product("Seed B Cider", 4.00, [tb10], company_b, [c_grocery]), "company_b", "excluded_tax")
    # Must not be sold.
    archived = product("Seed Archived product", 9.00, [t55], company_a, [c_grocery], extra={"active": False})
    unpublished = product("Seed Unpublished product", 9.00, [t55], company_a, [c_grocery],
                          extra={"is_published": False, "website_published": False})
else:
    add(product("Seed Bare Baguette", 1.30, [t55], company_a, [c_bread]), "company_a", "excluded_tax")
    add(product("Seed Bare Soap", 3.90, [t20], company_a, [c_grocery]), "company_a", "included_tax")
    add(product("Seed Bare Lentils (per kg)", 5.60, [t55], company_a, [c_grocery], uom=kg), "company_a", "by_weight", "excluded_tax")
    archived = unpublished = None

# Variants with price extras (an attribute of 3 values).
variant_products = {}
if mode == "shop":
    attr = upsert("product.attribute", [["name", "=", "Seed Size"]],
                  {"name": "Seed Size", "create_variant": "always", "display_type": "radio"}, update={})
    values = {}
    for i, v in enumerate(("Small", "Medium", "Large <XL> & \"big\"")):
        values[v] = upsert("product.attribute.value", [["name", "=", v], ["attribute_id", "=", attr]],
                           {"name": v, "attribute_id": attr, "sequence": i}, update={})
    tshirt = add(product("Seed A Bakery T-shirt", 15.00, [t20], company_a, [c_grocery]), "company_a", "variants", "included_tax")
    if not ek("product.template.attribute.line", "search", [[["product_tmpl_id", "=", tshirt], ["attribute_id", "=", attr]]]):
        ek("product.template", "write", [[tshirt], {"attribute_line_ids": [
            (0, 0, {"attribute_id": attr, "value_ids": [(6, 0, list(values.values()))]})]}])
    extras = {"Small": 0.0, "Medium": 1.0, "Large <XL> & \"big\"": 2.5}
    ptavs = ek("product.template.attribute.value", "search_read",
               [[["product_tmpl_id", "=", tshirt], ["attribute_id", "=", attr]]], {"fields": ["name", "product_attribute_value_id"]})
    for ptav in ptavs:
        ek("product.template.attribute.value", "write", [[ptav["id"]], {"price_extra": extras[ptav["name"]]}])
    variant_products[tshirt] = []
    for p in ek("product.product", "search_read", [[["product_tmpl_id", "=", tshirt]]],
                {"fields": ["product_template_attribute_value_ids", "lst_price"], "order": "id"}):
        names = [v["name"] for v in ptavs if v["id"] in p["product_template_attribute_value_ids"]]
        variant_products[tshirt].append({"product_id": p["id"], "values": names,
                                         "price_extra": sum(extras[n] for n in names), "lst_price": p["lst_price"]})
    details[tshirt]["product_id"] = variant_products[tshirt][0]["product_id"]

# Packaging: 16 product.packaging on a product; 19 a unit "pack of 6" in the product's uom_ids.
packaging = None
if mode == "shop":
    if model_exists("product.packaging"):
        pack = upsert("product.packaging", [["name", "=", "Seed Box of 6"]],
                      {"name": "Seed Box of 6", "product_id": details[croissant]["product_id"], "qty": 6, "company_id": company_a,
                       **({"sales": True} if has_field("product.packaging", "sales") else {})})
        packaging = {"product_tmpl_id": croissant, "qty": 6, "model": "product.packaging", "id": pack}
    elif has_field("product.template", "uom_ids") and has_field("uom.uom", "relative_factor"):
        pack = upsert("uom.uom", [["name", "=", "Seed Pack of 6"]],
                      {"name": "Seed Pack of 6", "relative_factor": 6, "relative_uom_id": unit})
        ek("product.template", "write", [[croissant], {"uom_ids": [(4, pack)]}])
        packaging = {"product_tmpl_id": croissant, "qty": 6, "model": "uom.uom", "id": pack}

# Combo (18+): a breakfast of one pastry and one jar.
if mode == "shop":
    if model_exists("product.combo"):
        def combo(name, items):
            cid = ek("product.combo", "search", [[["name", "=", name]]])
            lines = [(0, 0, {"product_id": details[t]["product_id"], "extra_price": x}) for t, x in items]
            if cid:
                ek("product.combo", "write", [cid, {"combo_item_ids": [(5, 0, 0)] + lines}])
                return cid[0]
            return ek("product.combo", "create", [{"name": name, "company_id": company_a, "combo_item_ids": lines}])
        c1 = combo("Seed Combo pastry", [(croissant, 0.0), (brioche, 1.5), (tart, 4.0)])
        c2 = combo("Seed Combo jar", [(jam, 0.0)])
        add(product("Seed A Breakfast combo", 5.00, [t55], company_a, [c_pastry],
                    extra={"type": "combo", "combo_ids": [(6, 0, [c1, c2])]}), "company_a", "combo", "excluded_tax")
    else:
        notes.append(f"{serie}: no product.combo model (combo products are 18+)")

# ---------------------------------------------------------------- stock
# A storable product of company A with 3 units free to use in A's warehouse (stock, sale_stock).
# Storable: 16-17 detailed_type 'product'; 18+ type 'consu' with is_storable. The quantities of a
# warehouse: product.product free_qty (on hand - reserved) with the warehouse in the context, key
# 'warehouse' (16-17) or 'warehouse_id' (18+). On hand is set in inventory mode through
# inventory_quantity_auto_apply (the editable "On Hand Quantity" of the inventory list); stock.quant
# action_apply_inventory does the same but returns None, which XML-RPC cannot marshal.
stock = None
if mode == "shop" and model_exists("stock.warehouse"):
    ctx_a = {"allowed_company_ids": [company_a]}
    wh = ek("stock.warehouse", "search_read", [[["company_id", "=", company_a]]],
            {"fields": ["name", "lot_stock_id", "view_location_id"], "limit": 1, "order": "id"}, ctx_a)[0]
    storable_field = "is_storable" if has_field("product.template", "is_storable") else "detailed_type"
    storable_vals = {"is_storable": True} if storable_field == "is_storable" else {"detailed_type": "product"}
    stocked = add(product("Seed Stocked Jam", 3.20, [t55], company_a, [c_grocery], extra=storable_vals), "storable")
    stocked_product = details[stocked]["product_id"]
    wh_key = "warehouse_id" if serie >= 18 else "warehouse"
    qty_ctx = {**ctx_a, wh_key: wh["id"]}
    q = ek("product.product", "read", [[stocked_product], ["qty_available", "free_qty"]], ctx=qty_ctx)[0]
    if q["free_qty"] != 3:
        # On hand = 3 + what is reserved, so that 3 are free.
        target = 3 + (q["qty_available"] - q["free_qty"])
        ek("stock.quant", "create", [{"product_id": stocked_product, "location_id": wh["lot_stock_id"][0],
                                      "inventory_quantity_auto_apply": target}], ctx={**ctx_a, "inventory_mode": True})
        q = ek("product.product", "read", [[stocked_product], ["qty_available", "free_qty"]], ctx=qty_ctx)[0]
    if q["free_qty"] != 3:
        sys.exit(f"Seed Stocked Jam: {q['free_qty']} free in {wh['name']}, not 3")
    stock = {"company_id": company_a, "warehouse_id": wh["id"], "warehouse_name": wh["name"],
             "view_location_id": wh["view_location_id"][0], "lot_stock_id": wh["lot_stock_id"][0],
             "warehouse_context_key": wh_key,
             "storable_field": storable_field, "product_tmpl_id": stocked, "product_id": stocked_product,
             "free_qty": q["free_qty"]}

# ---------------------------------------------------------------- pricelists
pricelists = {k: None for k in ("fixed", "percentage", "formula", "based_on_other", "quantity_and_dates", "without_discount",
                                 "other_currency", "default")}
other_currency = None
rules_text = {}
now = datetime.datetime.utcnow().replace(microsecond=0)


def pricelist(key, name, items, text, extra=None):
    # Company A's: rules on A's products need it (16 checks the rule's company against the product's).
    vals = {"name": name, "currency_id": currency, "company_id": company_a, "active": True, "selectable": True}
    if has_field("product.pricelist", "discount_policy"):
        vals["discount_policy"] = "with_discount"
    vals.update(extra or {})
    if not has_field("product.pricelist", "selectable"):
        vals.pop("selectable")
    pid = upsert("product.pricelist", [["name", "=", name]], vals, ctx=admin_ctx_a)
    ek("product.pricelist", "write", [[pid], {"item_ids": [(5, 0, 0)] + [(0, 0, i) for i in items]}])
    pricelists[key] = pid
    rules_text[key] = text
    return pid


if mode == "shop":
    shirt_large = [v["product_id"] for v in variant_products[tshirt] if v["price_extra"] == 2.5][0]
    pricelist("fixed", "Seed Fixed prices", [
        {"applied_on": "1_product", "product_tmpl_id": croissant, "compute_price": "fixed", "fixed_price": 0.99},
        {"applied_on": "0_product_variant", "product_id": shirt_large, "product_tmpl_id": tshirt,
         "compute_price": "fixed", "fixed_price": 12.00},
    ], ["template Seed A Croissant: fixed 0.99", "variant Large of Seed A Bakery T-shirt: fixed 12.00"])
    pricelist("percentage", "Seed Percentage", [
        {"applied_on": "2_product_category", "categ_id": p_categ_bakery, "compute_price": "percentage", "percent_price": 15},
        {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 10},
    ], ["category Seed Bakery goods: -15 %", "global: -10 %"])
    pricelist("formula", "Seed Formula", [
        {"applied_on": "1_product", "product_tmpl_id": tart, "compute_price": "formula", "base": "list_price",
         "price_discount": 10, "price_surcharge": 0.5, "price_round": 0.1},
        {"applied_on": "2_product_category", "categ_id": p_categ_bakery, "compute_price": "formula", "base": "list_price",
         "price_discount": 50, "price_min_margin": 1.0, "price_max_margin": 5.0},
        {"applied_on": "3_global", "compute_price": "formula", "base": "list_price",
         "price_discount": 20, "price_round": 0.05, "price_surcharge": -0.01},
    ], ["template Seed Tarte: list price -10 %, rounded to 0.10, +0.50",
        "category Seed Bakery goods: list price -50 %, margin over list price between 1.00 and 5.00 (min/max margin)",
        "global: list price -20 %, rounded to 0.05, -0.01"])
    pricelist("based_on_other", "Seed Based on Percentage", [
        {"applied_on": "3_global", "compute_price": "formula", "base": "pricelist",
         "base_pricelist_id": pricelists["percentage"], "price_discount": 5},
    ], ["global: the price of Seed Percentage -5 %"])
    pricelist("quantity_and_dates", "Seed Quantity and dates", [
        {"applied_on": "1_product", "product_tmpl_id": jam, "compute_price": "percentage", "percent_price": 25, "min_quantity": 6},
        {"applied_on": "1_product", "product_tmpl_id": croissant, "compute_price": "fixed", "fixed_price": 0.50,
         "date_start": fmt(now - datetime.timedelta(days=30)), "date_end": fmt(now - datetime.timedelta(days=1))},
        {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 30,
         "date_start": fmt(now - datetime.timedelta(days=1)), "date_end": fmt(now + datetime.timedelta(days=30))},
    ], ["template Seed A Apricot Jam, from 6 units: -25 %",
        "template Seed A Croissant: fixed 0.50 from 30 days ago to yesterday (expired, must not apply)",
        "global: -30 % from yesterday to 30 days from now (dated, applies)"])
    if has_field("product.pricelist", "discount_policy"):
        pricelist("without_discount", "Seed Without discount (shows the discount)", [
            {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 10},
        ], ["global: -10 %, discount_policy without_discount (the line shows list price and a 10 % discount)"],
            extra={"discount_policy": "without_discount"})
    else:
        notes.append(f"{serie}: product.pricelist has no discount_policy (gone in 17)")
    # A pricelist in another currency: Odoo converts the sales price at the company's own rate of the
    # day or before (10 days ago here), which wins over a newer rate of no company (yesterday's).
    other_name = "USD" if currency_name != "USD" else "EUR"
    other = ek("res.currency", "search", [[["name", "=", other_name], ["active", "in", [True, False]]]])[0]
    ek("res.currency", "write", [[other], {"active": True}])
    for days, value, rate_company in ((10, 1.0837, company_a), (1, 1.5, False)):
        day = (now - datetime.timedelta(days=days)).strftime("%Y-%m-%d")
        upsert("res.currency.rate", [["currency_id", "=", other], ["name", "=", day], ["company_id", "=", rate_company]],
               {"currency_id": other, "name": day, "rate": value, "company_id": rate_company})
    other_currency = {"id": other, "name": other_name, "rate": 1.0837}
    pricelist("other_currency", f"Seed Other currency ({other_name})", [
        {"applied_on": "3_global", "compute_price": "formula", "base": "list_price", "price_discount": 10,
         "price_round": 0.05},
    ], [f"in {other_name}: global: the sales price converted at the company's rate 1.0837, -10 %, rounded to 0.05"],
        extra={"currency_id": other})
else:
    # bare: no usable pricelist. 19: the feature off archived them all. 16: sale.order.pricelist_id is
    # required, so the default public pricelist stays, without any rule; every other one is archived.
    if serie < 17:
        keep = xmlid("product", "list0")
        others = ek("product.pricelist", "search", [[["id", "!=", keep]]])
        if others:
            ek("product.pricelist", "write", [others, {"active": False}])
        ek("product.pricelist", "write", [[keep], {"item_ids": [(5, 0, 0)], "active": True}])
        pricelists["default"] = keep
        notes.append("16: sale.order.pricelist_id is required, so bare keeps the default public pricelist "
                     f"(id {keep}) with no rule; every other pricelist is archived and the pricelist feature is off")
    else:
        left = ek("product.pricelist", "search", [[]])
        if left:
            ek("product.pricelist", "write", [left, {"active": False}])
        notes.append(f"{serie}: the pricelist feature is off and every pricelist archived")

# ---------------------------------------------------------------- fiscal position
fiscal_position = None
fp_mapping = None
if mode == "shop":
    name = "Seed Export (20% included to 0% excluded)"
    ctx = {"allowed_company_ids": [company_a]}
    fiscal_position = upsert("account.fiscal.position", [["name", "=", name], ["company_id", "=", company_a]],
                             {"name": name, "company_id": company_a, "auto_apply": False}, ctx=ctx, update={})
    if model_exists("account.fiscal.position.tax"):
        # 16-18: mapping lines tax_src_id -> tax_dest_id.
        ek("account.fiscal.position", "write", [[fiscal_position], {"tax_ids": [(5, 0, 0), (0, 0, {"tax_src_id": t20, "tax_dest_id": t0})]}], ctx=ctx)
    else:
        # 19: the fiscal position lists its taxes (tax_ids); a destination tax names the taxes it
        # replaces (original_tax_ids). Taxes that nothing replaces are kept. A fiscal position
        # without any tax removes every tax.
        ek("account.tax", "write", [[t0], {"fiscal_position_ids": [(6, 0, [fiscal_position])], "original_tax_ids": [(6, 0, [t20])]}], ctx=ctx)
    fp_mapping = {"from": t20, "to": t0}

# An automatic fiscal position (auto_apply) for customers in Belgium, mapping like the export one:
# Odoo gives it to a new quotation of a Belgian customer by itself.
automatic_fiscal_position = None
if mode == "shop":
    name = "Seed Belgium (automatic, 20% included to 0% excluded)"
    ctx = {"allowed_company_ids": [company_a]}
    automatic_fiscal_position = upsert(
        "account.fiscal.position", [["name", "=", name], ["company_id", "=", company_a]],
        {"name": name, "company_id": company_a, "auto_apply": True, "country_id": xmlid("base", "be"), "sequence": 5},
        ctx=ctx, update={})
    if model_exists("account.fiscal.position.tax"):
        ek("account.fiscal.position", "write",
           [[automatic_fiscal_position], {"tax_ids": [(5, 0, 0), (0, 0, {"tax_src_id": t20, "tax_dest_id": t0})]}], ctx=ctx)
    else:
        ek("account.tax", "write", [[t0], {"fiscal_position_ids": [(6, 0, [fiscal_position, automatic_fiscal_position])]}],
           ctx=ctx)

# ---------------------------------------------------------------- users
groups_field = "group_ids" if has_field("res.users", "group_ids") else "groups_id"


def group_ids(*xmlids):
    out = []
    for x in xmlids:
        module, name = x.split(".")
        try:
            out.append(xmlid(module, name))
        except LookupError:
            pass
    return out


tech_login, tech_password = "storefront@example.com", "storefront-password"
tech_companies = [company_a] + ([company_b] if company_b else [])
tech_partner = upsert("res.partner", [["email", "=", tech_login]],
                      {"name": "Seed Storefront (technical user)", "email": tech_login, "company_id": False}, ctx=NO_MAIL)
tech_vals = {"name": "Seed Storefront (technical user)", "login": tech_login, "password": tech_password,
             "partner_id": tech_partner, "company_id": company_a, "company_ids": [(6, 0, tech_companies)],
             groups_field: [(6, 0, group_ids("base.group_user", "sales_team.group_sale_manager", "base.group_partner_manager",
                                             "base.group_multi_company"))],
             "active": True}
tech_user = upsert("res.users", [["login", "=", tech_login]], tech_vals, ctx=NO_MAIL)

customers = []


def customer(key, name, email, password, lang, pricelist_id, fpos, company, country=None):
    ctx = {"allowed_company_ids": [company], **NO_MAIL}
    partner = upsert("res.partner", [["email", "=", email]],
                     {"name": name, "email": email, "lang": lang, "company_id": company if company != company_a else False,
                      "street": "12 rue des <Fours> & \"Pains\"", "city": "Lyon", "zip": "69001",
                      "country_id": country or False}, ctx=ctx)
    pvals = {"property_product_pricelist": pricelist_id or False, "property_account_position_id": fpos or False}
    if pricelist_id or mode == "shop":
        ek("res.partner", "write", [[partner], pvals], ctx=ctx)
    else:
        ek("res.partner", "write", [[partner], {"property_account_position_id": False}], ctx=ctx)
    portal = xmlid("base", "group_portal")
    user = upsert("res.users", [["login", "=", email]],
                  {"login": email, "password": password, "partner_id": partner, "company_id": company,
                   "company_ids": [(6, 0, [company])], groups_field: [(6, 0, [portal])], "active": True}, ctx=ctx)
    read = ek("res.partner", "read", [[partner], ["property_product_pricelist", "property_account_position_id"]], ctx=ctx)[0]
    share = ek("res.users", "read", [[user], ["share"]])[0]["share"]
    assert share, f"{email} is not a portal (share) user"
    customers.append({"key": key, "login": email, "password": password, "name": name, "email": email, "lang": lang,
                      "user_id": user, "partner_id": partner, "pricelist_id": pricelist_id,
                      "effective_pricelist_id": m2o(read["property_product_pricelist"]),
                      "fiscal_position_id": m2o(read["property_account_position_id"]), "company_id": company})


if mode == "shop":
    customer("french", "Seed Camille Adhérente", "camille@example.com", "camille-secret-1", "fr_FR",
             pricelists["percentage"], None, company_a)
    customer("english", "Seed Alex <b>Pro</b> \"Ltd\"", "alex@example.com", "alex-secret-1", "en_US",
             pricelists["formula"], None, company_a)
    customer("fiscal_position", "Seed Export Customer", "export@example.com", "export-secret-1", "en_US",
             pricelists["fixed"], fiscal_position, company_a)
    customer("automatic", "Seed Béa Bruxelloise", "bea@example.com", "bea-secret-1", "fr_FR",
             pricelists["percentage"], None, company_a, country=xmlid("base", "be"))
    customer("dated", "Seed Dana Dated", "dana@example.com", "dana-secret-1", "en_US",
             pricelists["quantity_and_dates"], None, company_a)
    customer("based_on_other", "Seed Olga Other", "olga@example.com", "olga-secret-1", "en_US",
             pricelists["based_on_other"], None, company_a)
    if pricelists["without_discount"]:
        customer("without_discount", "Seed Wes Without", "wes@example.com", "wes-secret-1", "en_US",
                 pricelists["without_discount"], None, company_a)
    customer("other_currency", f"Seed Connie Currency ({other_currency['name']})", "connie@example.com",
             "connie-secret-1", "en_US", pricelists["other_currency"], None, company_a)
    customer("company_b", "Seed Bruno Company B", "bruno@example.com", "bruno-secret-1", "en_US",
             None, None, company_b)
else:
    customer("no_pricelist", "Seed Bare Customer", "bare@example.com", "bare-secret-1", "en_US", None, None, company_a)

# ---------------------------------------------------------------- pickup slots
pickup_type = upsert("calendar.event.type", [["name", "=", "Pickup"]], {"name": "Pickup"})
slots = []
today = now.replace(hour=0, minute=0, second=0)


def slot(key, name, day, hour, hours, capacity, attendees=(), location="Shop, 12 rue des Fours"):
    start = today + datetime.timedelta(days=day, hours=hour)
    stop = start + datetime.timedelta(hours=hours)
    vals = {"name": name, "start": fmt(start), "stop": fmt(stop), "allday": False, "location": location,
            "categ_ids": [(6, 0, [pickup_type])], "privacy": "public", "show_as": "free",
            "description": f"Capacity: {capacity}", "partner_ids": [(6, 0, list(attendees))]}
    ctx = {"no_mail_to_attendees": True, **NO_MAIL}
    sid = upsert("calendar.event", [["name", "=", name], ["categ_ids", "in", [pickup_type]]], vals, ctx=ctx)
    slots.append({"key": key, "id": sid, "name": name, "start": fmt(start), "stop": fmt(stop), "capacity": capacity,
                  "attendee_partner_ids": list(attendees), "past": start < now, "full": len(attendees) >= capacity})


if mode == "shop":
    slot("tomorrow", "Seed pickup: shop, tomorrow", 1, 15, 3, 3)
    slot("market", "Seed pickup: market hall", 2, 8, 4, 5, location="Market hall")
    slot("hostile", "Seed pickup: <b>late</b> & \"quoted\" 'evening' 🌙", 3, 17, 2, 4)
    full_attendees = [c["partner_id"] for c in customers[:2]]
    slot("full", "Seed pickup: full", 4, 9, 2, 2, attendees=full_attendees)
    slot("next_week", "Seed pickup: next week", 9, 10, 3, 3)
    slot("last", "Seed pickup: in 13 days", 13, 14, 2, 3)
    slot("past", "Seed pickup: past", -2, 15, 3, 3)
else:
    slot("tomorrow", "Seed pickup: bare, tomorrow", 1, 15, 3, 3)

# ---------------------------------------------------------------- translations
translated = {}
if mode == "shop" and french_installed:
    fr_names = {by_name["Seed Shared Baguette"]: ("Seed Shared Baguette", "Seed Baguette partagée"),
                croissant: ("Seed A Croissant", "Seed Croissant pur beurre (A)"),
                tshirt: ("Seed A Bakery T-shirt", "Seed T-shirt de la boulangerie")}
    for tid, (en, frn) in fr_names.items():
        ek("product.template", "write", [[tid], {"name": en}], ctx={"lang": "en_US"})
        ek("product.template", "write", [[tid], {"name": frn}], ctx={"lang": "fr_FR"})
        translated[tid] = {"en_US": en, "fr_FR": frn}
    ek("product.public.category", "write", [[c_bakery], {"name": "Seed Boulangerie"}], ctx={"lang": "fr_FR"})
    ek("product.attribute.value", "write", [[values["Medium"]], {"name": "Moyen"}], ctx={"lang": "fr_FR"})

# ---------------------------------------------------------------- manifest
P["translated"] = translated
P["variant_products"] = variant_products
P["packaging"] = packaging
P["archived"] = archived
P["unpublished"] = unpublished
P["by_name"] = by_name
P["details"] = details
tech = ek("res.users", "read", [[tech_user], ["partner_id", "company_id", "company_ids"]])[0]
manifest = {
    "series": version["server_serie"], "serie": serie, "server_version": version["server_version"],
    "db": db, "mode": mode, "url": url,
    "currency": {"id": currency, "name": currency_name},
    "other_currency": other_currency,
    "companies": {"a": company_a, "b": company_b}, "company_names": company_names,
    "website_id": website, "french_installed": french_installed, "pricelist_feature": pricelist_feature,
    "technical_user": {"login": tech_login, "password": tech_password, "user_id": tech_user,
                       "partner_id": m2o(tech["partner_id"]), "company_id": m2o(tech["company_id"]),
                       "company_ids": tech["company_ids"]},
    "customers": customers,
    "taxes": taxes,
    "tax_details": tax_details,
    "products": P,
    "pricelists": pricelists,
    "pricelist_rules": rules_text,
    "fiscal_position": fiscal_position, "fiscal_position_mapping": fp_mapping,
    "automatic_fiscal_position": automatic_fiscal_position,
    "pickup_category": "Pickup", "pickup_category_id": pickup_type,
    "stock": stock,
    "slots": slots,
    "notes": notes,
}
text = json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True)
if manifest_path:
    with open(manifest_path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    import os
    os.replace(manifest_path + ".tmp", manifest_path)
    print(f"seeded {db} ({mode}) on Odoo {version['server_version']}: {len(details)} products, "
          f"{sum(1 for v in pricelists.values() if v)} pricelists, {len(customers)} customers, {len(slots)} slots; "
          f"manifest {manifest_path}")
else:
    print(text)
