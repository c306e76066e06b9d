#!/usr/bin/env python3
"""Record pricing-parity files from a running real Odoo (tests/real-odoo/up.sh), in the format of
shared/odoo-wire/<series>/pricing-parity.json, covering what the shared recordings lack.

Usage: record_parity.py ENV_FILE OUT_DIR
    ENV_FILE: <cache>/<series>.env written by up.sh (ODOO_URL, ODOO_DB, ODOO_ADMIN_USER,
              ODOO_ADMIN_PASSWORD, REAL_ODOO_MANIFEST).
    OUT_DIR:  where the files go (created); connector/tests/pricing_parity.rs reads every *.json
              of it when PARITY_DIR names it, and of OUT_DIR/currency/: pricelists in another
              currency.

Python's standard library only (xmlrpc.client), as the database's administrator, in the shop's
company (`companies.a` of the manifest). Each file is one combination of settings, recorded in the
file (`group_discount_per_so_line`, `tax_calculation_rounding_method`, `product_price_digits`,
`discount_digits`, all read back from Odoo, not assumed); its cases are priced by Odoo on draft
sale orders (one per pricelist, one line per product and quantity, only `product_id` and
`product_uom_qty` given, no fiscal position) whose lines' `price_unit`, `discount`,
`price_subtotal`, `price_tax`, `price_total` are read back. Files (SERIES e.g. 19.0):

    SERIES-taxes-discounts-on-ROUNDING.json      the settings the seed leaves (discounts on; the
                                                 company's rounding: 16 per line, 19 globally)
    SERIES-taxes-discounts-off-ROUNDING.json     the "Discounts" setting off
    SERIES-taxes-discounts-on-OTHER.json         the other tax rounding method
    SERIES-price-digits-3.json, -4.json          decimal.precision "Product Price" 3 and 4
    currency/SERIES-currency-NAME.json           pricelists in another currency (USD on 16,
                                                 EUR on 19: not the company's), a rate on the day

Beyond the keys pricing_parity.rs reads, each case has `tax_ids` (the line's taxes) and
`currency_id` (the order's); the taxes files have `orders` (each order's lines and its
amount_untaxed / amount_tax / amount_total: what round_globally changes); the currency file has
`currencies` (rate on the day), `currency_rates` and `company_currency_id`, its `currency` being
the company's (that of the products' prices) and its cases' amounts in the pricelist's currency.

Records (all named "Parity2 ...", company A): taxes (percent, fixed, division, a group and its
children, included and excluded, include_base_amount / is_base_affected, sequences), products
(one template per tax setup and list price; unpublished), pricelists (list price, percentage,
formula; 16: without_discount too), a customer without fiscal position. Idempotent: looked up by
name (archived ones too), reactivated and rewritten at the start; at the end the draft orders are
deleted, the pricelists emptied of rules and archived, the products (also sale_ok off), taxes and
customer archived, so that the shop's catalog, pricelists and taxes are those of the seed. Only its
two product categories ("Parity2 goods" and its child "Parity2 special") stay: product.category
cannot be archived.

Every global setting changed (the discount group, 16's pricelists' discount_policy that turning it
off rewrites, the company's tax rounding method, the "Product Price" digits, the other currency's
active flag and rate, and what toggling a currency does: base.group_multi_currency, and on 19 the
archiving of that currency's pricelists) is saved first in the database (ir.config_parameter
`parity2.saved_settings`, with the run's host and pid) and restored in a `finally` (on SIGTERM,
SIGHUP, SIGINT too, once the call to Odoo under way is answered), then read back and checked: exit
status 1 when something could not be restored. A run
that died before restoring (SIGKILL) is repaired by the next run from that parameter. One run at a
time per server (a lock file `.record_parity-*.lock` beside ENV_FILE): a second one waits.
Runtime on this machine (2 cores): about 1 min per series (2.5 min the first time: creating the
92 products).
"""
import datetime
import fcntl
import glob
import json
import os
import shlex
import signal
import socket
import sys
import time
import xmlrpc.client

if len(sys.argv) != 3:
    sys.exit(__doc__.split("\n\n")[1])
env_path, out_dir = sys.argv[1:3]
started = time.time()


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                key, value = line[len("export "):].split("=", 1)
                parts = shlex.split(value)
                env[key] = parts[0] if parts else ""
    return env


ENV = read_env(env_path)
url, db = ENV["ODOO_URL"], ENV["ODOO_DB"]
login, pw = ENV.get("ODOO_ADMIN_USER", "admin"), ENV.get("ODOO_ADMIN_PASSWORD", "admin")
with open(ENV["REAL_ODOO_MANIFEST"], encoding="utf-8") as f:
    manifest = json.load(f)

common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common", allow_none=True)
version = common.version()
server_serie = str(version["server_serie"])
uid = common.authenticate(db, login, pw, {})
if not uid:
    sys.exit(f"cannot log in to {db} as {login}")
obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

company_a = manifest["companies"]["a"]
CTX = {"allowed_company_ids": [company_a], "tracking_disable": True, "mail_create_nolog": True,
       "mail_notrack": True, "mail_create_nosubscribe": True}
PREFIX = "Parity2"
PARAM = "parity2.saved_settings"
RECORDER = "tests/real-odoo/record_parity.py"


def log(msg):
    print(f"[{server_serie} +{time.time() - started:.0f}s] {msg}", flush=True)


STOP = []          # signals received: the run stops at its next call to Odoo (not in the middle of one)
CLEANING = [False]  # ... unless it is already cleaning up


def on_signal(signum, frame):
    STOP.append(signum)


def ek(model, method, args, kw=None, ctx=None):
    if STOP and not CLEANING[0]:
        raise SystemExit(128 + STOP[0])
    kw = dict(kw or {})
    kw["context"] = {**CTX, **kw.get("context", {}), **(ctx or {})}
    return obj.execute_kw(db, uid, pw, model, method, args, kw)


_fields = {}


def fields_of(model):
    if model not in _fields:
        _fields[model] = ek(model, "fields_get", [], {"attributes": ["type"]})
    return _fields[model]


def has_field(model, name):
    return name in fields_of(model)


def xmlid(module, name):
    found = ek("ir.model.data", "search_read", [[["module", "=", module], ["name", "=", name]]], {"fields": ["res_id"]})
    if not found:
        raise LookupError(f"{module}.{name}")
    return found[0]["res_id"]


def xmlid_or_none(module, name):
    try:
        return xmlid(module, name)
    except LookupError:
        return None


def upsert(model, domain, vals, ctx=None):
    found = ek(model, "search", [domain], {"limit": 1, "order": "id"}, {"active_test": False, **(ctx or {})})
    if found:
        ek(model, "write", [found[:1], vals], ctx={"active_test": False, **(ctx or {})})
        return found[0]
    return ek(model, "create", [vals], ctx=ctx)


def m2o(value):
    return value[0] if value else None


# ---------------------------------------------------------------- settings: read, change, restore
# "Discounts": product.group_discount_per_so_line (16; 17 too), sale.group_discount_per_so_line (19).
DISCOUNT_GROUP = next(x for x in ("sale.group_discount_per_so_line", "product.group_discount_per_so_line")
                      if xmlid_or_none(*x.split(".")))
PRICE_PRECISION = xmlid("product", "decimal_price")          # decimal.precision "Product Price"
DISCOUNT_PRECISION = xmlid_or_none("product", "decimal_discount")
if DISCOUNT_PRECISION is None:
    DISCOUNT_PRECISION = ek("decimal.precision", "search", [[["name", "=", "Discount"]]])[0]
HAS_POLICY = has_field("product.pricelist", "discount_policy")      # 16 only
OTHER_CURRENCY = "USD" if manifest["currency"]["name"] != "USD" else "EUR"


def discount_enabled():
    """The group is on when base.group_user implies it (what the settings wizard sets)."""
    implied = ek("res.groups", "read", [[xmlid("base", "group_user")], ["implied_ids"]])[0]["implied_ids"]
    return xmlid(*DISCOUNT_GROUP.split(".")) in implied


def set_discount(enabled):
    """As an administrator does: Settings > Sales > Discounts, saved (res.config.settings)."""
    wiz = ek("res.config.settings", "create", [{"group_discount_per_so_line": enabled}])
    ek("res.config.settings", "execute", [[wiz]])
    if discount_enabled() != enabled:
        raise RuntimeError(f"{DISCOUNT_GROUP} is still {not enabled} after saving the settings")


def rounding_method():
    return ek("res.company", "read", [[company_a], ["tax_calculation_rounding_method"]])[0]["tax_calculation_rounding_method"]


def digits(precision_id):
    return ek("decimal.precision", "read", [[precision_id], ["digits"]])[0]["digits"]


def currency_state(name):
    cur = ek("res.currency", "search_read", [[["name", "=", name], ["active", "in", [True, False]]]],
             {"fields": ["active"]})[0]
    rates = ek("res.currency.rate", "search_read",
               [[["currency_id", "=", cur["id"]], ["company_id", "=", company_a], ["name", "=", today()]]],
               {"fields": ["rate"]})
    # Archiving a currency archives its pricelists (19); (de)activating one toggles the group
    # base.group_multi_currency (implied by base.group_user, and on 16 given to / taken from its users).
    pricelists = ek("product.pricelist", "search_read", [[["currency_id", "=", cur["id"]], ["active", "in", [True, False]],
                                                          ["name", "not like", f"{PREFIX} %"]]], {"fields": ["active"]})
    group = xmlid("base", "group_multi_currency")
    users_field = "user_ids" if has_field("res.groups", "user_ids") else "users"
    users = ek("res.groups", "read", [[group], [users_field]])[0][users_field]
    implied = group in ek("res.groups", "read", [[xmlid("base", "group_user")], ["implied_ids"]])[0]["implied_ids"]
    return {"id": cur["id"], "name": name, "active": cur["active"], "today": today(),
            "rate_today": rates[0]["rate"] if rates else None,
            "pricelists": {str(p["id"]): p["active"] for p in pricelists},
            "multi_currency": {"group": group, "users_field": users_field, "users": sorted(users), "implied": implied}}


def today():
    return datetime.datetime.utcnow().strftime("%Y-%m-%d")


def snapshot():
    snap = {"discount": discount_enabled(), "rounding": rounding_method(),
            "price_digits": digits(PRICE_PRECISION), "discount_digits": digits(DISCOUNT_PRECISION),
            "currency": currency_state(OTHER_CURRENCY), "policies": {}}
    if HAS_POLICY:
        # Ours (PREFIX) are rewritten by each run and archived: not settings to restore.
        for p in ek("product.pricelist", "search_read", [[["active", "in", [True, False]],
                                                          ["name", "not like", f"{PREFIX} %"]]],
                    {"fields": ["discount_policy"]}):
            snap["policies"][str(p["id"])] = p["discount_policy"]
    return snap


def restore(snap):
    """Puts every saved setting back; tries each one, raises the first failure at the end."""
    errors = []

    def attempt(what, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every setting gets its chance
            errors.append(f"{what}: {e}")

    if discount_enabled() != snap["discount"]:
        attempt("discount group", lambda: set_discount(snap["discount"]))
    if snap["policies"]:
        attempt("discount_policy", lambda: restore_policies(snap))
    if rounding_method() != snap["rounding"]:
        attempt("rounding", lambda: ek("res.company", "write", [[company_a], {"tax_calculation_rounding_method": snap["rounding"]}]))
    if digits(PRICE_PRECISION) != snap["price_digits"]:
        attempt("Product Price", lambda: ek("decimal.precision", "write", [[PRICE_PRECISION], {"digits": snap["price_digits"]}]))
    if digits(DISCOUNT_PRECISION) != snap["discount_digits"]:
        attempt("Discount", lambda: ek("decimal.precision", "write", [[DISCOUNT_PRECISION], {"digits": snap["discount_digits"]}]))
    cur = snap["currency"]

    def restore_rate():
        rates = ek("res.currency.rate", "search",
                   [[["currency_id", "=", cur["id"]], ["company_id", "=", company_a], ["name", "=", cur["today"]]]])
        if cur["rate_today"] is None:
            if rates:
                ek("res.currency.rate", "unlink", [rates])
        elif rates:
            ek("res.currency.rate", "write", [rates, {"rate": cur["rate_today"]}])
        else:
            ek("res.currency.rate", "create", [{"currency_id": cur["id"], "company_id": company_a,
                                                "name": cur["today"], "rate": cur["rate_today"]}])
    attempt("currency rate", restore_rate)
    now_active = ek("res.currency", "read", [[cur["id"]], ["active"]], ctx={"active_test": False})[0]["active"]
    if now_active != cur["active"]:
        attempt("currency active", lambda: ek("res.currency", "write", [[cur["id"]], {"active": cur["active"]}]))

    def restore_currency_pricelists():
        for active in (True, False):
            ids = [int(pid) for pid, a in cur["pricelists"].items() if a == active]
            if ids:
                ids = ek("product.pricelist", "search", [[["id", "in", ids], ["active", "=", not active]]],
                         ctx={"active_test": False})
            if ids:
                ek("product.pricelist", "write", [ids, {"active": active}])
    attempt("pricelists of the currency", restore_currency_pricelists)

    def restore_multi_currency():
        mc = cur["multi_currency"]
        user_group = xmlid("base", "group_user")
        implied = mc["group"] in ek("res.groups", "read", [[user_group], ["implied_ids"]])[0]["implied_ids"]
        if implied != mc["implied"]:
            ek("res.groups", "write", [[user_group], {"implied_ids": [(4 if mc["implied"] else 3, mc["group"])]}])
        users = ek("res.groups", "read", [[mc["group"]], [mc["users_field"]]])[0][mc["users_field"]]
        if sorted(users) != mc["users"]:
            ek("res.groups", "write", [[mc["group"]], {mc["users_field"]: [(6, 0, mc["users"])]}])
    attempt("multi-currency group", restore_multi_currency)
    after = snapshot_check(snap)
    if after:
        errors.append("still different after restoring: " + "; ".join(after))
    if errors:
        raise RuntimeError("could not restore every setting: " + " | ".join(errors))


def restore_policies(snap):
    """16: the discount_policy of the pricelists (saving the settings with discounts off rewrites them)."""
    for pid, policy in snap["policies"].items():
        cur = ek("product.pricelist", "search_read", [[["id", "=", int(pid)], ["active", "in", [True, False]]]],
                 {"fields": ["discount_policy"]})
        if cur and cur[0]["discount_policy"] != policy:
            ek("product.pricelist", "write", [[int(pid)], {"discount_policy": policy}])


def snapshot_check(snap):
    """What differs from the saved settings, read back."""
    now = snapshot()
    diffs = []
    for key in ("discount", "rounding", "price_digits", "discount_digits"):
        if now[key] != snap[key]:
            diffs.append(f"{key}: {now[key]!r} instead of {snap[key]!r}")
    if now["currency"]["active"] != snap["currency"]["active"]:
        diffs.append(f"{OTHER_CURRENCY} active: {now['currency']['active']}")
    if now["currency"]["today"] == snap["currency"]["today"] and now["currency"]["rate_today"] != snap["currency"]["rate_today"]:
        diffs.append(f"{OTHER_CURRENCY} rate today: {now['currency']['rate_today']} instead of {snap['currency']['rate_today']}")
    for pid, active in snap["currency"]["pricelists"].items():
        if now["currency"]["pricelists"].get(pid, active) != active:
            diffs.append(f"pricelist {pid} active: {not active} instead of {active}")
    for key in ("implied", "users"):
        if now["currency"]["multi_currency"][key] != snap["currency"]["multi_currency"][key]:
            diffs.append(f"base.group_multi_currency {key}: {now['currency']['multi_currency'][key]} "
                         f"instead of {snap['currency']['multi_currency'][key]}")
    for pid, policy in snap["policies"].items():
        if now["policies"].get(pid, policy) != policy:
            diffs.append(f"pricelist {pid} discount_policy: {now['policies'][pid]} instead of {policy}")
    return diffs


def get_param():
    """{"owner": {"host", "pid"}, "settings": snapshot} of a run under way or that died, or None."""
    found = ek("ir.config_parameter", "search_read", [[["key", "=", PARAM]]], {"fields": ["value"]})
    return json.loads(found[0]["value"]) if found else None


def set_param(snap):
    found = ek("ir.config_parameter", "search", [[["key", "=", PARAM]]])
    if snap is None:
        if found:
            ek("ir.config_parameter", "unlink", [found])
        return
    value = json.dumps({"owner": {"host": socket.gethostname(), "pid": os.getpid()}, "settings": snap})
    if found:
        ek("ir.config_parameter", "write", [found, {"value": value}])
    else:
        ek("ir.config_parameter", "create", [{"key": PARAM, "value": value}])


def running(owner):
    """Whether the run that wrote the parameter is still running (on this machine)."""
    if owner.get("host") != socket.gethostname() or owner.get("pid") == os.getpid():
        return False
    try:
        with open(f"/proc/{int(owner['pid'])}/cmdline", "rb") as f:
            return b"record_parity" in f.read()
    except (OSError, ValueError, KeyError):
        return False


def lock():
    """One recorder at a time per server: a lock file beside the env file (the runs change global
    settings, and one would take the other's changes for the database's state)."""
    where = os.path.dirname(os.path.abspath(env_path))
    name = "".join(c if c.isalnum() or c in ".-_" else "-" for c in f"{os.path.basename(env_path)}-{db}")
    f = open(os.path.join(where, f".record_parity-{name}.lock"), "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another record_parity.py runs against this server: waiting for it")
        fcntl.flock(f, fcntl.LOCK_EX)
    return f


# ---------------------------------------------------------------- the records
def tax_group():
    """19: tax groups belong to a company (the seed's helper); 16: the default one."""
    if not has_field("account.tax.group", "company_id"):
        return None
    c = ek("res.company", "read", [[company_a], ["account_fiscal_country_id", "country_id"]])[0]
    country = m2o(c["account_fiscal_country_id"]) or m2o(c["country_id"])
    found = ek("account.tax.group", "search", [[["company_id", "=", company_a], ["country_id", "in", [country, False]]]],
               {"limit": 1, "order": "id"})
    if found:
        return found[0]
    return ek("account.tax.group", "create", [{"name": f"{PREFIX} taxes", "company_id": company_a}])


TAX_GROUP = None


def tax(name, amount, amount_type="percent", included=False, sequence=10, include_base_amount=False,
        is_base_affected=True, children=(), use="sale"):
    vals = {"name": f"{PREFIX} {name}", "amount": amount, "amount_type": amount_type, "type_tax_use": use,
            "sequence": sequence, "include_base_amount": include_base_amount, "active": True,
            "children_tax_ids": [(6, 0, list(children))]}
    if has_field("account.tax", "is_base_affected"):
        vals["is_base_affected"] = is_base_affected
    if amount_type != "group":
        if has_field("account.tax", "price_include_override"):
            vals["price_include_override"] = "tax_included" if included else "tax_excluded"
        else:
            vals["price_include"] = included
    found = ek("account.tax", "search", [[["name", "=", vals["name"]], ["company_id", "=", company_a]]],
               {"limit": 1}, {"active_test": False})
    if found:
        ek("account.tax", "write", [found, vals])
        return found[0]
    vals["company_id"] = company_a
    if TAX_GROUP:
        vals["tax_group_id"] = TAX_GROUP
    return ek("account.tax", "create", [vals])


def ensure_taxes():
    """Tax setups: key -> (description, tax ids in the order given to the product)."""
    t = {}
    t["p10"] = tax("10% excluded", 10, sequence=10)
    t["p5_5"] = tax("5.5% excluded", 5.5, sequence=20)
    t["p20_inc"] = tax("20% included", 20, included=True, sequence=10)
    t["p10_inc"] = tax("10% included", 10, included=True, sequence=11)
    t["p5_5_inc"] = tax("5.5% included", 5.5, included=True, sequence=12)
    t["f050"] = tax("fixed 0.50 excluded", 0.5, "fixed", sequence=10)
    t["f030_inc"] = tax("fixed 0.30 included", 0.3, "fixed", included=True, sequence=10)
    t["d8"] = tax("division 8% excluded", 8, "division", sequence=10)
    t["d12_inc"] = tax("division 12% included", 12, "division", included=True, sequence=10)
    # A group: its children are of type "none" (usable in a group only), as Odoo's charts make them.
    c1 = tax("group child 10% excluded", 10, sequence=1, use="none")
    c2 = tax("group child 2% excluded", 2, sequence=2, use="none")
    t["g_c1"], t["g_c2"] = c1, c2
    t["group"] = tax("group 10% + 2%", 0, "group", sequence=10, children=[c1, c2])
    # include_base_amount: an eco fee (fixed) in the base of the VAT after it.
    t["f1_iba"] = tax("fixed 1.00 excluded, affects next", 1.0, "fixed", sequence=1, include_base_amount=True)
    t["p20_after"] = tax("20% excluded, after", 20, sequence=5)
    t["p10_iba"] = tax("10% excluded, affects next", 10, sequence=1, include_base_amount=True)
    t["p5_5_after"] = tax("5.5% excluded, after", 5.5, sequence=5)
    t["p5_5_unaffected"] = tax("5.5% excluded, base not affected", 5.5, sequence=5, is_base_affected=False)
    # Sequences: given to the product in the other order; Odoo sorts them by sequence.
    t["p8_seq30_iba"] = tax("8% excluded, sequence 30, affects next", 8, sequence=30, include_base_amount=True)
    t["p4_seq3"] = tax("4% excluded, sequence 3", 4, sequence=3)
    t["p20_inc_iba"] = tax("20% included, affects next", 20, included=True, sequence=1, include_base_amount=True)
    t["p10_after2"] = tax("10% excluded, after included", 10, sequence=2)
    t["f030_inc_iba"] = tax("fixed 0.30 included, affects next", 0.3, "fixed", included=True, sequence=1,
                            include_base_amount=True)
    t["p20_inc_after"] = tax("20% included, after", 20, included=True, sequence=2)
    setups = {
        "none": [],
        "two-excluded": [t["p10"], t["p5_5"]],
        "included-and-excluded": [t["p20_inc"], t["p5_5"]],
        "two-included": [t["p10_inc"], t["p5_5_inc"]],
        "fixed-excluded": [t["f050"]],
        "fixed-included": [t["f030_inc"]],
        "division-excluded": [t["d8"]],
        "division-included": [t["d12_inc"]],
        "group": [t["group"]],
        "fixed-affects-percent": [t["f1_iba"], t["p20_after"]],
        "percent-affects-percent": [t["p10_iba"], t["p5_5_after"]],
        "percent-not-affecting-unaffected": [t["p10_iba"], t["p5_5_unaffected"]],
        "sequence-reorders": [t["p8_seq30_iba"], t["p4_seq3"]],
        "included-affects-excluded": [t["p20_inc_iba"], t["p10_after2"]],
        "fixed-included-affects-included": [t["f030_inc_iba"], t["p20_inc_after"]],
    }
    return t, setups


MAIN_PRICES = [2.83, 0.07, 1234.565, 19.99]
DIGITS_SETUPS = ["none", "two-excluded", "included-and-excluded", "fixed-excluded", "division-excluded",
                 "group", "fixed-affects-percent", "included-affects-excluded"]
DIGITS_PRICES = [2.8345, 0.0749, 1234.5655, 19.9951]
QUANTITIES = [1, 3, 0.5, 7]


def ensure_categories():
    root = xmlid_or_none("product", "product_category_all") or False
    goods = upsert("product.category", [["name", "=", f"{PREFIX} goods"]], {"name": f"{PREFIX} goods", "parent_id": root})
    special = upsert("product.category", [["name", "=", f"{PREFIX} special"]],
                     {"name": f"{PREFIX} special", "parent_id": goods})
    return goods, special


def fmt_price(p):
    return f"{p:.4f}".rstrip("0").rstrip(".")


def ensure_products(setups, goods, special):
    """Main products: every tax setup at every price; digits products: some setups at prices with 4
    decimals. Every other one in the special category. Created when missing, else rewritten where
    they differ, in few calls (a product write costs about a second)."""
    specs = []   # (kind, setup, name, price, taxes, categ)
    for i, (key, taxes) in enumerate(setups.items()):
        for j, price in enumerate(MAIN_PRICES):
            specs.append(("main", key, f"{PREFIX} {key} at {fmt_price(price)}", price, taxes, special if (i + j) % 2 else goods))
    for i, key in enumerate(DIGITS_SETUPS):
        for j, price in enumerate(DIGITS_PRICES):
            specs.append(("digits", key, f"{PREFIX} digits {key} at {fmt_price(price)}", price, setups[key],
                          special if (i + j) % 2 else goods))
    names = [sp[2] for sp in specs]
    found = {r["name"]: r for r in ek("product.template", "search_read", [[["name", "in", names]]],
                                      {"fields": ["name", "list_price", "taxes_id", "categ_id", "company_id"]},
                                      {"active_test": False})}
    state = {"sale_ok": True, "active": True}
    if has_field("product.template", "is_published"):
        state["is_published"] = False
    type_field = "detailed_type" if has_field("product.template", "detailed_type") else "type"
    to_create = []
    for kind, key, name, price, taxes, categ in specs:
        vals = {"name": name, "list_price": price, "taxes_id": [(6, 0, taxes)], "categ_id": categ,
                "company_id": company_a, "standard_price": 0.0, type_field: "consu", **state}
        old = found.get(name)
        if old is None:
            to_create.append(vals)
            continue
        change = {}
        if abs(old["list_price"] - price) > 1e-9:
            change["list_price"] = price
        if sorted(old["taxes_id"]) != sorted(taxes):
            change["taxes_id"] = vals["taxes_id"]
        if m2o(old["categ_id"]) != categ:
            change["categ_id"] = categ
        if m2o(old["company_id"]) != company_a:
            change["company_id"] = company_a
        if change:
            ek("product.template", "write", [[old["id"]], change], ctx={"active_test": False})
    if to_create:
        ek("product.template", "create", [to_create])
    tmpl_ids = {r["name"]: r["id"] for r in ek("product.template", "search_read", [[["name", "in", names]]],
                                                 {"fields": ["name"]}, {"active_test": False})}
    ek("product.template", "write", [list(tmpl_ids.values()), state], ctx={"active_test": False})
    variants = {}
    for v in ek("product.product", "search_read", [[["product_tmpl_id", "in", list(tmpl_ids.values())]]],
                {"fields": ["product_tmpl_id", "active"], "order": "id"}, {"active_test": False}):
        variants.setdefault(m2o(v["product_tmpl_id"]), v)
    inactive = [v["id"] for v in variants.values() if not v["active"]]
    if inactive:
        ek("product.product", "write", [inactive, {"active": True}], ctx={"active_test": False})
    main, digit_products = [], []
    for kind, key, name, price, taxes, categ in specs:
        tid = tmpl_ids[name]
        if tid not in variants:
            raise RuntimeError(f"{name}: no variant")
        (main if kind == "main" else digit_products).append(
            {"tmpl": tid, "product": variants[tid]["id"], "price": price, "setup": key})
    return main, digit_products


def ensure_pricelist(key, name, items, currency=None, policy=None):
    vals = {"name": f"{PREFIX} {name}", "currency_id": currency or manifest["currency"]["id"], "company_id": company_a,
            "active": True}
    if HAS_POLICY:
        vals["discount_policy"] = policy or "with_discount"
    if has_field("product.pricelist", "selectable"):
        vals["selectable"] = False
    pid = upsert("product.pricelist", [["name", "=", vals["name"]]], vals)
    ek("product.pricelist", "write", [[pid], {"item_ids": [(5, 0, 0)] + [(0, 0, i) for i in items]}])
    return {"key": key, "id": pid}


def ensure_pricelists(special):
    pls = [
        ensure_pricelist("list-price", "list price", []),
        ensure_pricelist("percentage", "percentage", [
            {"applied_on": "2_product_category", "categ_id": special, "compute_price": "percentage", "percent_price": 33.33},
            {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 12.5},
        ]),
        ensure_pricelist("formula", "formula", [
            {"applied_on": "2_product_category", "categ_id": special, "compute_price": "formula", "base": "list_price",
             "price_discount": 7.5, "price_surcharge": 0.1, "price_round": 0.05},
            {"applied_on": "3_global", "compute_price": "formula", "base": "list_price", "price_discount": 3.33},
        ]),
    ]
    if HAS_POLICY:
        pls.append(ensure_pricelist("percentage-without-discount", "percentage without_discount", [
            {"applied_on": "2_product_category", "categ_id": special, "compute_price": "percentage", "percent_price": 33.33},
            {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 12.5},
        ], policy="without_discount"))
        pls.append(ensure_pricelist("formula-without-discount", "formula without_discount", [
            {"applied_on": "2_product_category", "categ_id": special, "compute_price": "formula", "base": "list_price",
             "price_discount": 7.5, "price_surcharge": 0.1, "price_round": 0.05},
            {"applied_on": "3_global", "compute_price": "formula", "base": "list_price", "price_discount": 3.33},
        ], policy="without_discount"))
    return pls


def ensure_customer():
    return upsert("res.partner", [["name", "=", f"{PREFIX} Customer"], ["email", "=", "parity2@example.com"]],
                  {"name": f"{PREFIX} Customer", "email": "parity2@example.com", "company_id": False, "active": True,
                   "property_account_position_id": False})


def delete_orders():
    orders = ek("sale.order", "search", [[["client_order_ref", "=like", f"{PREFIX} %"]]], ctx={"active_test": False})
    if orders:
        drafts = ek("sale.order", "search", [[["id", "in", orders], ["state", "not in", ["draft", "cancel"]]]])
        if drafts:
            ek("sale.order", "action_cancel", [drafts])
        ek("sale.order", "unlink", [orders])
    return len(orders)


def put_away(taxes, products, pricelists, customer):
    """Out of the shop's sight: rules deleted, pricelists, products, taxes, customer archived."""
    pl_ids = [p["id"] for p in pricelists]
    if pl_ids:
        ek("product.pricelist", "write", [pl_ids, {"item_ids": [(5, 0, 0)]}])
        ek("product.pricelist", "write", [pl_ids, {"active": False}])
    tmpl = [p["tmpl"] for p in products]
    if tmpl:
        vals = {"active": False, "sale_ok": False}
        if has_field("product.template", "is_published"):
            vals["is_published"] = False
        ek("product.template", "write", [tmpl, vals])
    tax_ids = sorted(set(taxes.values()))
    if tax_ids:
        ek("account.tax", "write", [tax_ids, {"active": False}])
    if customer:
        ek("res.partner", "write", [[customer], {"active": False}])


# ---------------------------------------------------------------- recording
SO_LINE_TAXES = "tax_ids" if has_field("sale.order.line", "tax_ids") else "tax_id"


def price_cases(file_key, pricelists, products, customer, totals=False):
    """One draft order per pricelist; gives the cases, the order date and (totals) the orders."""
    cases, orders, dates = [], [], set()
    for pl in pricelists:
        lines = [(p["product"], q) for p in products for q in QUANTITIES]
        vals = {"partner_id": customer, "pricelist_id": pl["id"], "company_id": company_a, "fiscal_position_id": False,
                "client_order_ref": f"{PREFIX} {file_key} {pl['key']}",
                "order_line": [(0, 0, {"product_id": pid, "product_uom_qty": q}) for pid, q in lines]}
        so = ek("sale.order", "create", [vals])
        order = ek("sale.order", "read", [[so], ["pricelist_id", "fiscal_position_id", "date_order", "currency_id",
                                                  "amount_untaxed", "amount_tax", "amount_total", "order_line"]])[0]
        if m2o(order["pricelist_id"]) != pl["id"] or order["fiscal_position_id"]:
            raise RuntimeError(f"order {so}: pricelist {order['pricelist_id']}, fiscal position {order['fiscal_position_id']}")
        dates.add(order["date_order"][:10])
        read = ek("sale.order.line", "read", [order["order_line"], ["product_id", "product_uom_qty", "price_unit", "discount",
                                                                   "price_subtotal", "price_tax", "price_total", SO_LINE_TAXES]])
        by_key = {(m2o(r["product_id"]), r["product_uom_qty"]): r for r in read}
        if len(by_key) != len(lines):
            raise RuntimeError(f"order {so}: {len(read)} lines read for {len(lines)} asked")
        for pid, q in lines:
            r = by_key[(pid, float(q))]
            cases.append({"pricelist": pl["key"], "pricelist_id": pl["id"], "product_id": pid, "qty": float(q),
                          "price_unit": r["price_unit"], "discount": r["discount"],
                          "price_subtotal": r["price_subtotal"], "price_tax": r["price_tax"],
                          "price_total": r["price_total"], "tax_ids": r[SO_LINE_TAXES],
                          "currency_id": m2o(order["currency_id"])})
        if totals:
            orders.append({"pricelist": pl["key"], "pricelist_id": pl["id"], "currency_id": m2o(order["currency_id"]),
                           "lines": [{"product_id": pid, "qty": float(q)} for pid, q in lines],
                           "amount_untaxed": order["amount_untaxed"], "amount_tax": order["amount_tax"],
                           "amount_total": order["amount_total"]})
    if len(dates) != 1:
        raise RuntimeError(f"orders dated {sorted(dates)}: run again away from midnight UTC")
    return cases, orders, dates.pop()


def read_inputs(products, pricelists, currency_id):
    cur = ek("res.currency", "read", [[currency_id], ["name", "rounding", "decimal_places"]], ctx={"active_test": False})[0]
    categories = ek("product.category", "search_read", [[]], {"fields": ["name", "parent_id", "complete_name"], "order": "id"})
    prods = ek("product.product", "read", [[p["product"] for p in products],
                                           ["product_tmpl_id", "categ_id", "lst_price", "list_price", "standard_price",
                                            "price_extra", "taxes_id", "uom_id", "name"]], ctx={"active_test": False})
    tax_ids, todo = set(), [t for p in prods for t in p["taxes_id"]]
    tax_fields = ["name", "amount", "amount_type", "price_include", "include_base_amount", "sequence",
                  "children_tax_ids", "type_tax_use", "company_id"]
    for extra in ("price_include_override", "is_base_affected"):
        if has_field("account.tax", extra):
            tax_fields.append(extra)
    taxes = []
    while todo:
        batch = [t for t in set(todo) if t not in tax_ids]
        todo = []
        if not batch:
            break
        tax_ids.update(batch)
        for t in ek("account.tax", "read", [sorted(batch), tax_fields], ctx={"active_test": False}):
            taxes.append(t)
            todo.extend(t["children_tax_ids"])
    taxes.sort(key=lambda t: t["id"])
    pl_fields = ["name", "currency_id", "company_id"] + (["discount_policy"] if HAS_POLICY else [])
    pls = ek("product.pricelist", "read", [[p["id"] for p in pricelists], pl_fields], ctx={"active_test": False})
    item_fields = [f for f in ("pricelist_id", "applied_on", "compute_price", "fixed_price", "percent_price",
                               "price_discount", "price_markup", "price_surcharge", "price_round", "price_min_margin",
                               "price_max_margin", "base", "base_pricelist_id", "min_quantity", "date_start", "date_end",
                               "product_tmpl_id", "product_id", "categ_id") if has_field("product.pricelist.item", f)]
    items = ek("product.pricelist.item", "search_read", [[["pricelist_id", "in", [p["id"] for p in pricelists]]]],
               {"fields": item_fields, "order": "id"}, {"active_test": False})
    return ({"id": cur["id"], "name": cur["name"], "rounding": cur["rounding"], "decimal_places": cur["decimal_places"]},
            categories, prods, taxes, pls, items)


def record(file_key, note, products, pricelists, customer, path, extra=None, totals=False, currency_id=None):
    company_currency = manifest["currency"]["id"]
    cases, orders, order_date = price_cases(file_key, pricelists, products, customer, totals=totals)
    currency, categories, prods, taxes, pls, items = read_inputs(products, pricelists, company_currency)
    data = {
        "server_serie": server_serie,
        "server_version": version["server_version"],
        "recorded_by": RECORDER,
        "file": file_key,
        "order_date": order_date,
        "note": "Odoo priced each case on a draft sale order line (no fiscal position); effective unit price = "
                "price_unit * (1 - discount / 100). " + note,
        "currency": currency,
        "group_discount_per_so_line": discount_enabled(),
        "discount_group_xmlid": DISCOUNT_GROUP,
        "tax_calculation_rounding_method": rounding_method(),
        "product_price_digits": digits(PRICE_PRECISION),
        "discount_digits": digits(DISCOUNT_PRECISION),
        "categories": categories,
        "products": prods,
        "taxes": taxes,
        "pricelists": pls,
        "items": items,
        "cases": cases,
    }
    if orders:
        data["orders"] = orders
    data.update(extra or {})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    log(f"{os.path.relpath(path, out_dir)}: {len(cases)} cases ({len(prods)} products, {len(pls)} pricelists; "
        f"discounts {'on' if data['group_discount_per_so_line'] else 'off'}, {data['tax_calculation_rounding_method']}, "
        f"Product Price {data['product_price_digits']} digits)")
    return len(cases)


def clear_out_dir():
    """Our earlier files only (those with "recorded_by"), so that none is left over."""
    for path in glob.glob(os.path.join(out_dir, "*.json")) + glob.glob(os.path.join(out_dir, "currency", "*.json")):
        try:
            with open(path, encoding="utf-8") as f:
                if json.load(f).get("recorded_by") == RECORDER:
                    os.remove(path)
        except (OSError, ValueError, AttributeError):
            pass


def main():
    global TAX_GROUP
    # A polite kill restores the settings too (the finally below), once the call to Odoo under way
    # is answered (an order being created would else be committed after the clean-up); SIGKILL: the
    # next run restores them.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    held = lock()  # noqa: F841 - held until the process ends
    os.makedirs(out_dir, exist_ok=True)
    clear_out_dir()
    leftover = get_param()
    if leftover:
        if running(leftover.get("owner", {})):
            sys.exit(f"{PARAM}: run {leftover['owner']} is under way on this server")
        log(f"an earlier run left settings changed: restoring them from {PARAM}")
        restore(leftover["settings"])
        set_param(None)
    gone = delete_orders()
    if gone:
        log(f"deleted {gone} draft orders left by an earlier run")
    snap = snapshot()
    set_param(snap)
    log(f"settings: discounts {snap['discount']} ({DISCOUNT_GROUP}), {snap['rounding']}, Product Price "
        f"{snap['price_digits']} digits, Discount {snap['discount_digits']} digits; {OTHER_CURRENCY} active "
        f"{snap['currency']['active']}")
    taxes, products, pricelists, customer = {}, [], [], None
    written = {}
    try:
        TAX_GROUP = tax_group()
        taxes, setups = ensure_taxes()
        log(f"taxes ready: {len(taxes)}")
        goods, special = ensure_categories()
        main_products, digit_products = ensure_products(setups, goods, special)
        log(f"products ready: {len(main_products) + len(digit_products)}")
        products = main_products + digit_products
        pricelists = ensure_pricelists(special)
        customer = ensure_customer()
        log(f"records ready: {len(taxes)} taxes, {len(products)} products, {len(pricelists)} pricelists")
        base_rounding = snap["rounding"]
        other_rounding = "round_globally" if base_rounding == "round_per_line" else "round_per_line"
        plain = [p for p in pricelists if not p["key"].endswith("without-discount")]
        tag = "discounts-on" if snap["discount"] else "discounts-off"

        # 1. The seed's settings: every tax setup, every pricelist.
        key = f"{server_serie}-taxes-{tag}-{base_rounding}"
        written[key] = record(key, "Settings as the seed leaves them.", main_products, pricelists, customer,
                              os.path.join(out_dir, key + ".json"), totals=True)

        # 2. The other tax rounding method (company A's), written on the company as the settings do.
        ek("res.company", "write", [[company_a], {"tax_calculation_rounding_method": other_rounding}])
        try:
            key = f"{server_serie}-taxes-{tag}-{other_rounding}"
            written[key] = record(key, f"Company tax rounding {other_rounding}; orders' totals under \"orders\".",
                                  main_products, plain, customer, os.path.join(out_dir, key + ".json"), totals=True)
        finally:
            ek("res.company", "write", [[company_a], {"tax_calculation_rounding_method": base_rounding}])

        # 3. The "Discounts" setting toggled (saved through the settings, as an administrator does).
        set_discount(not snap["discount"])
        try:
            other_tag = "discounts-off" if snap["discount"] else "discounts-on"
            key = f"{server_serie}-taxes-{other_tag}-{base_rounding}"
            note = "The \"Discounts\" setting toggled from the seed's."
            if HAS_POLICY and snap["discount"]:
                note += " 16: saving it off turned every without_discount pricelist to with_discount."
            written[key] = record(key, note, main_products, plain, customer, os.path.join(out_dir, key + ".json"))
        finally:
            set_discount(snap["discount"])
            restore_policies(snap)
            for p in pricelists:   # ours too (16: turned to with_discount with the others)
                if HAS_POLICY and p["key"].endswith("without-discount"):
                    ek("product.pricelist", "write", [[p["id"]], {"discount_policy": "without_discount"}])

        # 4. "Product Price" digits 3 and 4, with prices that need them (written once the digits are set).
        for d in (3, 4):
            ek("decimal.precision", "write", [[PRICE_PRECISION], {"digits": d}])
            try:
                for p in digit_products:
                    ek("product.template", "write", [[p["tmpl"]], {"list_price": p["price"]}])
                key = f"{server_serie}-price-digits-{d}"
                written[key] = record(key, f"decimal.precision \"Product Price\" = {d} digits; list prices written "
                                           "with those digits.", digit_products, plain, customer,
                                      os.path.join(out_dir, key + ".json"))
            finally:
                ek("decimal.precision", "write", [[PRICE_PRECISION], {"digits": snap["price_digits"]}])

        # 5. Pricelists in another currency, with a rate of the day.
        cur = snap["currency"]
        if not cur["active"]:
            ek("res.currency", "write", [[cur["id"]], {"active": True}])
        rate = 0.9137 if OTHER_CURRENCY == "EUR" else 1.0837
        rate_ids = ek("res.currency.rate", "search", [[["currency_id", "=", cur["id"]], ["company_id", "=", company_a],
                                                        ["name", "=", today()]]])
        if rate_ids:
            ek("res.currency.rate", "write", [rate_ids, {"rate": rate}])
        else:
            ek("res.currency.rate", "create", [{"currency_id": cur["id"], "company_id": company_a, "name": today(),
                                                "rate": rate}])
        cur_pls = [
            ensure_pricelist("other-currency-list-price", f"{OTHER_CURRENCY} list price", [], currency=cur["id"]),
            ensure_pricelist("other-currency-percentage", f"{OTHER_CURRENCY} percentage", [
                {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 12.5}], currency=cur["id"]),
            ensure_pricelist("other-currency-formula", f"{OTHER_CURRENCY} formula", [
                {"applied_on": "3_global", "compute_price": "formula", "base": "list_price", "price_discount": 3.33,
                 "price_round": 0.05}], currency=cur["id"]),
        ]
        pricelists += cur_pls
        currencies = ek("res.currency", "read", [[manifest["currency"]["id"], cur["id"]],
                                                 ["name", "rounding", "decimal_places", "rate"]],
                        ctx={"active_test": False, "date": today(), "company_id": company_a})
        rates = ek("res.currency.rate", "search_read", [[["currency_id", "in", [c["id"] for c in currencies]],
                                                         ["company_id", "in", [company_a, False]], ["name", "<=", today()]]],
                   {"fields": ["name", "currency_id", "rate", "company_id"], "order": "name desc"})
        key = f"{server_serie}-currency-{OTHER_CURRENCY}"
        written["currency/" + key] = record(
            key, f"Pricelists in {OTHER_CURRENCY} (the company's currency is {manifest['currency']['name']}): "
                 "\"currency\" is the company's (the products' prices are in it), each case's currency_id the order's "
                 f"(the pricelist's); rate of {OTHER_CURRENCY} for the company on the order date: {rate} "
                 "(\"currencies\": rate = units per unit of the company's currency; \"currency_rates\": the rate records).",
            main_products, cur_pls, customer, os.path.join(out_dir, "currency", key + ".json"),
            extra={"currencies": currencies, "currency_rates": rates, "company_currency_id": manifest["currency"]["id"]})
    finally:
        CLEANING[0] = True
        errors = []
        try:
            delete_orders()
        except Exception as e:  # noqa: BLE001
            errors.append(f"deleting the orders: {e}")
        try:
            put_away(taxes, products, pricelists, customer)
        except Exception as e:  # noqa: BLE001
            errors.append(f"archiving the records: {e}")
        try:
            restore(snap)
            set_param(None)
        except Exception as e:  # noqa: BLE001
            errors.append(str(e))
        if errors:
            log("CLEAN-UP FAILED: " + " | ".join(errors))
            if sys.exc_info()[0] is None:
                sys.exit(1)
        else:
            log("settings restored and checked; orders deleted; records archived")
    if STOP:
        sys.exit(128 + STOP[0])
    total = sum(written.values())
    log(f"done: {len(written)} files, {total} cases in {out_dir}")


if __name__ == "__main__":
    main()
