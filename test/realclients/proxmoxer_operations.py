"""Operations an operator's script performs with proxmoxer (Debian's python3-proxmoxer) against the
simulated lab; one line per operation, `ok <name>` or `failed <name>: <reason>`. TLS is verified
against REQUESTS_CA_BUNDLE. Exit status 1 if any failed."""
import os

from operations import Operations, expect
from proxmoxer import ProxmoxAPI

host = os.environ["PVE_HOST"]
user = os.environ["PVE_USER"]
api = ProxmoxAPI(host, user=user, token_name=os.environ["PVE_TOKEN_ID"], token_value=os.environ["PVE_TOKEN_SECRET"], verify_ssl=True)
report = Operations("proxmoxer")
op = report.op

op("version", lambda: api.version.get(), lambda v: expect("version" in v and "release" in v, "no version/release"))
op("nodes list", lambda: api.nodes.get(), lambda v: expect({"pve01", "pve02", "pve03"} <= {n["node"] for n in v}, "nodes missing"))
op("cluster resources type=vm", lambda: api.cluster.resources.get(type="vm"), lambda v: expect(any(r.get("vmid") == 111 for r in v), "VM 111 missing"))
op("cluster nextid", lambda: api.cluster.nextid.get(), lambda v: expect(int(v) >= 100, "bad id %r" % v))
op("nodes/{node}/qemu", lambda: api.nodes("pve01").qemu.get(), lambda v: expect(any(int(g["vmid"]) == 111 for g in v), "VM 111 missing"))
op("nodes/{node}/qemu/{vmid}/status/current", lambda: api.nodes("pve01").qemu(111).status.current.get(), lambda v: expect(v.get("status") in ("running", "stopped"), "no status"))
op("nodes/{node}/lxc", lambda: api.nodes("pve01").lxc.get(), lambda v: expect(any(int(g["vmid"]) == 153 for g in v), "CT 153 missing"))
op("nodes/{node}/lxc/{vmid}/config", lambda: api.nodes("pve01").lxc(153).config.get(), lambda v: expect("hostname" in v, "no hostname"))
op("pools list", lambda: api.pools.get(), lambda v: expect(isinstance(v, list) and all("poolid" in p for p in v), "not a pool list"))
op("storage list", lambda: api.storage.get(), lambda v: expect(any(s["storage"] == "local" for s in v), "local missing"))
op("nodes/{node}/storage", lambda: api.nodes("pve01").storage.get(), lambda v: expect(any(s["storage"] == "local-lvm" for s in v), "local-lvm missing"))
op("storage content", lambda: api.nodes("pve01").storage("local").content.get(content="vztmpl"),
   lambda v: expect(any(c["volid"] == "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst" for c in v), "template missing"))
op("nodes/{node}/tasks", lambda: api.nodes("pve01").tasks.get(limit=10), lambda v: expect(isinstance(v, list), "not a list"))


def wrong_token_status():
    try:
        ProxmoxAPI(host, user=user, token_name=os.environ["PVE_TOKEN_ID"], token_value="wrong", verify_ssl=True).version.get()
        return "accepted"
    except Exception as e:
        return getattr(e, "status_code", repr(e))


op("a wrong token is refused with 401", wrong_token_status, lambda v: expect(v == 401, "got %r" % (v,)))
report.exit()
