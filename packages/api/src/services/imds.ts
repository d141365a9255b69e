/**
 * The EC2 instance type from the instance metadata service, IMDSv2 only (PUT a session token,
 * then GET with it). Off EC2 the PUT times out quickly and the answer is null, cached like a
 * real one, so /info never waits twice and never fails.
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
  ) {}

  instanceType(): Promise<HostFacts> {
    this.cached ??= this.fetchOnce();
    return this.cached;
  }

  private async fetchOnce(): Promise<HostFacts> {
    if (!this.baseUrl) return { instanceType: null, note: "instance metadata lookup disabled" };
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
