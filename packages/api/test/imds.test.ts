import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImdsClient } from "../src/services/imds.js";

/** A fake IMDSv2 on 127.0.0.1: a token from PUT, the instance type only with that token. */
function fakeImds(instanceType: string): Promise<{ server: Server; url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return res.writeHead(400).end();
      return res.writeHead(200).end("tok-123");
    }
    if (req.method === "GET" && req.url === "/latest/meta-data/instance-type") {
      if (req.headers["x-aws-ec2-metadata-token"] !== "tok-123") return res.writeHead(401).end();
      return res.writeHead(200).end(instanceType);
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls }),
    ),
  );
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures/dmi");
const EC2_DMI = join(fixtures, "ec2-nitro");

describe("ImdsClient", () => {
  let imds: Awaited<ReturnType<typeof fakeImds>>;
  beforeAll(async () => {
    imds = await fakeImds("t3.large");
  });
  afterAll(() => imds.server.close());

  it("does the IMDSv2 token dance and caches the answer", async () => {
    const client = new ImdsClient(imds.url, 2000, EC2_DMI);
    expect(await client.instanceType()).toEqual({ instanceType: "t3.large" });
    expect(await client.instanceType()).toEqual({ instanceType: "t3.large" });
    expect(imds.calls).toEqual(["PUT /latest/api/token", "GET /latest/meta-data/instance-type"]);
  });

  it("answers null, without throwing, when nothing listens", async () => {
    const closed = await fakeImds("x");
    await new Promise<void>((r) => closed.server.close(() => r()));
    const facts = await new ImdsClient(closed.url, 300, EC2_DMI).instanceType();
    expect(facts.instanceType).toBeNull();
    expect(facts.note).toMatch(/not on EC2/);
  });

  it("answers null when disabled", async () => {
    expect((await new ImdsClient(undefined).instanceType()).instanceType).toBeNull();
  });

  it("off EC2 (by DMI) it never sends a request to the metadata address", async () => {
    const before = imds.calls.length;
    const facts = await new ImdsClient(imds.url, 2000, join(fixtures, "laptop")).instanceType();
    expect(facts.instanceType).toBeNull();
    expect(facts.note).toMatch(/not on EC2 \(DMI identity\)/);
    expect(imds.calls.length).toBe(before);
    // no DMI at all (a container without /sys): not EC2 either
    const none = await new ImdsClient(imds.url, 2000, join(fixtures, "absent")).instanceType();
    expect(none.instanceType).toBeNull();
    expect(imds.calls.length).toBe(before);
  });
});
