#!/usr/bin/env python3
"""Checks, against a server brought up by up.sh, the external-API calls of `connector::cases`
(buying together by the shared case) and `tell_partner`. Stdlib only.

Usage: cases_probe.py ENV_FILE...   (e.g. target/real-odoo/16.0.env target/real-odoo/19.0.env)

1. As admin, sets up: a product tag "Achat groupé" (found or made) on "Seed A Olive oil 75 cl"
   (company A), "Seed B Cider" (company B) and "Seed Shared Baguette" (no company), and a packaging
   "Carton de 6" holding 6:
   - 16: `product.packaging` records (`qty` 6) on the olive oil's variant (company A: Odoo
     refuses one of no company on a product of a company), on the cider's (company B) and on the
     baguette's with `sales` False;
   - 19: a unit of measure "Carton de 6" (`relative_uom_id` Units, `relative_factor` 6) in the
     `uom_ids` of the olive oil, the cider and the baguette's template is left alone, so that
     the baguette is tagged without a packaging.
2. As the technical user, over XML-RPC, exactly the calls `shared_cases` makes (the same
   domains, fields and keyword arguments), for both rules, in company A and in any company;
   prints what came back and checks: in company A the olive oil alone (size 6), in any company
   the cider too; the packaging kept from sales (16) and the baguette without one (19) never.
3. As the technical user, `res.partner.message_post` as `tell_partner` calls it, on a partner
   it makes: what it answers (16: the id; 19: a list of the one id), the message (the body kept
   as HTML), the e-mail notification queued (`ready`).

Cleans up: the packagings (16) or the unit (19) and the tag (when it made it) removed, the tag
taken off the products, the partner and its messages removed (as admin). Prints one line per
check, exits 1 on the first failure.
"""
import shlex
import sys
import xmlrpc.client

TAG = "Achat groupé"
PACKAGING = "Carton de 6"


def load_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("export "):
            k, _, v = line[len("export "):].partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return env


class Odoo:
    def __init__(self, url, db, login, password):
        self.db, self.password = db, password
        common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit(f"cannot log in as {login}")
        self.proxy = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

    def __call__(self, model, method, args, kwargs=None):
        return self.proxy.execute_kw(self.db, self.uid, self.password, model, method, args, kwargs or {})


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        raise SystemExit(1)


def pattern(name):
    """The `=ilike` pattern matching `name` alone, as `exact_pattern` writes it."""
    return "".join("\\" + c if c in "\\%_" else c for c in name.strip())


def m2o(value):
    return value[0] if isinstance(value, list) and value else (value or None)


def in_company(company):
    # `field("company_id").eq(company) | field("company_id").eq(false)`
    return ["|", ("company_id", "=", company), ("company_id", "=", False)] if company else []


def shared_cases(odoo, rule, name, company):
    """The calls of `connector::cases::shared_cases`, in its order; answers
    [(product, template, size, packaging)] sorted by product."""
    template_fields = odoo("product.template", "fields_get", [], {"attributes": ["type"]})
    if "uom_ids" in template_fields:
        storage = "units"
    elif "packaging_ids" in template_fields:
        storage = "packagings"
        sales = "sales" in odoo("product.packaging", "fields_get", [], {"attributes": ["type"]})
    else:
        return []
    pat = pattern(name)
    tags = None
    if rule == "tag":
        if "product_tag_ids" not in template_fields:
            return []
        tags = odoo("product.tag", "search", [[("name", "=ilike", pat)]])
        if not tags:
            return []
    cases = []
    if storage == "packagings":
        fields = ["name", "qty", "product_id", "sequence"]

        def packaging_domain(products):
            domain = products + in_company(company)
            if sales:
                domain += [("sales", "=", True)]
            return domain

        product_domain = [("sale_ok", "=", True)] + in_company(company)
        if tags is None:
            packagings = odoo("product.packaging", "search_read",
                              [packaging_domain([("name", "=ilike", pat), ("product_id", "!=", False)])],
                              {"fields": fields})
            wanted = sorted({m2o(p["product_id"]) for p in packagings if p["product_id"]})
            if not wanted:
                return []
            products = odoo("product.product", "search_read", [[("id", "in", wanted)] + product_domain],
                            {"fields": ["product_tmpl_id"]})
        else:
            products = odoo("product.product", "search_read",
                            [[("product_tag_ids", "in", tags)] + product_domain], {"fields": ["product_tmpl_id"]})
            variants = [p["id"] for p in products]
            if not variants:
                return []
            packagings = odoo("product.packaging", "search_read",
                              [packaging_domain([("product_id", "in", variants), ("qty", ">", 1)])],
                              {"fields": fields})
        above = 1 if tags is not None else 0
        for product in products:
            mine = [p for p in packagings if m2o(p["product_id"]) == product["id"] and p["qty"] > above]
            if mine:
                first = min(mine, key=lambda p: (p["sequence"], p["id"]))
                cases.append((product["id"], m2o(product["product_tmpl_id"]), first["qty"], first["name"]))
    else:
        if tags is None:
            named = odoo("uom.uom", "search", [[("name", "=ilike", pat)]])
            if not named:
                return []
            of = [("uom_ids", "in", named)]
        else:
            named = None
            of = [("product_tag_ids", "in", tags)]
        templates = odoo("product.template", "search_read", [of + [("sale_ok", "=", True)] + in_company(company)],
                         {"fields": ["uom_id", "uom_ids", "product_variant_ids"]})
        if not templates:
            return []
        # `search_read(Domain::All)`: an empty domain.
        units = {u["id"]: u for u in odoo("uom.uom", "search_read", [[]],
                                           {"fields": ["name", "factor", "relative_uom_id"]})}

        def root(i):
            for _ in range(32):
                parent = m2o(units.get(i, {}).get("relative_uom_id"))
                if not parent:
                    break
                i = parent
            return i

        above = 1 if tags is not None else 0
        for t in templates:
            unit = m2o(t["uom_id"])
            sizes = []
            for u in t["uom_ids"]:
                if named is not None and u not in named:
                    continue
                if u not in units or unit not in units or root(u) != root(unit) or units[unit]["factor"] <= 0:
                    continue
                size = round(units[u]["factor"] / units[unit]["factor"], 6)
                if size > above:
                    sizes.append((size, u))
            if sizes:
                size, u = min(sizes)
                for v in t["product_variant_ids"]:
                    cases.append((v, t["id"], size, units[u]["name"]))
    return sorted(cases)


def probe(path):
    env = load_env(path)
    series = env["REAL_ODOO_SERIES"]
    url, db = env["ODOO_URL"], env["ODOO_DB"]
    manifest = __import__("json").load(open(env["REAL_ODOO_MANIFEST"]))
    company_a, company_b = manifest["companies"]["a"], manifest["companies"]["b"]
    by_name = manifest["products"]["by_name"]
    admin = Odoo(url, db, env["ODOO_ADMIN_USER"], env["ODOO_ADMIN_PASSWORD"])
    tech = Odoo(url, db, env["ODOO_USER"], env["ODOO_PASSWORD"])
    print(f"== {series} {url} (technical user uid {tech.uid})")
    oil_t, cider_t, baguette_t = (by_name["Seed A Olive oil 75 cl"], by_name["Seed B Cider"],
                                  by_name["Seed Shared Baguette"])
    templates = {t["id"]: t for t in admin("product.template", "read", [[oil_t, cider_t, baguette_t]],
                                           {"fields": ["product_variant_ids", "uom_id", "company_id"]})}
    variant = {t: templates[t]["product_variant_ids"][0] for t in templates}
    made = {"tag": None, "packagings": [], "uom": None, "partner": None}
    try:
        tags = admin("product.tag", "search", [[("name", "=ilike", TAG)]])
        if tags:
            tag = tags[0]
        else:
            tag = made["tag"] = admin("product.tag", "create", [{"name": TAG}])
        admin("product.template", "write", [[oil_t, cider_t, baguette_t], {"product_tag_ids": [(4, tag)]}])
        if series.startswith("19"):
            units = m2o(templates[oil_t]["uom_id"])
            made["uom"] = admin("uom.uom", "create", [{"name": PACKAGING, "relative_uom_id": units,
                                                       "relative_factor": 6}])
            admin("product.template", "write", [[oil_t, cider_t], {"uom_ids": [(4, made["uom"])]}])
            print(f"     set up: tag {tag}, uom {made['uom']} in uom_ids of {oil_t} and {cider_t}")
        else:
            # A packaging is of its product's company (`check_company`: one of no company on a
            # product of company A is refused, "Incompatible companies on records").
            for product, extra in [(variant[oil_t], {"company_id": company_a}),
                                   (variant[cider_t], {"company_id": company_b}),
                                   (variant[baguette_t], {"sales": False})]:
                made["packagings"].append(admin("product.packaging", "create", [
                    dict({"name": PACKAGING, "qty": 6, "product_id": product}, **extra)]))
            print(f"     set up: tag {tag}, packagings {made['packagings']}")
        oil = (variant[oil_t], oil_t, 6.0, PACKAGING)
        cider = (variant[cider_t], cider_t, 6.0, PACKAGING)
        for rule, name in [("packaging", PACKAGING), ("packaging", "carton DE 6"), ("tag", TAG),
                           ("tag", "ACHAT GROUPé")]:
            got = shared_cases(tech, rule, name, company_a)
            print(f"     {rule} {name!r} in company A: {got}")
            check(got == [oil], f"{series}: {rule} {name!r}: the olive oil alone by the case of 6 in company A")
            got = shared_cases(tech, rule, name, None)
            print(f"     {rule} {name!r} in any company: {got}")
            check(got == sorted([oil, cider]), f"{series}: {rule} {name!r}: and the cider (company B) in any")
        check(shared_cases(tech, "packaging", "Carton", company_a) == [], f"{series}: a name is matched whole")
        # PostgreSQL's ILIKE folds the case of non-ASCII letters by the database's LC_CTYPE: not
        # under C (as up.sh's clusters are), yes under a UTF-8 one (en_US.UTF-8, C.UTF-8).
        got = shared_cases(tech, "tag", "ACHAT GROUPÉ", company_a)
        print(f"     (info) tag 'ACHAT GROUPÉ' (É for é) in company A: {got}: "
              f"{'folded' if got else 'not folded (a C LC_CTYPE)'}")

        # tell_partner
        partner = made["partner"] = tech("res.partner", "create", [{"name": "Probe Cases",
                                                                     "email": "probe-cases@example.com"}])
        body = "<p>Le carton d'<b>huile</b> n'a pas été rempli.</p>"
        answer = tech("res.partner", "message_post", [[partner]], {
            "body": body, "body_is_html": True, "subject": "Carton non rempli", "partner_ids": [partner],
            "message_type": "comment", "subtype_xmlid": "mail.mt_comment",
            "context": {"mail_notify_force_send": False}})
        print(f"     message_post answered {answer!r}")
        if series.startswith("16"):
            check(isinstance(answer, int), f"{series}: message_post answers the message's id")
            message = answer
        else:
            check(isinstance(answer, list) and len(answer) == 1, f"{series}: message_post answers [id]")
            message = answer[0]
        row = tech("mail.message", "read", [[message]], {"fields": ["model", "res_id", "body", "subject",
                                                                     "message_type", "subtype_id", "partner_ids"]})[0]
        print(f"     message: {row}")
        check(row["model"] == "res.partner" and row["res_id"] == partner and row["body"] == body
              and row["message_type"] == "comment" and row["partner_ids"] == [partner]
              and row["subject"] == "Carton non rempli",
              f"{series}: a comment on the partner to the partner, its body kept as HTML")
        notes = tech("mail.notification", "search_read", [[("mail_message_id", "=", message)]],
                     {"fields": ["res_partner_id", "notification_type", "notification_status"]})
        print(f"     notifications: {notes}")
        check(len(notes) == 1 and notes[0]["notification_type"] == "email"
              and notes[0]["notification_status"] == "ready", f"{series}: mailed by Odoo (queued)")
    finally:
        if made["partner"]:
            messages = admin("mail.message", "search", [[("model", "=", "res.partner"),
                                                         ("res_id", "=", made["partner"])]])
            admin("mail.message", "unlink", [messages])
            admin("res.partner", "unlink", [[made["partner"]]])
        if made["packagings"]:
            admin("product.packaging", "unlink", [made["packagings"]])
        if made["uom"]:
            admin("product.template", "write", [[oil_t, cider_t], {"uom_ids": [(3, made["uom"])]}])
            admin("uom.uom", "unlink", [[made["uom"]]])
        tags = admin("product.tag", "search", [[("name", "=ilike", TAG)]])
        if tags:
            admin("product.template", "write", [[oil_t, cider_t, baguette_t],
                                                {"product_tag_ids": [(3, t) for t in tags]}])
        if made["tag"]:
            admin("product.tag", "unlink", [[made["tag"]]])
        print(f"     cleaned up")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for path in sys.argv[1:]:
        probe(path)
