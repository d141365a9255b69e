import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server.js";
import {
  expectErrorShape,
  form,
  getJson,
  jsonOf,
  postForm,
  startTestServer,
  synthImage,
} from "./helpers.js";

describe("health, info, metrics, OpenAPI", () => {
  let srv: RunningServer;
  let imds: Server;
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    // A fake IMDSv2 on loopback saying this host is a t3.large.
    imds = createServer((req, res) => {
      if (req.method === "PUT" && req.url === "/latest/api/token") return res.end("token-1");
      if (
        req.url === "/latest/meta-data/instance-type" &&
        req.headers["x-aws-ec2-metadata-token"] === "token-1"
      ) {
        return res.end("t3.large");
      }
      res.writeHead(401).end();
    });
    await new Promise<void>((r) => imds.listen(0, "127.0.0.1", () => r()));
    // Every log line the service writes, as parsed JSON.
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n"))
          if (line.trim()) logLines.push(JSON.parse(line));
        done();
      },
    });
    srv = await startTestServer(
      {
        imdsUrl: `http://127.0.0.1:${(imds.address() as AddressInfo).port}`,
        imdsTimeoutMs: 2000,
        dmiDir: fileURLToPath(new URL("./fixtures/dmi/ec2-nitro", import.meta.url)),
      },
      pino({ level: "info" }, sink),
    );
  });
  afterAll(async () => {
    await srv.shutdown();
    imds.close();
  });

  it("GET /health -> 200 {status: ok}", async () => {
    const res = await fetch(`${srv.url}/health`);
    expect([res.status, await jsonOf(res)]).toEqual([200, { status: "ok" }]);
  });

  it("GET /info: version, models, limits, host with the EC2 type and its sizing entry", async () => {
    const info = await getJson(`${srv.url}/info`);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.models.default).toBe("GMM-Graphene");
    expect(info.models.available.classification_models.GMM).toContain("Graphene");
    expect(info.models).toHaveProperty("loaded");
    expect(info.limits).toMatchObject({ workers: 1, max_queue: 8 });
    expect(info.host.instance_type).toBe("t3.large");
    expect(info.host.sizing).toMatchObject({ type: "t3.large", vcpu: 2, memoryGiB: 8 });
  });

  it("GET /metrics: Prometheus text with request, latency, detect, queue, memory series", async () => {
    const jpeg = await synthImage({ width: 320, height: 240 });
    const r = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "m" }),
    );
    expect(r.status).toBe(200);
    await fetch(`${srv.url}/no-such-route`);
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /flakeops_http_requests_total\{method="POST",route="\/detect",status="200"\} 1/,
    );
    expect(text).toMatch(
      /flakeops_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/,
    );
    expect(text).toMatch(
      /flakeops_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/detect"\}/,
    );
    expect(text).toMatch(/flakeops_detect_duration_seconds_count\{model="GMM-Graphene"\} 1/);
    expect(text).toMatch(/^flakeops_queue_depth 0$/m);
    expect(text).toMatch(/^flakeops_in_flight 0$/m);
    expect(text).toMatch(/^flakeops_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/flakeops_model_load_seconds/);
  });

  it("logs one JSON line per request with its id, status and timings", async () => {
    const jpeg = await synthImage({ width: 320, height: 240 });
    const r = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "logs" }),
      {
        "X-Request-Id": "log-check-1",
      },
    );
    expect(r.status).toBe(200);
    const line = logLines.find((l) => l.req_id === "log-check-1" && l.msg === "request");
    expect(line).toMatchObject({ method: "POST", route: "/detect", status: 200, customer: "logs" });
    const timings = line!.timings as Record<string, number>;
    for (const k of ["queue_ms", "decode_ms", "detect_ms", "total_ms"])
      expect(typeof timings[k]).toBe("number");
    expect(typeof line!.ms).toBe("number");
  });

  it("/info shows the ONNX execution providers in use (CPU on a host without CUDA's library)", async () => {
    let onnx = (await getJson(`${srv.url}/info`)).onnx;
    expect(onnx.requested_execution_providers).toBe("auto");
    // bounded: the answer comes from a worker, and /info never waits for it
    for (let i = 0; i < 100 && onnx.execution_providers === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      onnx = (await getJson(`${srv.url}/info`)).onnx;
    }
    expect(Array.isArray(onnx.execution_providers)).toBe(true);
    expect(onnx.execution_providers.at(-1)).toBe("cpu");
  });

  it("serves /openapi.json built from the route schemas, and a docs page", async () => {
    const doc = await getJson(`${srv.url}/openapi.json`);
    expect(doc.openapi).toBe("3.1.0");
    for (const p of [
      "/detect",
      "/health",
      "/info",
      "/metrics",
      "/predict",
      "/available_models",
      "/status",
      "/upload/gmm",
      "/delete_model",
      "/download_model",
      "/calibrate",
    ]) {
      expect(doc.paths).toHaveProperty(p);
    }
    const calibrate = doc.paths["/calibrate"].post.requestBody.content["multipart/form-data"];
    expect(calibrate.schema.required).toEqual(expect.arrayContaining(["coco", "images"]));
    const form = doc.paths["/detect"].post.requestBody.content["multipart/form-data"].schema;
    expect(form.properties).toHaveProperty("image");
    expect(form.required).toContain("image");
    const docs = await fetch(`${srv.url}/docs`);
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
    expect(await docs.text()).toMatch(/assets\/docs\.js/);
  });

  it("unknown routes -> 404 JSON error", async () => {
    const res = await fetch(`${srv.url}/nope`);
    const body = await jsonOf(res);
    expectErrorShape(body);
    expect([res.status, body.error.code]).toEqual([404, "NOT_FOUND"]);
  });
});
