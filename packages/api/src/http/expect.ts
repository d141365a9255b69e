import type { Server } from "node:http";
import type { Context } from "hono";
import type { AppEnv } from "./types.js";

/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1): Node answers 100 on its own as soon as the
 * headers arrive unless a `checkContinue` listener exists. With this one the request goes to
 * the app like any other, and readForm sends the 100 only when auth and admission have passed;
 * a refusal is the final answer instead (with `Connection: close`, as the body may follow).
 */
export function deferContinue(server: Server): void {
  server.on("checkContinue", (req, res) => {
    server.emit("request", req, res);
  });
}

interface NodeBindings {
  outgoing?: { writeContinue(): void; headersSent: boolean };
  incoming?: { headers?: Record<string, string | string[] | undefined> };
}

/** Send `100 Continue` when the client asked for it; a no-op otherwise, and when done before. */
export function sendContinue(c: Context<AppEnv>): void {
  const env = c.env as NodeBindings | undefined;
  const expect = env?.incoming?.headers?.expect;
  if (typeof expect !== "string" || expect.toLowerCase() !== "100-continue") return;
  const out = env?.outgoing;
  if (!out || out.headersSent || continued.has(out)) return;
  continued.add(out);
  out.writeContinue();
}

const continued = new WeakSet<object>();
