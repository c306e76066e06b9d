#!/usr/bin/env python3
"""Checks, against a server brought up by up.sh, the external-API calls the shop's technical user
(storefront@example.com: internal user, Sales / Administrator, Contact creation, multi-company; not
an administrator) makes to tell people through Odoo, and to follow an order. Stdlib only.

Usage: inform_probe.py ENV_FILE...   (e.g. target/real-odoo/16.0.env target/real-odoo/19.0.env)

As the technical user over XML-RPC, unless said otherwise; every call's return value is marshallable
(the probe fails on any fault it does not expect):

1. Mail templates: their id from their XML id (`ir.model.data.check_object_reference`, while
   `ir.model.data` itself is refused), by model, back to the XML id (`get_metadata`); the outgoing
   mail servers (`ir.mail_server`) and mails (`mail.mail`) are refused.
2. Odoo's sale templates posted on a draft quotation of the French customer through the mail
   composer (16: values from the `template_id` onchange; 17+: computed from `template_id`, `res_ids`
   a text): a comment (mail.mt_comment) to the customer's partner in the chatter, rendered in French,
   the quotation still a draft; queued (`mail_notify_force_send` False: mail.mail `outgoing`,
   mail.notification `ready`), then sent by the mail cron (run as admin) without any mail server:
   the notification (readable by the technical user) says `exception` / `mail_smtp`; with a mail
   server (made by admin, pointing at an SMTP sink of this script), sent at once: `sent`.
3. Activities (`mail.activity`, a to-do) on the quotation and on a new partner, for the leader of
   the quotation's sales team (else its first member); the technical user's own team.
4. Stock: the storable product the seed stocked (3 free in company A's warehouse), `free_qty` with
   the warehouse in the context (which key each series honours), an order of 1 confirmed (1
   reserved, 2 free), its delivery (`picking_ids`, `delivery_status`, the picking's `state`,
   `picking_type_code`, `date_done`) validated by admin (16: the immediate-transfer wizard; 17+:
   none), then an order of 2 with 1 delivered: the backorder wizard, `partial`.

Cleans up: its orders cancelled, its activities and partner removed, the mail server removed, the
stocked product back to 3 free (as admin, the inventory mode of stock.quant). Prints one line per
check, exits 1 on the first failure.
"""
import datetime
import json
import shlex
import socket
import socketserver
import sys
import threading
import time
import xmlrpc.client

LAYOUT = "mail.mail_notification_layout_with_responsible_signature"


def load_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("export "):
            k, _, v = line[len("export "):].partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return env


class Sink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server on 127.0.0.1 that keeps what it is sent."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []
        super().__init__(("127.0.0.1", 0), SinkHandler)


class SinkHandler(socketserver.StreamRequestHandler):
    def handle(self):
        def say(text):
            self.wfile.write(text.encode() + b"\r\n")
        say("220 probe sink")
        data, lines = False, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(b"".join(lines).decode("utf-8", "replace"))
                    data, lines = False, []
                    say("250 queued")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
            if verb == "EHLO":
                say("250-probe sink")
                say("250 8BITMIME")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                say("250 ok")
            elif verb == "DATA":
                data = True
                say("354 end with .")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("502 not implemented")


class Failed(Exception):
    pass


class Probe:
    def __init__(self, path):
        self.env = env = load_env(path)
        self.m = json.load(open(env["REAL_ODOO_MANIFEST"]))
        self.url, self.db = env["ODOO_URL"], env["ODOO_DB"]
        self.series = env["REAL_ODOO_SERIES"]
        self.serie = int(self.series.split(".")[0])
        common = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/common")
        self.obj = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/object", allow_none=True)
        self.tech_login = (env["ODOO_USER"], env["ODOO_PASSWORD"])
        self.admin_login = (env["ODOO_ADMIN_USER"], env["ODOO_ADMIN_PASSWORD"])
        self.uid = common.authenticate(self.db, *self.tech_login, {})
        self.admin_uid = common.authenticate(self.db, *self.admin_login, {})
        if not (self.uid and self.admin_uid):
            raise Failed("cannot log in as the technical user and admin")
        self.A = self.m["companies"]["a"]
        # What to undo.
        self.orders, self.activities, self.partners, self.mail_servers = [], [], [], []
        self.restore_stock = False

    # -- calls
    def _call(self, uid, pw, model, method, args, kw, ctx, companies):
        kw = dict(kw or {})
        kw["context"] = {"allowed_company_ids": list(companies or [self.A]), **(ctx or {})}
        return self.obj.execute_kw(self.db, uid, pw, model, method, args, kw)

    def tech(self, model, method, args, kw=None, ctx=None, companies=None):
        return self._call(self.uid, self.tech_login[1], model, method, args, kw, ctx, companies)

    def admin(self, model, method, args, kw=None, ctx=None, companies=None):
        return self._call(self.admin_uid, self.admin_login[1], model, method, args, kw, ctx, companies)

    def fault(self, fn, *args, **kw):
        """The fault a call raises (None when it does not)."""
        try:
            fn(*args, **kw)
        except xmlrpc.client.Fault as e:
            return e
        return None

    def ok(self, msg):
        print(f"[{self.series}] ok: {msg}", flush=True)

    def check(self, cond, msg):
        if not cond:
            raise Failed(msg)

    def read1(self, who, model, rid, fields, ctx=None, companies=None):
        rows = who(model, "read", [[rid], fields], ctx=ctx, companies=companies)
        self.check(len(rows) == 1, f"{model} {rid} not readable")
        return rows[0]

    def xmlid(self, module, name):
        """An XML id's record id, as the technical user may learn it (ir.model.data is refused)."""
        model, rid = self.tech("ir.model.data", "check_object_reference", [module, name])
        self.check(rid, f"{module}.{name} ({model}) not readable by the technical user")
        return rid

    # ------------------------------------------------------------------ run
    def run(self):
        try:
            self.templates()
            self.mail()
            self.activity()
            self.stock()
        finally:
            self.cleanup()

    # ------------------------------------------------------------------ 1. templates
    def templates(self):
        f = self.fault(self.tech, "ir.model.data", "search_read",
                       [[["module", "=", "sale"], ["name", "=", "mail_template_sale_confirmation"]]], {"fields": ["res_id"]})
        self.check(f and f.faultCode == 4, f"ir.model.data readable by the technical user? {f}")
        self.ok("ir.model.data search_read refused to the technical user (fault 4, AccessError)")
        f = self.fault(self.tech, "ir.model", "search", [[["model", "=", "sale.order"]]])
        self.check(f and f.faultCode == 4, f"ir.model readable by the technical user? {f}")
        self.ok("ir.model search refused to the technical user (fault 4, AccessError)")
        self.confirmation = self.xmlid("sale", "mail_template_sale_confirmation")
        self.quotation = self.xmlid("sale", "email_template_edi_sale")
        self.ok(f"ir.model.data check_object_reference('sale', 'mail_template_sale_confirmation') -> "
                f"['mail.template', {self.confirmation}]; email_template_edi_sale -> {self.quotation}")
        f = self.fault(self.tech, "ir.model.data", "check_object_reference", ["sale", "no_such_template"])
        self.check(f is not None, "check_object_reference of an unknown XML id answers")
        self.ok(f"an unknown XML id: fault {f.faultCode} ({f.faultString.strip().splitlines()[-1][:80]})")
        meta = self.tech("mail.template", "get_metadata", [[self.confirmation]])[0]
        self.check(meta["xmlid"] == "sale.mail_template_sale_confirmation", meta)
        f = self.fault(self.tech, "mail.template", "get_external_id", [[self.confirmation]])
        self.check(f is not None, "get_external_id marshalled (int keys?)")
        self.ok("back from the id: mail.template get_metadata -> xmlid 'sale.mail_template_sale_confirmation' "
                "(get_external_id faults: a dict keyed by int cannot be marshalled)")
        rows = self.tech("mail.template", "search_read", [[["model", "=", "sale.order"]]], {"fields": ["name", "lang"]})
        by_id = {r["id"]: r for r in rows}
        self.check({self.confirmation, self.quotation} <= set(by_id), rows)
        # The language it renders in: 16 its lang field; 19 none, the record's customer's
        # (mail.render.mixin _render_lang without lang: the partner of _mail_get_partners).
        lang = by_id[self.confirmation]["lang"]
        self.check(lang == ("{{ object.partner_id.lang }}" if self.serie < 17 else False), by_id[self.confirmation])
        self.ok(f"mail.template search_read model = sale.order: {sorted(r['name'] for r in rows)}; lang of the "
                f"confirmation: {lang!r}" + ("" if lang else " (the customer's language)"))
        f = self.fault(self.tech, "ir.mail_server", "search_count", [[]])
        self.check(f and f.faultCode == 4, f"ir.mail_server readable by the technical user? {f}")
        f2 = self.fault(self.tech, "mail.mail", "search_count", [[]])
        self.check(f2 and f2.faultCode == 4, f"mail.mail readable by the technical user? {f2}")
        servers = self.admin("ir.mail_server", "search_count", [[]])
        self.ok(f"ir.mail_server and mail.mail refused to the technical user (fault 4); admin sees {servers} mail server(s)")

    # ------------------------------------------------------------------ 2. mail
    def new_order(self, partner, lines, extra=None):
        vals = {"partner_id": partner, "company_id": self.A,
                "order_line": [(0, 0, {"product_id": p, "product_uom_qty": q}) for p, q in lines]}
        vals.update(extra or {})
        so = self.tech("sale.order", "create", [vals])
        self.orders.append(so)
        return so

    def post_template(self, order, template, ctx=None):
        """Posts the template on the order as the mail composer does; the action it returns."""
        if self.serie < 17:
            # 16: the composer's subject, body, recipients and attachments come from the onchange
            # of template_id (first call: no field name, template_id's onchange spec truthy).
            fields = ["composition_mode", "model", "res_id", "template_id", "subject", "body", "partner_ids",
                      "attachment_ids", "email_from", "reply_to", "mail_server_id", "author_id",
                      "email_layout_xmlid", "record_name", "subtype_id", "message_type"]
            spec = {f: "" for f in fields}
            spec["template_id"] = "1"
            vals = {"composition_mode": "comment", "model": "sale.order", "res_id": order, "template_id": template,
                    "email_layout_xmlid": LAYOUT}
            value = self.tech("mail.compose.message", "onchange", [[], vals, [], spec], ctx=ctx)["value"]
            # Many2one values come as [id, name]; x2many ones as commands, which create takes.
            vals.update({k: v[0] if k in ("author_id", "mail_server_id", "subtype_id", "template_id")
                         and isinstance(v, list) else v for k, v in value.items()})
            self.check(vals.get("subject") and vals.get("body") and vals.get("partner_ids"), f"onchange gave {value}")
        else:
            # 17+: computed from template_id; res_ids is a Text field (a Python list literal).
            vals = {"composition_mode": "comment", "model": "sale.order", "res_ids": f"[{order}]",
                    "template_id": template, "email_layout_xmlid": LAYOUT}
        wizard = self.tech("mail.compose.message", "create", [vals], ctx=ctx)
        if self.serie >= 17:
            w = self.read1(self.tech, "mail.compose.message", wizard, ["subject", "partner_ids"])
            self.check(w["subject"] and w["partner_ids"], f"composer {w}")
        action = self.tech("mail.compose.message", "action_send_mail", [[wizard]], ctx=ctx)
        self.check(action == {"type": "ir.actions.act_window_close"}, f"action_send_mail returned {action}")
        return action

    def last_message(self, order):
        rows = self.tech("mail.message", "search_read",
                         [[["model", "=", "sale.order"], ["res_id", "=", order], ["subtype_id", "=", self.mt_comment]]],
                         {"fields": ["subject", "body", "partner_ids", "message_type", "author_id", "subtype_id"],
                          "order": "id desc", "limit": 1})
        self.check(rows, f"no comment on sale.order {order}")
        return rows[0]

    def notifications(self, message):
        return self.tech("mail.notification", "search_read", [[["mail_message_id", "=", message]]],
                         {"fields": ["res_partner_id", "notification_type", "notification_status", "failure_type",
                                     "failure_reason", "mail_mail_id"]})

    def mail(self):
        m = self.m
        fr = [c for c in m["customers"] if c["key"] == "french"][0]
        self.customer = fr["partner_id"]
        self.mt_comment = self.xmlid("mail", "mt_comment")
        croissant = m["products"]["by_name"]["Seed A Croissant"]
        croissant_fr = m["products"]["translated"].get(str(croissant), {}).get("fr_FR")
        self.check(croissant_fr, "no French name for Seed A Croissant in the manifest")
        product = m["products"]["details"][str(croissant)]["product_id"]
        # website_id: Odoo's templates list the order's lines only for a website order (whose
        # salesperson is the website's, none here: user_id given, else the mail comes from the company).
        so = self.mail_order = self.new_order(self.customer, [(product, 3)],
                                              {"website_id": m["website_id"], "user_id": self.uid})
        order = self.read1(self.tech, "sale.order", so, ["name", "state", "amount_total"])
        self.check(order["state"] == "draft", order)
        amount_fr = f"{order['amount_total']:.2f}".replace(".", ",")
        amount_en = f"{order['amount_total']:.2f}"

        # Queued: no sending in the request.
        self.post_template(so, self.confirmation, ctx={"mail_notify_force_send": False})
        after = self.read1(self.tech, "sale.order", so, ["state", "message_partner_ids"])
        self.check(after["state"] == "draft", f"the quotation is {after['state']} after the mail")
        follows = self.customer in after["message_partner_ids"]
        msg = self.last_message(so)
        self.check(msg["partner_ids"] == [self.customer], f"recipients {msg['partner_ids']}")
        self.check(msg["message_type"] == "comment", msg["message_type"])
        self.check(order["name"] in (msg["subject"] or ""), msg["subject"])
        self.check(croissant_fr in msg["body"] and amount_fr in msg["body"] and amount_en not in msg["body"],
                   f"not rendered in French: {croissant_fr!r} {amount_fr!r} in {msg['body'][:3000]}")
        self.ok(f"template {self.confirmation} posted on draft {order['name']} through mail.compose.message "
                f"({'onchange + create' if self.serie < 17 else 'create with res_ids'} + action_send_mail -> "
                f"act_window_close): comment {msg['id']} subtype mail.mt_comment to the customer's partner, subject "
                f"{msg['subject']!r}, French ({croissant_fr!r}, {amount_fr}); the customer {'follows' if follows else 'does not follow'} "
                f"the quotation, which stays draft")
        notes = self.notifications(msg["id"])
        self.check(len(notes) == 1 and notes[0]["res_partner_id"][0] == self.customer
                   and notes[0]["notification_type"] == "email" and notes[0]["notification_status"] == "ready", notes)
        mails = self.admin("mail.mail", "search_read", [[["mail_message_id", "=", msg["id"]]]],
                           {"fields": ["state", "recipient_ids", "body_html", "attachment_ids"]})
        self.check(len(mails) == 1 and mails[0]["state"] == "outgoing" and self.customer in mails[0]["recipient_ids"]
                   and amount_fr in mails[0]["body_html"], [{k: v for k, v in x.items() if k != "body_html"} for x in mails])
        self.check(mails[0]["attachment_ids"], "no PDF attached")
        self.ok(f"queued (context mail_notify_force_send False): mail.notification email/ready for the partner "
                f"(technical user reads it); mail.mail {mails[0]['id']} outgoing to the partner, the quotation PDF "
                f"attached (admin reads it)")

        # The mail cron (admin), without any mail server: Odoo tries odoo.conf's smtp_server (localhost:25).
        port25 = socket.socket()
        port25.settimeout(1)
        listening = port25.connect_ex(("127.0.0.1", 25)) == 0
        port25.close()
        servers = self.admin("ir.mail_server", "search_count", [[]])
        cron = self.admin("ir.model.data", "check_object_reference", ["mail", "ir_cron_mail_scheduler_action"])[1]
        self.check(self.admin("ir.cron", "method_direct_trigger", [[cron]]) is True, "cron")
        note = self.notifications(msg["id"])[0]
        if servers == 0 and not listening:
            self.check(note["notification_status"] == "exception" and note["failure_type"] == "mail_smtp", note)
        mail = self.admin("mail.mail", "search_read", [[["id", "=", mails[0]["id"]]]], {"fields": ["state"]})
        self.ok(f"after the mail cron (ir.cron method_direct_trigger, admin) with {servers} mail server(s): "
                f"notification {note['notification_status']}/{note['failure_type']} "
                f"({(note['failure_reason'] or '')[:60]!r}), mail.mail {mail[0]['state'] if mail else 'deleted'}")

        # With a mail server: the UI's way (sent at once, after the commit, in the request).
        sink = Sink()
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        try:
            vals = {"name": "Probe SMTP sink", "smtp_host": "127.0.0.1", "smtp_port": sink.server_address[1],
                    "smtp_encryption": "none", "sequence": 1}
            server = self.admin("ir.mail_server", "create", [vals])
            self.mail_servers.append(server)
            self.post_template(so, self.quotation)
            msg2 = self.last_message(so)
            self.check(msg2["id"] != msg["id"] and msg2["partner_ids"] == [self.customer], msg2)
            note2 = self.notifications(msg2["id"])
            self.check(len(note2) == 1 and note2[0]["notification_status"] == "sent", note2)
            deadline = time.monotonic() + 5
            while not sink.messages and time.monotonic() < deadline:
                time.sleep(0.1)
            self.check(sink.messages and fr["email"] in sink.messages[-1], f"sink got {len(sink.messages)} mails")
            f = self.fault(self.tech, "ir.mail_server", "search_count", [[]])
            self.check(f and f.faultCode == 4, "ir.mail_server readable now?")
            state = self.read1(self.tech, "sale.order", so, ["state"])["state"]
            self.check(state == "draft", f"the quotation is {state}")
            self.ok(f"template {self.quotation} (by database id) posted with a mail server (admin made one): sent in the "
                    f"request, notification 'sent' for the technical user, the SMTP sink got it for {fr['email']}; "
                    f"ir.mail_server still refused; the quotation stays draft")
        finally:
            sink.shutdown()
            sink.server_close()
            self.admin("ir.mail_server", "unlink", [self.mail_servers])
            self.mail_servers = []

    # ------------------------------------------------------------------ 3. activities
    def activity(self):
        # A quotation as the shop makes it (no website_id): the team Odoo gives it is the
        # technical user's, else the first of its company (crm.team _get_default_team_id).
        product = self.m["products"]["details"][str(self.m["products"]["company_a"][0])]["product_id"]
        so = self.new_order(self.customer, [(product, 1)])
        me = self.read1(self.tech, "res.users", self.uid, ["sale_team_id", "crm_team_ids"])
        own = self.tech("crm.team", "search", [["|", ["member_ids", "in", [self.uid]], ["user_id", "=", self.uid]]])
        order = self.read1(self.tech, "sale.order", so, ["team_id", "user_id"])
        self.check(order["team_id"], "the quotation has no sales team")
        team = self.read1(self.tech, "crm.team", order["team_id"][0], ["name", "user_id", "member_ids", "company_id"])
        leader = team["user_id"][0] if team["user_id"] else None
        staff = leader or (team["member_ids"][0] if team["member_ids"] else self.admin_uid)
        self.ok(f"technical user: res.users sale_team_id {me['sale_team_id']}, crm_team_ids {me['crm_team_ids']}, "
                f"teams it belongs to or leads {own}; its quotation's team_id {order['team_id']}: leader (crm.team "
                f"user_id) {team['user_id']}, member_ids {team['member_ids']} -> activities for user {staff}")
        todo = self.xmlid("mail", "mail_activity_data_todo")
        deadline = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
        # The id of the document's model without ir.model (refused): mail.activity's default_get.
        # (Ask for res_model too: 16 converts the default res_model only when it is asked for.)
        defaults = self.tech("mail.activity", "default_get", [["res_model_id", "res_model"]],
                             ctx={"default_res_model": "sale.order"})
        self.check(defaults.get("res_model_id"), defaults)
        for how, vals, ctx in (
                ("context default_res_model", {}, {"default_res_model": "sale.order"}),
                ("res_model_id from mail.activity default_get", {"res_model_id": defaults["res_model_id"]}, {})):
            aid = self.tech("mail.activity", "create", [{
                **vals, "res_id": so, "activity_type_id": todo, "summary": f"Probe: web order to prepare ({how})",
                "note": "<p>Pickup <b>tomorrow</b> &amp; paid at the counter</p>", "date_deadline": deadline,
                "user_id": staff}], ctx=ctx)
            self.activities.append(aid)
            a = self.read1(self.tech, "mail.activity", aid,
                           ["res_model", "res_model_id", "res_id", "res_name", "user_id", "activity_type_id", "date_deadline", "note"])
            self.check(a["res_model"] == "sale.order" and a["res_id"] == so and a["user_id"][0] == staff
                       and a["activity_type_id"][0] == todo and a["date_deadline"] == deadline and "<b>tomorrow</b>" in a["note"], a)
        self.ok(f"mail.activity create on sale.order {so} ({a['res_name']}), res_model_id {defaults['res_model_id']} "
                f"(from context default_res_model, or mail.activity default_get), activity_type_id {todo} "
                f"(mail.mail_activity_data_todo), user {a['user_id']}, deadline, HTML note")
        f = self.fault(self.tech, "mail.activity", "create", [{
            "res_model": "sale.order", "res_id": so, "activity_type_id": todo, "summary": "Probe: res_model alone",
            "date_deadline": deadline, "user_id": staff}])
        self.check(f is not None, "res_model alone accepted")
        self.ok(f"res_model alone (no res_model_id, no context) is refused: fault {f.faultCode}")
        # A sign-up request: an activity on a new partner.
        stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S%f")
        partner = self.tech("res.partner", "create", [{"name": f"Seed Probe sign-up {stamp}",
                                                      "email": f"probe-signup-{stamp}@example.com"}])
        self.partners.append(partner)
        aid = self.tech("mail.activity", "create", [{
            "res_id": partner, "activity_type_id": todo, "summary": "Probe: sign-up request to review",
            "note": "<p>Asked for an account</p>", "date_deadline": deadline, "user_id": staff}],
            ctx={"default_res_model": "res.partner"})
        self.activities.append(aid)
        a = self.read1(self.tech, "mail.activity", aid, ["res_model", "res_id", "user_id"])
        self.check(a["res_model"] == "res.partner" and a["res_id"] == partner and a["user_id"][0] == staff, a)
        self.ok(f"mail.activity create on res.partner {partner} (context default_res_model res.partner) for user {staff}")

    # ------------------------------------------------------------------ 4. stock
    def free(self, product, key=None, warehouse=None, who=None, companies=None):
        ctx = {key or self.key: warehouse or self.wh}
        return self.read1(who or self.tech, "product.product", product, ["qty_available", "free_qty"], ctx=ctx,
                          companies=companies)

    def validate(self, picking):
        """Validates a delivery as admin, through whatever wizard Odoo answers; the wizards seen."""
        seen = []
        result = self.admin("stock.picking", "button_validate", [[picking]])
        while isinstance(result, dict):
            model = result.get("res_model")
            self.check(model in ("stock.immediate.transfer", "stock.backorder.confirmation"), f"button_validate: {result}")
            seen.append(model)
            ctx = {k: v for k, v in result.get("context", {}).items() if k != "allowed_company_ids"}
            wizard = self.admin(model, "create", [{}], ctx=ctx)
            result = self.admin(model, "process", [[wizard]], ctx=ctx)
        self.check(result is True, f"validation returned {result}")
        return seen

    def stock(self):
        st = self.m.get("stock")
        self.check(st, "the manifest has no stock (seed.py older than stock,sale_stock?)")
        self.key, self.wh, product = st["warehouse_context_key"], st["warehouse_id"], st["product_id"]
        self.check(self.key == ("warehouse_id" if self.serie >= 18 else "warehouse"), self.key)
        whs = self.tech("stock.warehouse", "search_read", [[["company_id", "=", self.A]]],
                        {"fields": ["name", "lot_stock_id"], "order": "id"})
        self.check(whs and whs[0]["id"] == self.wh, whs)
        self.ok(f"stock.warehouse search_read company_id = A: {[(w['id'], w['name'], w['lot_stock_id'][1]) for w in whs]}")
        tfields = self.tech("product.template", "fields_get", [], {"attributes": ["type"]})
        tmpl = self.read1(self.tech, "product.template", st["product_tmpl_id"],
                          ["type"] + [f for f in ("detailed_type", "is_storable") if f in tfields])
        if self.serie >= 18:
            self.check("detailed_type" not in tfields and tmpl["is_storable"] is True and tmpl["type"] == "consu", tmpl)
        else:
            self.check("is_storable" not in tfields and tmpl["detailed_type"] == "product" and tmpl["type"] == "product", tmpl)
        self.ok(f"storable: {tmpl}")
        q = self.free(product)
        self.check(q["free_qty"] == st["free_qty"] == 3, f"{q} (rerun seed.py if an earlier probe was killed)")
        self.ok(f"product.product {product} free_qty with context {{{self.key!r}: {self.wh}}}: {q['free_qty']} "
                f"(on hand {q['qty_available']})")
        # Which key the series honours: another company's warehouse, which holds none of it.
        other = self.admin("stock.warehouse", "search_read", [[["company_id", "!=", self.A]]],
                           {"fields": ["company_id"], "limit": 1, "order": "id"},
                           companies=self.admin("res.company", "search", [[]]))
        if other:
            both = [self.A, other[0]["company_id"][0]]
            wrong = "warehouse" if self.key == "warehouse_id" else "warehouse_id"
            honoured = self.free(product, self.key, other[0]["id"], self.admin, both)["free_qty"]
            ignored = self.free(product, wrong, other[0]["id"], self.admin, both)["free_qty"]
            self.check(honoured == 0 and ignored == 3, (honoured, ignored))
            self.ok(f"context {self.key!r} honoured (another company's warehouse {other[0]['id']}: 0 free), "
                    f"{wrong!r} ignored (3: every warehouse of the allowed companies)")
        loc = self.read1(self.tech, "product.product", product, ["free_qty"], ctx={"location": st["lot_stock_id"]})
        self.check(loc["free_qty"] == 3, loc)
        self.ok(f"context {{'location': {st['lot_stock_id']}}} (the warehouse's stock location) works too: 3")

        self.restore_stock = True
        fr = [c for c in self.m["customers"] if c["key"] == "french"][0]["partner_id"]
        so = self.new_order(fr, [(product, 1)])
        self.check(self.tech("sale.order", "action_confirm", [[so]]) is True, "action_confirm")
        o = self.read1(self.tech, "sale.order", so, ["state", "picking_ids", "delivery_status", "delivery_count"])
        self.check(o["state"] == "sale" and len(o["picking_ids"]) == 1 and o["delivery_status"] == "pending", o)
        picking = o["picking_ids"][0]
        pfields = ["state", "picking_type_code", "date_done", "scheduled_date", "origin", "sale_id"]
        p = self.read1(self.tech, "stock.picking", picking, pfields)
        self.check(p["state"] == "assigned" and p["picking_type_code"] == "outgoing" and not p["date_done"]
                   and p["sale_id"][0] == so, p)
        q = self.free(product)
        self.check(q["free_qty"] == 2 and q["qty_available"] == 3, q)
        self.ok(f"action_confirm -> True; sale.order {o}; stock.picking {picking} {p}; free_qty 2 (1 reserved), on hand 3")
        seen = self.validate(picking)
        self.check(seen == (["stock.immediate.transfer"] if self.serie < 17 else []), seen)
        p = self.read1(self.tech, "stock.picking", picking, pfields)
        o = self.read1(self.tech, "sale.order", so, ["state", "delivery_status"])
        line = self.tech("sale.order.line", "search_read", [[["order_id", "=", so]]], {"fields": ["qty_delivered"]})
        self.check(p["state"] == "done" and p["date_done"] and o["delivery_status"] == "full"
                   and line[0]["qty_delivered"] == 1, (p, o, line))
        q = self.free(product)
        self.check(q["free_qty"] == 2 and q["qty_available"] == 2, q)
        self.ok(f"admin stock.picking button_validate -> {' -> '.join(seen + ['True']) if seen else 'True'} "
                f"({'create({}) with the action context, process()' if seen else 'no wizard'}): picking done, "
                f"date_done {p['date_done']}, delivery_status full, qty_delivered 1; free_qty 2, on hand 2")

        # Part of an order: the backorder wizard.
        so2 = self.new_order(fr, [(product, 2)])
        self.check(self.tech("sale.order", "action_confirm", [[so2]]) is True, "action_confirm")
        picking2 = self.read1(self.tech, "sale.order", so2, ["picking_ids"])["picking_ids"][0]
        move = self.admin("stock.move", "search", [[["picking_id", "=", picking2]]])
        if self.serie < 17:
            self.admin("stock.move", "write", [move, {"quantity_done": 1}])
        else:
            self.admin("stock.move", "write", [move, {"quantity": 1, "picked": True}])
        seen = self.validate(picking2)
        self.check(seen == ["stock.backorder.confirmation"], seen)
        o = self.read1(self.tech, "sale.order", so2, ["delivery_status", "picking_ids"])
        states = [self.read1(self.tech, "stock.picking", pid, ["state"])["state"] for pid in o["picking_ids"]]
        self.check(o["delivery_status"] == "partial" and sorted(states) == ["assigned", "done"], (o, states))
        self.ok(f"1 of 2 delivered (16: stock.move quantity_done; 17+: quantity and picked): button_validate -> "
                f"stock.backorder.confirmation process (a backorder): pickings {states}, delivery_status partial")

    # ------------------------------------------------------------------ cleanup
    def cleanup(self):
        errors = []

        def attempt(what, fn, *args, **kw):
            try:
                fn(*args, **kw)
            except Exception as e:  # keep cleaning
                errors.append(f"{what}: {e}")

        if self.mail_servers:
            attempt("mail server", self.admin, "ir.mail_server", "unlink", [self.mail_servers])
        if self.activities:
            existing = self.tech("mail.activity", "search", [[["id", "in", self.activities]]])
            if existing:
                attempt("activities", self.tech, "mail.activity", "unlink", [existing])
        for partner in self.partners:
            attempt("partner", self.tech, "res.partner", "unlink", [[partner]])
        if self.orders:
            attempt("orders", self.tech, "sale.order", "action_cancel", [self.orders], ctx={"disable_cancel_warning": True})
            states = {o["state"] for o in self.tech("sale.order", "read", [self.orders, ["state"]])}
            if states != {"cancel"}:
                errors.append(f"orders {self.orders} not all cancelled: {states}")
        if self.restore_stock:
            st = self.m["stock"]
            q = self.free(st["product_id"])
            target = 3 + (q["qty_available"] - q["free_qty"])
            attempt("stock", self.admin, "stock.quant", "create", [{
                "product_id": st["product_id"], "location_id": st["lot_stock_id"], "inventory_quantity_auto_apply": target}],
                ctx={"inventory_mode": True})
            q = self.free(st["product_id"])
            if q["free_qty"] != 3:
                errors.append(f"stock not restored: {q}")
            else:
                self.ok(f"admin stock.quant create {{product_id, location_id: {st['lot_stock_id']}, "
                        f"inventory_quantity_auto_apply: {target}}} (context inventory_mode) -> free_qty 3 again")
        if errors:
            raise Failed("cleanup: " + "; ".join(errors))
        self.ok(f"cleaned up: orders {self.orders} cancelled, activities and partner removed, mail server removed")


def main(paths):
    if not paths:
        sys.exit(__doc__.split("\n\n")[1])
    for path in paths:
        probe = Probe(path)
        try:
            probe.run()
        except (Failed, AssertionError, xmlrpc.client.Fault) as e:
            print(f"[{probe.series}] FAILED: {e}", flush=True)
            sys.exit(1)
        print(f"[{probe.series}] all checks passed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
