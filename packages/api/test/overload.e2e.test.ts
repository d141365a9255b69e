import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server.js";
import {
  encodeForm,
  expectErrorShape,
  form,
  getJson,
  heldUpload,
  jsonOf,
  postForm,
  startTestServer,
  synthImage,
  untilInFlight,
} from "./helpers.js";

describe("back-pressure", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  beforeAll(async () => {
    srv = await startTestServer({ workers: 1, maxQueue: 1, maxUploads: 2 });
    jpeg = await synthImage({ width: 320, height: 240 });
  });
  afterAll(() => srv.shutdown());

  it("full upload slots answer 503 with Retry-After before reading the body, then recover", async () => {
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "q" }),
    );
    const a = heldUpload(`${srv.url}/detect`, body, type);
    const b = heldUpload(`${srv.url}/detect`, body, type);
    await Promise.all([a.sent, b.sent]);
    await untilInFlight(srv.url, 2);

    // The upload slots (2) are taken: a third request is refused on its headers alone; its
    // body is never sent, yet the answer arrives.
    const c = heldUpload(`${srv.url}/detect`, body, type);
    const refused = await c.response;
    expect(refused.status).toBe(503);
    const err = JSON.parse(refused.body);
    expectErrorShape(err);
    expect(err.error.code).toBe("OVERLOADED");

    const d = await fetch(`${srv.url}/detect`, {
      method: "POST",
      headers: { "Content-Type": type },
      body,
    });
    expect(d.status).toBe(503);
    const retryAfter = Number(d.headers.get("retry-after"));
    const retryMs = Number(d.headers.get("retry-after-ms"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryMs).toBeGreaterThan(0);
    expect(retryAfter).toBe(Math.ceil(retryMs / 1000));

    a.finish();
    b.finish();
    expect((await a.response).status).toBe(200);
    expect((await b.response).status).toBe(200);
    const after = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "q" }),
    );
    expect(after.status).toBe(200);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/flakeops_rejected_total\{reason="uploads_full"\} 2/);
  });
  it("a burst beyond capacity: every answer is a 200 or a JSON 503 with Retry-After; load drains to zero", async () => {
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "burst" }),
    );
    const answers = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const res = await fetch(`${srv.url}/detect`, {
          method: "POST",
          headers: { "Content-Type": type },
          body,
        });
        return {
          status: res.status,
          retry: res.headers.get("retry-after"),
          body: await jsonOf(res),
        };
      }),
    );
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
    for (const a of answers) {
      if (a.status === 200) continue;
      expect(a.status).toBe(503);
      expectErrorShape(a.body);
      expect(Number(a.retry)).toBeGreaterThanOrEqual(1);
    }
    const info = await getJson(`${srv.url}/info`);
    expect(info.load).toMatchObject({ in_flight: 0, queued: 0, running: 0 });
  });
});

describe("request deadline", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  beforeAll(async () => {
    srv = await startTestServer({ workers: 1, maxQueue: 0, requestTimeoutMs: 2000 });
    jpeg = await synthImage({ width: 320, height: 240 });
  });
  afterAll(() => srv.shutdown());

  it("an upload that stalls gets a JSON 408 and gives its slot back", async () => {
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "slow" }),
    );
    // Half the body, then silence: the client never finishes, so only the deadline can end it.
    const stalled = heldUpload(`${srv.url}/detect`, body, type);
    const res = await stalled.response;
    expect(res.status).toBe(408);
    const err = JSON.parse(res.body);
    expectErrorShape(err);
    expect(err.error.code).toBe("REQUEST_TIMEOUT");
    // The single slot (1 worker, no queue) is free again.
    const next = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "fast" }),
    );
    expect(next.status).toBe(200);
  });
});
