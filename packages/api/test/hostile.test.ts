import { request } from "node:http";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server.js";
import {
  encodeForm,
  expectErrorShape,
  form,
  jsonOf,
  postForm,
  startTestServer,
  synthImage,
  untilInFlight,
} from "./helpers.js";

const SLOW_KEY = "slow-client-key-1";
const GOOD_KEY = "good-client-key-1";

/** A pino logger whose lines land in `lines` (parsed), to read the access log back. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, logger: pino({ level: "info" }, sink) };
}

/**
 * A client that declares `length` bytes and sends one byte per second, at most `maxBytes`
 * of them: it ends when the server answers or its bytes run out (bounded either way).
 */
function tricklingUpload(url: string, type: string, head: Buffer, length: number, key: string) {
  return new Promise<number | string>((resolve) => {
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const req = request(
      url,
      {
        method: "POST",
        headers: { "Content-Type": type, "Content-Length": length, "X-Api-Key": key },
      },
      (res) => {
        clearInterval(timer);
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        req.destroy();
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => {
      clearInterval(timer);
      resolve(e.code ?? "error");
    });
    req.flushHeaders();
    timer = setInterval(() => {
      if (sent >= Math.min(head.length, 30)) {
        clearInterval(timer);
        req.destroy();
        return;
      }
      req.write(head.subarray(sent, sent + 1));
      sent++;
    }, 1000);
  });
}

describe("hostile clients", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  const captured = capturedLogger();
  beforeAll(async () => {
    srv = await startTestServer(
      {
        workers: 1,
        maxQueue: 8,
        apiKeys: new Map([
          [SLOW_KEY, "slowpoke"],
          [GOOD_KEY, "good"],
        ]),
        maxUploadsPerClient: 4,
        uploadGraceMs: 1500,
        minUploadBytesPerSecond: 1024,
      },
      captured.logger,
    );
    jpeg = await synthImage({ width: 320, height: 240 });
  });
  afterAll(() => srv.shutdown());

  it("20 clients trickling 1 byte/s: 429 or 408 for them, 20 legitimate requests succeed", async () => {
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "slowpoke" }),
    );
    const slow = Array.from({ length: 20 }, () =>
      tricklingUpload(`${srv.url}/detect`, type, body, body.length, SLOW_KEY),
    );
    await untilInFlight(srv.url, 4, { "X-Api-Key": GOOD_KEY });
    const good: number[] = [];
    for (let i = 0; i < 10; i++) {
      const pair = await Promise.all(
        [0, 1].map(() =>
          postForm(
            `${srv.url}/detect`,
            form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "good" }),
            { "X-Api-Key": GOOD_KEY },
          ),
        ),
      );
      good.push(...pair.map((r) => r.status));
    }
    expect(good).toEqual(Array(20).fill(200));
    const slowAnswers = await Promise.all(slow);
    // Four got upload slots and were cut off under the minimum rate; the rest were refused.
    expect(slowAnswers.filter((s) => s === 408)).toHaveLength(4);
    expect(slowAnswers.filter((s) => s === 429)).toHaveLength(16);
  });

  it.each([
    ["SVG", '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'],
    ["GIF", "GIF89a\x01\x00\x01\x00\x00\x00\x00;"],
    ["HTML", "<!doctype html><html><body>hi</body></html>"],
  ])("%s body -> 415 without parsing", async (_name, text) => {
    const bytes = Buffer.from(text, "latin1");
    const r = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes, filename: "x.jpg", type: "image/jpeg" }, customer_id: "good" }),
      { "X-Api-Key": GOOD_KEY },
    );
    expectErrorShape(r.body);
    expect(r.status).toBe(415);
    expect(r.body.error.code).toMatch(/UNSUPPORTED_IMAGE|NOT_AN_IMAGE/);
    expect(r.body.error.message).toMatch(/JPEG, PNG, TIFF.*WebP/);
  });

  it("a wrong method -> 405 with Allow, in each route family's shape", async () => {
    const headers = { "X-Api-Key": GOOD_KEY };
    const own = await fetch(`${srv.url}/detect`, { method: "GET", headers });
    expect(own.status).toBe(405);
    expect(own.headers.get("allow")).toBe("POST");
    expect((await jsonOf(own)).error.code).toBe("METHOD_NOT_ALLOWED");
    const mt = await fetch(`${srv.url}/available_models`, { method: "DELETE", headers });
    expect(mt.status).toBe(405);
    expect(mt.headers.get("allow")).toBe("GET, HEAD");
    expect((await jsonOf(mt)).detail).toMatch(/allowed: GET/);
  });

  it("Expect: 100-continue gets no 100 before auth; a good key gets it and the body is read", async () => {
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "good" }),
    );
    const attempt = (key: string) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = request(`${srv.url}/detect`, {
          method: "POST",
          headers: {
            "Content-Type": type,
            "Content-Length": body.length,
            Expect: "100-continue",
            "X-Api-Key": key,
          },
        });
        req.on("continue", () => {
          continued = true;
          req.end(body);
        });
        req.on("response", (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, continued }));
          if (!continued) req.destroy();
        });
        req.on("error", reject);
        req.flushHeaders();
      });
    expect(await attempt("wrong-key-123")).toEqual({ status: 401, continued: false });
    expect(await attempt(GOOD_KEY)).toEqual({ status: 200, continued: true });
  });

  it("a hang-up mid-upload is logged as 499 CLIENT_CLOSED", async () => {
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "good" }),
    );
    const req = request(`${srv.url}/detect`, {
      method: "POST",
      headers: { "Content-Type": type, "Content-Length": body.length, "X-Api-Key": GOOD_KEY },
    });
    req.on("error", () => {});
    await new Promise<void>((r) => req.write(body.subarray(0, 1000), () => r()));
    await untilInFlight(srv.url, 1, { "X-Api-Key": GOOD_KEY });
    req.destroy();
    const logged = () =>
      captured.lines.find((l) => l.msg === "request" && l.error === "CLIENT_CLOSED");
    while (!logged()) await new Promise((r) => setTimeout(r, 20));
    expect(logged()).toMatchObject({ status: 499, path: "/detect" });
    expect(captured.lines.some((l) => l.error === "SHUTTING_DOWN")).toBe(false);
  });
});
