import { describe, expect, it } from "vitest";
import { aapVersion } from "../../src/clients/aap-version.ts";
import { atLeast, nautobotVersion, proxmoxVersion, truenasVersion } from "../../src/clients/system-version.ts";

const AAP = "Red Hat Ansible Automation Platform";

describe("supported versions and what labops adapts to", () => {
  it("AWX 23–24 and later AWX builds are supported; AWX 22 is named as unsupported", () => {
    expect(aapVersion("AWX", "23.9.0", "/api/v2/").version).toMatchObject({ label: "AWX 23.9.0", supported: true });
    expect(aapVersion("AWX", "24.6.2.dev1", "/api/v2/").version.supported).toBe(true);
    expect(aapVersion("AWX", "22.7.0", "/api/v2/").version).toMatchObject({ supported: false, unsupported: expect.stringContaining("AWX 22.7.0 is not supported: labops supports AWX 23–24") });
  });

  it("AAP: controller 4.5 is AAP 2.4; 4.6 is AAP 2.5 behind the gateway, which needs /api/controller/v2/", () => {
    expect(aapVersion(AAP, "4.5.15", "/api/v2/")).toMatchObject({ gateway: false, version: { label: "AAP 2.4 (controller 4.5.15)", supported: true } });
    expect(aapVersion(AAP, "4.6.13", "/api/controller/v2/")).toMatchObject({ gateway: true, version: { label: "AAP 2.5 (controller 4.6.13)", supported: true } });
    expect(aapVersion(AAP, "4.6.13", "/api/v2/").version).toMatchObject({ supported: false, unsupported: expect.stringContaining("set AAP_API_PATH=/api/controller/v2/") });
    expect(aapVersion(AAP, "4.4.8", "/api/v2/").version).toMatchObject({ supported: false, unsupported: expect.stringContaining("AAP ? (controller 4.4.8) is not supported") });
  });

  it("Nautobot 2.0–2.4 and 3.x; the sync lookup before 2.4.2", () => {
    expect(nautobotVersion("2.4.1").adapts.join(" ")).toContain("without job_result");
    expect(nautobotVersion("2.4.2").adapts.join(" ")).not.toContain("without job_result");
    expect(nautobotVersion("3.0.4")).toMatchObject({ supported: true, adapts: expect.arrayContaining([expect.stringContaining("many-to-many")]) });
    expect(nautobotVersion("1.6.20")).toMatchObject({ supported: false, unsupported: "Nautobot 1.6.20 is not supported: labops supports Nautobot 2.0–2.4 and 3.x." });
  });

  it("Proxmox VE 8 and 9; TrueNAS SCALE 24.10 to 25.10", () => {
    expect(proxmoxVersion("8.2.4").supported).toBe(true);
    expect(proxmoxVersion("7.4-17")).toMatchObject({ supported: false, unsupported: expect.stringContaining("Proxmox VE 8 and 9") });
    expect(truenasVersion("24.10.2").adapts).toEqual(["snapshots with zfs.snapshot.*", "login with auth.login_with_api_key"]);
    expect(truenasVersion("25.10.1").adapts[0]).toBe("snapshots with pool.snapshot.*");
    expect(truenasVersion("24.04.2")).toMatchObject({ supported: false, unsupported: expect.stringContaining("24.10, 25.04 and 25.10") });
  });

  it("compares dotted versions", () => {
    expect(atLeast("2.4.2", 2, 4, 2)).toBe(true);
    expect(atLeast("2.4.10", 2, 4, 2)).toBe(true);
    expect(atLeast("2.3.16", 2, 4)).toBe(false);
    expect(atLeast("3.0.0", 2, 4, 2)).toBe(true);
  });
});
