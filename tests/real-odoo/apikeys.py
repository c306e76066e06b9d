# Run by up.sh inside `odoo-bin shell -d shop` (19.0): creates never-expiring
# API keys (scope 'rpc', usable as XML-RPC passwords and JSON-2 bearer tokens)
# for the technical user and the first portal customer of `shop`, and for the
# technical user of `bare`; writes {"shop": {login: key}, "bare": {...}} to
# $REAL_ODOO_KEYS_OUT. `env` is the shell's superuser environment on shop.
import json, os
import odoo
from odoo.modules.registry import Registry

shop_manifest, bare_manifest = os.environ["REAL_ODOO_MANIFESTS"].split(":")
wanted = {"shop": [], "bare": []}
m = json.load(open(shop_manifest))
wanted["shop"] = [m["technical_user"]["login"], m["customers"][0]["login"]]
b = json.load(open(bare_manifest))
wanted["bare"] = [b["technical_user"]["login"]]

def make(e, logins):
    out = {}
    for login in logins:
        user = e["res.users"].search([("login", "=", login)])
        assert len(user) == 1, login
        # with_user() drops superuser mode; sudo() puts it back so that a
        # key without expiration date is allowed for a non-admin user.
        out[login] = e["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "tests", None)
    e.cr.commit()
    return out

keys = {"shop": make(env, wanted["shop"])}
with Registry("bare").cursor() as cr:
    keys["bare"] = make(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), wanted["bare"])
path = os.environ["REAL_ODOO_KEYS_OUT"]
with open(path + ".tmp", "w") as f:
    json.dump(keys, f)
os.replace(path + ".tmp", path)
print("api keys for", {db: list(v) for db, v in keys.items()})
