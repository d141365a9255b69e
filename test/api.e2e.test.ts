import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfig, type RunningServer, startServer } from "@flakeops/api";
import { decodeRle, detectImage, FlakeSchema } from "@flakeops/inference";
import { getInstanceType } from "@flakeops/sizing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The API through its package's public surface, with the real inference engine and the real
// sizing catalog behind it.
const here = dirname(fileURLToPath(import.meta.url));
const imagesDir = resolve(here, "../../shared/data/images/graphene");
const images = existsSync(imagesDir)
  ? readdirSync(imagesDir)
      .filter((f) => f.endsWith(".jpg"))
      .sort()
  : [];
if (images.length === 0)
  console.warn(`api.e2e.test: real-image checks skipped, no images at ${imagesDir}`);

describe("@flakeops/api end to end", () => {
  let srv: RunningServer;
  let imds: Server;
  beforeAll(async () => {
    // A fake IMDSv2 on loopback: this host is a c5.large.
    imds = createServer((req, res) => {
      if (req.method === "PUT" && req.url === "/latest/api/token") return res.end("t0k");
      if (
        req.url === "/latest/meta-data/instance-type" &&
        req.headers["x-aws-ec2-metadata-token"] === "t0k"
      ) {
        return res.end("c5.large");
      }
      res.writeHead(401).end();
    });
    await new Promise<void>((r) => imds.listen(0, "127.0.0.1", () => r()));
    srv = await startServer(
      defaultConfig({
        port: 0,
        host: "127.0.0.1",
        workers: 1,
        imdsUrl: `http://127.0.0.1:${(imds.address() as AddressInfo).port}`,
        // The API asks IMDS only on an EC2 host by its DMI identity: this one says it is.
        dmiDir: resolve(here, "../packages/api/test/fixtures/dmi/ec2-nitro"),
        imdsTimeoutMs: 2000,
        logLevel: "silent",
      }),
    );
  });
  afterAll(async () => {
    await srv?.shutdown();
    imds?.close();
  });

  it("GET /info names the host's EC2 type as @flakeops/sizing's catalog knows it", async () => {
    const info = (await (await fetch(`${srv.url}/info`)).json()) as {
      host: { instance_type: string; sizing: unknown };
    };
    expect(info.host.instance_type).toBe("c5.large");
    expect(info.host.sizing).toEqual(JSON.parse(JSON.stringify(getInstanceType("c5.large"))));
  });

  it.skipIf(images.length === 0)(
    "POST /detect on a real graphene image returns the engine's flakes unchanged",
    async () => {
      const name = images[1] ?? images[0]!;
      const bytes = readFileSync(join(imagesDir, name));
      const fd = new FormData();
      fd.append("image", new Blob([bytes], { type: "image/jpeg" }), name);
      fd.append("customer_id", "e2e");
      const res = await fetch(`${srv.url}/detect`, { method: "POST", body: fd });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        image: { width: number; height: number };
        flakes: unknown[];
      };
      expect(body.image).toEqual({ width: 1920, height: 1200 });
      const direct = await detectImage(bytes);
      expect(body.flakes).toEqual(JSON.parse(JSON.stringify(direct.flakes)));
      for (const f of body.flakes) {
        const flake = FlakeSchema.parse(f);
        expect(decodeRle(flake.mask).length).toBe(1920 * 1200);
      }

      const mt = new FormData();
      mt.append("files", new Blob([bytes], { type: "image/jpeg" }), name);
      mt.append("classification_model", "GMM-Graphene");
      const predict = await fetch(`${srv.url}/predict`, { method: "POST", body: mt });
      expect(predict.status).toBe(200);
      expect(((await predict.json()) as unknown[]).length).toBe(body.flakes.length);
    },
  );
});
