import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server.js";
import {
  expectErrorShape,
  form,
  jsonOf,
  postForm,
  startTestServer,
  synthImage,
} from "./helpers.js";

describe("API keys and CORS", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  const KEY_A = "key-for-lab-a-0123456789";
  const KEY_B = "key-for-lab-b-9876543210";
  beforeAll(async () => {
    srv = await startTestServer({
      apiKeys: new Map([
        [KEY_A, "lab_a"],
        [KEY_B, "lab_b"],
      ]),
      corsOrigins: ["https://lab.example"],
    });
    jpeg = await synthImage({ width: 320, height: 240 });
  });
  afterAll(() => srv.shutdown());
  const image = () => ({ bytes: jpeg, filename: "a.jpg" });

  it("/health stays open", async () => {
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it("no key or a wrong key -> 401 JSON", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong-key-000000" },
      { "X-API-Key": `${KEY_A}x` },
    ];
    for (const headers of attempts) {
      const r = await postForm(
        `${srv.url}/detect`,
        form({ image: image(), customer_id: "lab_a" }),
        headers,
      );
      expectErrorShape(r.body);
      expect([r.status, r.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    }
    expect((await fetch(`${srv.url}/info`)).status).toBe(401);
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(401);
    const mt = await fetch(`${srv.url}/available_models`);
    expect([mt.status, Object.keys(await jsonOf(mt))]).toEqual([401, ["detail"]]);
  });

  it("a key acts as its own customer: filled in when omitted, 403 for another", async () => {
    const filled = await postForm(`${srv.url}/detect`, form({ image: image() }), {
      Authorization: `Bearer ${KEY_A}`,
    });
    expect([filled.status, filled.body.customer_id]).toEqual([200, "lab_a"]);
    const same = await postForm(
      `${srv.url}/detect`,
      form({ image: image(), customer_id: "lab_b" }),
      { "X-API-Key": KEY_B },
    );
    expect([same.status, same.body.customer_id]).toEqual([200, "lab_b"]);
    const other = await postForm(
      `${srv.url}/detect`,
      form({ image: image(), customer_id: "lab_b" }),
      { "X-API-Key": KEY_A },
    );
    expectErrorShape(other.body);
    expect([other.status, other.body.error.code]).toEqual([403, "FORBIDDEN"]);
  });

  it("CORS on /detect follows FLAKEOPS_CORS_ORIGINS", async () => {
    const pre = (origin: string) =>
      fetch(`${srv.url}/detect`, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization",
        },
      });
    const allowed = await pre("https://lab.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://lab.example");
    const denied = await pre("https://evil.example");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});
