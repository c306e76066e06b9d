#!/usr/bin/env python3
"""Checks a server brought up by up.sh, as the storefront would use it (stdlib only).

Usage: check.py ENV_FILE...   (e.g. target/real-odoo/16.0.env target/real-odoo/19.0.env)

As the technical user over XML-RPC: reads company A's products and their taxes, creates a draft
sale.order for a portal customer's partner in company A with one line, reads its amounts, cancels
it; the same for the fiscal-position customer (20 % included mapped to 0 % excluded); logs the
portal users in; on 19 calls JSON-2 with the API keys. Prints one line per check, exits 1 on the
first failure.
"""
import json
import shlex
import sys
import urllib.request
import xmlrpc.client


def load_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("export "):
            k, _, v = line[len("export "):].partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return env


def check(path):
    env = load_env(path)
    m = json.load(open(env["REAL_ODOO_MANIFEST"]))
    url, db = env["ODOO_URL"], env["ODOO_DB"]
    series = env["REAL_ODOO_SERIES"]
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
    obj = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    uid = common.authenticate(db, env["ODOO_USER"], env["ODOO_PASSWORD"], {})
    assert uid, "technical user cannot log in"
    pw = env["ODOO_PASSWORD"]
    A, B = m["companies"]["a"], m["companies"]["b"]
    P = m["products"]

    def ek(model, method, args, kw=None, companies=(A,)):
        kw = dict(kw or {})
        kw.setdefault("context", {})["allowed_company_ids"] = list(companies)
        return obj.execute_kw(db, uid, pw, model, method, args, kw)

    def ok(msg):
        print(f"[{series}] ok: {msg}")

    prods = ek("product.template", "search_read", [[["sale_ok", "=", True], ["name", "like", "Seed"]]],
               {"fields": ["name", "list_price", "taxes_id", "company_id", "is_published"]})
    ids = {p["id"] for p in prods}
    assert set(P["shared"]) <= ids and set(P["company_a"]) <= ids, "A's and shared products visible in A"
    assert not (set(P["company_b"]) & ids), "B's products hidden in A"
    assert P["archived"] not in ids, "archived product hidden"
    ok(f"{len(prods)} products visible in company A, none of B's, not the archived one")

    shared = [p for p in prods if p["id"] == P["shared"][0]][0]
    taxes = ek("account.tax", "read", [shared["taxes_id"], ["name", "amount", "price_include", "company_id"]])
    assert {t["company_id"][0] for t in taxes} == {A}, f"only A's taxes on the shared product in A: {taxes}"
    ok(f"shared product {shared['name']!r} carries in A: {[(t['name'], t['amount'], t['price_include']) for t in taxes]}")
    if B:
        taxes_b = ek("product.template", "read", [[shared["id"]], ["taxes_id"]], companies=(B,))[0]["taxes_id"]
        tb = ek("account.tax", "read", [taxes_b, ["company_id"]], companies=(B,))
        assert {t["company_id"][0] for t in tb} == {B}, f"only B's taxes in B: {tb}"
        ok("and in B only B's taxes")

    def order(customer, tmpl, qty):
        cust = [c for c in m["customers"] if c["key"] == customer][0]
        product = P["details"][str(tmpl)]["product_id"]
        so = ek("sale.order", "create", [{"partner_id": cust["partner_id"], "company_id": A,
                                           "order_line": [(0, 0, {"product_id": product, "product_uom_qty": qty})]}])
        r = ek("sale.order", "read", [[so], ["name", "state", "amount_untaxed", "amount_tax", "amount_total",
                                            "pricelist_id", "fiscal_position_id", "order_line"]])[0]
        lines = ek("sale.order.line", "read", [r["order_line"], ["price_unit", "discount", "tax_id" if series == "16.0" else "tax_ids"]])
        ek("sale.order", "action_cancel", [[so]])
        state = ek("sale.order", "read", [[so], ["state"]])[0]["state"]
        assert state == "cancel", state
        return r, lines

    croissant = P["by_name"]["Seed A Croissant"]
    r, lines = order("french", croissant, 2)
    # Seed Percentage: bakery category -15 %: 1.20 * 0.85 = 1.02; 5.5 % excluded.
    assert abs(r["amount_untaxed"] - 2.04) < 0.001 and abs(r["amount_total"] - 2.15) < 0.001, (r, lines)
    ok(f"order {r['name']} for the French customer: 2 croissants {r['amount_untaxed']} + {r['amount_tax']} = "
       f"{r['amount_total']} (pricelist {r['pricelist_id'][1]!r}), cancelled")

    soap = P["by_name"]["Seed A Marseille Soap"]
    r, lines = order("fiscal_position", soap, 1)
    # 3.90 with 20 % included, mapped to 0 % excluded: 3.25 without tax.
    assert r["fiscal_position_id"] and abs(r["amount_total"] - 3.25) < 0.001 and r["amount_tax"] == 0, (r, lines)
    ok(f"order {r['name']} with fiscal position {r['fiscal_position_id'][1]!r}: soap {r['amount_untaxed']} + "
       f"{r['amount_tax']} = {r['amount_total']}, cancelled")

    for c in m["customers"]:
        assert common.authenticate(db, c["login"], c["password"], {}), c["login"]
    ok(f"{len(m['customers'])} portal customers log in")

    events = ek("calendar.event", "search_read", [[["categ_ids.name", "=", m["pickup_category"]]]], {"fields": ["name", "start"]})
    assert len(events) >= len(m["slots"]), events
    ok(f"{len(events)} pickup slots readable")

    if "ODOO_API_KEY" in env:
        assert common.authenticate(db, env["ODOO_USER"], env["ODOO_API_KEY"], {}) == uid
        for key, login in (("ODOO_API_KEY", env["ODOO_USER"]), ("ODOO_PORTAL_API_KEY", env["ODOO_PORTAL_USER"])):
            req = urllib.request.Request(url + "/json/2/res.users/search_read", method="POST",
                                         data=json.dumps({"domain": [["login", "=", login]], "fields": ["login"]}).encode(),
                                         headers={"Authorization": "bearer " + env[key], "X-Odoo-Database": db,
                                                  "Content-Type": "application/json"})
            with urllib.request.urlopen(req) as resp:
                got = json.load(resp)
            assert got and got[0]["login"] == login, got
        ok("API keys work over XML-RPC and JSON-2 (technical user and portal customer)")

    # The bare database: no French, no usable pricelist, orders still possible.
    bare_db, bm = env["ODOO_BARE_DB"], json.load(open(env["REAL_ODOO_BARE_MANIFEST"]))
    buid = common.authenticate(bare_db, env["ODOO_USER"], env["ODOO_PASSWORD"], {})
    assert buid, "technical user cannot log in to bare"

    def bk(model, method, args, kw=None):
        return obj.execute_kw(bare_db, buid, pw, model, method, args, {**(kw or {}), "context": {"allowed_company_ids": [A]}})

    assert not bk("res.lang", "search", [[["code", "=", "fr_FR"]]]), "French installed in bare"
    cust = bm["customers"][0]
    tmpl = bm["products"]["company_a"][0]
    so = bk("sale.order", "create", [{"partner_id": cust["partner_id"], "company_id": A, "order_line": [
        (0, 0, {"product_id": bm["products"]["details"][str(tmpl)]["product_id"], "product_uom_qty": 1})]}])
    r = bk("sale.order", "read", [[so], ["pricelist_id", "amount_total"]])[0]
    if r["pricelist_id"]:
        items = bk("product.pricelist.item", "search", [[["pricelist_id", "=", r["pricelist_id"][0]]]])
        assert r["pricelist_id"][0] == bm["pricelists"]["default"] and not items, (r, items)
    bk("sale.order", "action_cancel", [[so]])
    ok(f"bare: no French; an order there has pricelist {r['pricelist_id'] or None} "
       f"({'the default one, without rules' if r['pricelist_id'] else 'none'}), total {r['amount_total']}, cancelled")


for p in sys.argv[1:]:
    check(p)
