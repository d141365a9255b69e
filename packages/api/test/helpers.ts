import { existsSync, readdirSync, readFileSync } from "node:fs";
import { type ClientRequest, request } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { GRAPHENE_CONTRAST_DICT } from "@flakeops/inference";
import { synthesize } from "@flakeops/inference/tools";
import pino, { type Logger } from "pino";
import sharp from "sharp";
import { type Config, defaultConfig } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The real service (registry, worker pool, routes) on 127.0.0.1, an ephemeral port. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  logger: Logger = pino({ level: "silent" }),
): Promise<RunningServer> {
  const config = defaultConfig({
    port: 0,
    host: "127.0.0.1",
    workers: 1,
    maxQueue: 8,
    imdsUrl: undefined,
    drainMs: 0,
    shutdownDeadlineMs: 5_000,
    ...overrides,
  });
  return startServer(config, { logger });
}

/** A synthetic microscope image with a few graphene flakes, as JPEG (or PNG) bytes. */
export async function synthImage(
  options: { width?: number; height?: number; seed?: number; format?: "jpeg" | "png" } = {},
): Promise<Buffer> {
  const { width = 640, height = 480, seed = 7, format = "jpeg" } = options;
  const synth = synthesize({
    width,
    height,
    seed,
    dictionary: GRAPHENE_CONTRAST_DICT,
    flakes: 4,
    radius: [30, 60],
  });
  const { data } = synth.image;
  // BGR (the detector's order) -> RGB (sharp's).
  const rgb = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i += 3) {
    rgb[i] = data[i + 2]!;
    rgb[i + 1] = data[i + 1]!;
    rgb[i + 2] = data[i]!;
  }
  const img = sharp(rgb, { raw: { width, height, channels: 3 } });
  return format === "png" ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A hand-made PNG whose (valid-CRC) IHDR declares width x height: a decompression bomb's header. */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The shared real graphene images (../shared/data from the repository), or [] when absent. */
export function sharedGrapheneImages(): { name: string; bytes: Buffer }[] {
  const dir = resolve(here, "../../../../shared/data/images/graphene");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jpg"))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

export function form(
  fields: Record<string, string | { bytes: Uint8Array; filename: string; type?: string }>,
): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === "string") fd.append(k, v);
    else
      fd.append(k, new Blob([v.bytes], { type: v.type ?? "application/octet-stream" }), v.filename);
  }
  return fd;
}

/** A response's JSON body, untyped: each test asserts the shape it expects. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by each test's assertions
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}

/** GET (or any fetch) and parse JSON. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by each test's assertions
export async function getJson(url: string, init?: RequestInit): Promise<any> {
  return jsonOf(await fetch(url, init));
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** POST a form and return status, headers and the parsed JSON body. */
export async function postForm(
  url: string,
  fd: FormData,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by each test's assertions
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { method: "POST", body: fd, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the assertion on body shape will say so */
  }
  return { status: res.status, headers: res.headers, body };
}

/** The contract's error shape, and nothing that looks like a stack trace. */
export function expectErrorShape(body: unknown): asserts body is ErrorBody {
  const b = body as ErrorBody;
  if (
    !b ||
    typeof b !== "object" ||
    !b.error ||
    typeof b.error.code !== "string" ||
    typeof b.error.message !== "string"
  ) {
    throw new Error(`not a { error: { code, message } } body: ${JSON.stringify(body)}`);
  }
  if (/\n\s+at\s|\.ts:\d+|node:internal/.test(JSON.stringify(body))) {
    throw new Error(`error body leaks a stack trace: ${JSON.stringify(body)}`);
  }
}

/**
 * Start a multipart upload and stop half-way: the request holds an upload slot (taken on the
 * headers) until the rest of the body is sent; its detection slot comes after.
 */
export function heldUpload(url: string, body: Buffer, type: string) {
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      url,
      { method: "POST", headers: { "Content-Type": type, "Content-Length": body.length } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
  });
  const half = Math.floor(body.length / 2);
  const sent = new Promise<void>((r) => req.write(body.subarray(0, half), () => r()));
  return { sent, response, finish: () => req.end(body.subarray(half)) };
}

export async function encodeForm(fd: FormData): Promise<{ body: Buffer; type: string }> {
  const r = new Response(fd);
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get("content-type")! };
}

/**
 * Wait until the server reports `n` requests under way, uploading or admitted to detection
 * (polls /info; no timing assumptions).
 */
export async function untilInFlight(
  url: string,
  n: number,
  headers?: Record<string, string>,
): Promise<void> {
  for (;;) {
    const info = await getJson(`${url}/info`, headers ? { headers } : undefined);
    if (info.load.in_flight + info.load.uploading >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
