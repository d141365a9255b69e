import { request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server.js";
import {
  expectErrorShape,
  form,
  jsonOf,
  pngDeclaring,
  postForm,
  startTestServer,
  synthImage,
} from "./helpers.js";

const CAP = 512 * 1024;

/** Every bad input: the contract's JSON error with the right status, and the server keeps serving. */
describe("bad input on POST /detect", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  beforeAll(async () => {
    srv = await startTestServer({ maxBodyBytes: CAP, maxPixels: 4096 * 4096 });
    jpeg = await synthImage({ width: 320, height: 240 });
  });
  afterAll(() => srv.shutdown());

  async function expectError(fd: FormData, status: number, code: string | RegExp) {
    const r = await postForm(`${srv.url}/detect`, fd);
    expectErrorShape(r.body);
    expect({ status: r.status, code: r.body.error.code }).toEqual({
      status,
      code: expect.stringMatching(code),
    });
    // ...and the server still answers.
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
    return r;
  }
  const img = (bytes: Uint8Array, filename = "x.jpg") => ({ bytes, filename, type: "image/jpeg" });

  it("missing image -> 400 naming the field", async () => {
    const r = await expectError(form({ customer_id: "test" }), 400, "MISSING_FIELD");
    expect(r.body.error.message).toMatch(/image/);
  });

  it("image sent as text, not a file -> 400", async () => {
    await expectError(form({ image: "not a file", customer_id: "test" }), 400, "BAD_FIELD");
  });

  it("empty file -> 400 EMPTY_INPUT", async () => {
    await expectError(
      form({ image: img(new Uint8Array(0)), customer_id: "test" }),
      400,
      "EMPTY_INPUT",
    );
  });

  it("text renamed .jpg -> 415 NOT_AN_IMAGE", async () => {
    const text = new TextEncoder().encode(
      "this is a plain text file, renamed to look like a photo\n".repeat(20),
    );
    await expectError(form({ image: img(text), customer_id: "test" }), 415, "NOT_AN_IMAGE");
  });

  it("truncated JPEG -> 422 CORRUPT_IMAGE", async () => {
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expectError(form({ image: img(truncated), customer_id: "test" }), 422, "CORRUPT_IMAGE");
  });

  it("a PNG declaring 60000x60000 -> 422 TOO_MANY_PIXELS, refused from the header", async () => {
    const bomb = pngDeclaring(60000, 60000);
    const r = await expectError(
      form({ image: img(bomb, "bomb.png"), customer_id: "test" }),
      422,
      "TOO_MANY_PIXELS",
    );
    expect(r.body.error.message).toMatch(/60000x60000/);
  });

  it.each([
    ["../etc", "path traversal"],
    ["has space", "a space"],
    ["a".repeat(65), "65 characters"],
    ["semi;colon", "punctuation"],
  ])("customer_id %j (%s) -> 400", async (customer) => {
    const r = await expectError(
      form({ image: img(jpeg), customer_id: customer }),
      400,
      "BAD_FIELD",
    );
    expect(r.body.error.message).toMatch(/^customer_id/);
  });

  it("missing customer_id (auth off) -> 400", async () => {
    await expectError(form({ image: img(jpeg) }), 400, "MISSING_FIELD");
  });

  it("unknown model -> 400 UNKNOWN_MODEL", async () => {
    await expectError(
      form({ image: img(jpeg), customer_id: "test", model: "GMM-Unobtainium" }),
      400,
      "UNKNOWN_MODEL",
    );
    await expectError(
      form({ image: img(jpeg), customer_id: "test", model: "../../etc/passwd" }),
      400,
      "UNKNOWN_MODEL",
    );
  });

  it.each([
    ["size_threshold", "0"],
    ["size_threshold", "-5"],
    ["size_threshold", "1.5"],
    ["size_threshold", "2000000000"],
    ["size_threshold", "lots"],
    ["std_threshold", "0"],
    ["std_threshold", "1000"],
    ["std_threshold", "NaN"],
    ["return_mask", "maybe"],
  ])("%s=%s out of range -> 400 naming it", async (field, value) => {
    const r = await expectError(
      form({ image: img(jpeg), customer_id: "test", [field]: value }),
      400,
      "BAD_FIELD",
    );
    expect(r.body.error.message.startsWith(field)).toBe(true);
  });

  it("wrong content type -> 415, JSON and urlencoded alike", async () => {
    for (const [type, body] of [
      ["application/json", JSON.stringify({ image: "x", customer_id: "test" })],
      ["application/x-www-form-urlencoded", "customer_id=test"],
      ["image/jpeg", "x"],
    ] as const) {
      const res = await fetch(`${srv.url}/detect`, {
        method: "POST",
        headers: { "Content-Type": type },
        body,
      });
      const b = await jsonOf(res);
      expectErrorShape(b);
      expect([res.status, b.error.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    }
  });

  /** Raw HTTP so the test controls Content-Length vs chunked framing exactly. */
  function rawPost(path: string, headers: Record<string, string | number>, chunks: Buffer[]) {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = request(`${srv.url}${path}`, { method: "POST", headers }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        (async () => {
          for (const c of chunks) {
            if (req.destroyed) return;
            await new Promise<void>((r) => req.write(c, () => r()));
          }
          req.end();
        })().catch(() => {});
      },
    );
  }

  function multipartAround(payload: Buffer, boundary = "XyZbOuNdArY") {
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="customer_id"\r\n\r\ntest\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    return {
      body: Buffer.concat([head, payload, tail]),
      type: `multipart/form-data; boundary=${boundary}`,
    };
  }

  it("body over the cap with Content-Length -> 413 before reading it", async () => {
    const { body, type } = multipartAround(Buffer.alloc(CAP + 1024, 0xab));
    const r = await rawPost("/detect", { "Content-Type": type, "Content-Length": body.length }, [
      body,
    ]);
    expect(r.status).toBe(413);
    expectErrorShape(JSON.parse(r.body));
    expect(JSON.parse(r.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it("chunked body (no Content-Length) over the cap -> 413 while streaming", async () => {
    const { body, type } = multipartAround(Buffer.alloc(CAP * 3, 0xcd));
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; i += 64 * 1024) pieces.push(body.subarray(i, i + 64 * 1024));
    const r = await rawPost(
      "/detect",
      { "Content-Type": type, "Transfer-Encoding": "chunked" },
      pieces,
    );
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it("a chunked body under the cap is accepted", async () => {
    const fd = form({ image: img(jpeg), customer_id: "test" });
    const encoded = new Response(fd);
    const bytes = Buffer.from(await encoded.arrayBuffer());
    const r = await rawPost(
      "/detect",
      { "Content-Type": encoded.headers.get("content-type")!, "Transfer-Encoding": "chunked" },
      [bytes.subarray(0, 1000), bytes.subarray(1000)],
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).customer_id).toBe("test");
  });

  it("fuzz: random multipart bodies to /detect and /predict always get a JSON 4xx, and the server keeps serving", async () => {
    const boundary = "fuzzBoundary42";
    const part = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      fc
        .tuple(
          fc.constantFrom("image", "customer_id", "model", "size_threshold", "files", "x"),
          fc.uint8Array({ maxLength: 1024 }),
        )
        .map(([name, b]) =>
          Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="f.jpg"\r\n\r\n`,
            ),
            Buffer.from(b),
            Buffer.from("\r\n"),
          ]),
        ),
      fc.constant(Buffer.from(`--${boundary}--\r\n`)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/detect", "/predict"),
        fc.array(part, { maxLength: 5 }),
        async (route, parts) => {
          const body = Buffer.concat(parts);
          const res = await fetch(`${srv.url}${route}`, {
            method: "POST",
            headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
            body,
          });
          const b = await jsonOf(res);
          if (route === "/detect") expectErrorShape(b);
          else expect(Object.keys(b)).toEqual(["detail"]); // MaskTerial's FastAPI shape
          expect([400, 413, 415, 422]).toContain(res.status);
        },
      ),
      { numRuns: 80, seed: 20261125 },
    );
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });
});
