"""Read operations a NetBox-family client (Debian's python3-pynetbox) performs against the simulated
Nautobot; one line per operation, `ok <name>` or `failed <name>: <reason>`. Exit status 1 if any failed."""
import os

from operations import Operations, expect
import pynetbox

nb = pynetbox.api(os.environ["NAUTOBOT_URL"], token=os.environ["NAUTOBOT_TOKEN"])
report = Operations("pynetbox")
op = report.op

def api_root():
    res = nb.http_session.get(nb.base_url + "/", headers={"Authorization": "Token " + nb.token, "Accept": "application/json"})
    res.raise_for_status()
    return res


def anonymous_version():
    # pynetbox's api.version sends no token; Nautobot (LOGIN_REQUIRED, its default) answers 403 to that.
    try:
        return "accepted: %r" % nb.version
    except pynetbox.RequestError as e:
        return e.req.status_code


op("API root with API-Version header", api_root,
   lambda r: expect(r.headers.get("API-Version", "").startswith("2.") and {"dcim", "extras", "ipam", "status"} <= set(r.json()), "root %r" % r.text[:200]))
op("api.version without a token is refused (LOGIN_REQUIRED)", anonymous_version, lambda v: expect(v == 403, "got %r" % (v,)))
op("status", lambda: nb.status(), lambda v: expect("nautobot-version" in v, "no nautobot-version"))
op("dcim devices list", lambda: list(nb.dcim.devices.all()), lambda v: expect(any(d.name == "pve01" for d in v), "pve01 missing"))
op("dcim devices count", lambda: nb.dcim.devices.count(), lambda v: expect(v >= 6, "count %r" % v))
op("dcim devices get by name", lambda: nb.dcim.devices.get(name="pve01"), lambda v: expect(v is not None and v.name == "pve01", "not found"))
op("dcim devices get by id", lambda: nb.dcim.devices.get(nb.dcim.devices.get(name="pve01").id), lambda v: expect(v.name == "pve01", "wrong device"))
op("dcim devices filter by name__ic", lambda: list(nb.dcim.devices.filter(name__ic="pve")), lambda v: expect(len(v) == 3, "%d devices" % len(v)))
op("dcim devices paged (limit=2)", lambda: list(pynetbox.api(os.environ["NAUTOBOT_URL"], token=os.environ["NAUTOBOT_TOKEN"]).dcim.devices.filter(limit=2)),
   lambda v: expect(len(v) >= 6, "%d devices over pages" % len(v)))
op("virtualization virtual machines list", lambda: list(nb.virtualization.virtual_machines.all()), lambda v: expect(any(m.name == "docker01" for m in v), "docker01 missing"))
op("extras config contexts list", lambda: list(nb.extras.config_contexts.all()), lambda v: expect(any(c.name == "app_list" for c in v), "app_list missing"))
op("ipam ip addresses filter", lambda: list(nb.ipam.ip_addresses.filter(address="10.20.0.11/24")), lambda v: expect(len(v) == 1, "%d addresses" % len(v)))
report.exit()
