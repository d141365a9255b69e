import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The EC2 instance type from the instance metadata service, IMDSv2 only (PUT a session token,
 * then GET with it). The host's DMI identity is read first: off EC2 nothing is sent to the
 * metadata address at all (issue 10). The answer, null included, is cached, so /info never
 * waits twice and never fails.
 */
export interface HostFacts {
  instanceType: string | null;
  /** Why instanceType is null, for humans. */
  note?: string;
}

export class ImdsClient {
  private cached: Promise<HostFacts> | undefined;

  constructor(
    private readonly baseUrl: string | undefined,
    private readonly timeoutMs = 300,
    /** Where the kernel shows the DMI identity; a fixture directory in tests. */
    private readonly dmiDir = DEFAULT_DMI_DIR,
  ) {}

  instanceType(): Promise<HostFacts> {
    this.cached ??= this.fetchOnce();
    return this.cached;
  }

  private async fetchOnce(): Promise<HostFacts> {
    if (!this.baseUrl) return { instanceType: null, note: "instance metadata lookup disabled" };
    if (!isEc2(this.dmiDir)) {
      return { instanceType: null, note: "not on EC2 (DMI identity), metadata service not asked" };
    }
    const base = this.baseUrl.replace(/\/+$/, "");
    try {
      const tokenRes = await fetch(`${base}/latest/api/token`, {
        method: "PUT",
        headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!tokenRes.ok)
        return { instanceType: null, note: `IMDS token request: HTTP ${tokenRes.status}` };
      const token = (await tokenRes.text()).trim();
      const typeRes = await fetch(`${base}/latest/meta-data/instance-type`, {
        headers: { "X-aws-ec2-metadata-token": token },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!typeRes.ok)
        return { instanceType: null, note: `IMDS instance-type: HTTP ${typeRes.status}` };
      const type = (await typeRes.text()).trim();
      if (!/^[a-z0-9-]+\.[a-z0-9-]+$/.test(type)) {
        return { instanceType: null, note: "IMDS returned an unexpected instance type" };
      }
      return { instanceType: type };
    } catch {
      return { instanceType: null, note: "not on EC2 (instance metadata service unreachable)" };
    }
  }
}

export const DEFAULT_DMI_DIR = "/sys/class/dmi/id";

/**
 * EC2 by its DMI identity, as AWS documents for telling an instance apart ("Detect whether a
 * host is an EC2 instance", EC2 User Guide): Nitro instances report sys_vendor "Amazon EC2" and
 * the instance id as board_asset_tag; Xen instances an "amazon" BIOS version or vendor.
 */
export function isEc2(dmiDir: string): boolean {
  const read = (name: string) => {
    try {
      return readFileSync(join(dmiDir, name), "utf8").trim();
    } catch {
      return "";
    }
  };
  if (read("sys_vendor") === "Amazon EC2") return true;
  if (/^i-[0-9a-f]{8,17}$/.test(read("board_asset_tag"))) return true;
  return /amazon/i.test(read("bios_version")) || /amazon/i.test(read("bios_vendor"));
}
