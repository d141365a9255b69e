import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.js";
import type { AppEnv } from "./types.js";

/**
 * API keys, compared in constant time: both sides are hashed to 32 bytes first (so lengths
 * never differ) and every stored key is compared, so timing reveals neither a key's prefix
 * nor which key matched.
 */
export class KeyStore {
  private readonly entries: { hash: Buffer; customer: string; admin: boolean }[];

  constructor(
    keys: ReadonlyMap<string, string>,
    adminKeys: ReadonlyMap<string, string> = new Map(),
  ) {
    this.entries = [
      ...[...keys].map(([key, customer]) => ({ hash: sha256(key), customer, admin: false })),
      ...[...adminKeys].map(([key, customer]) => ({ hash: sha256(key), customer, admin: true })),
    ];
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The customer the key belongs to, or undefined. */
  lookup(key: string): string | undefined {
    return this.find(key)?.customer;
  }

  /** The key's customer and whether it is an admin key, or undefined. */
  find(key: string): { customer: string; admin: boolean } | undefined {
    const h = sha256(key);
    let found: { customer: string; admin: boolean } | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(h, e.hash) && found === undefined) found = e;
    }
    return found && { customer: found.customer, admin: found.admin };
  }
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

/** Sets `customer` when a valid key is presented; with no keys configured it lets all through. */
export function requireKey(store: KeyStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!store.enabled || c.req.method === "OPTIONS") return next();
    const key = presentedKey(c.req.raw.headers);
    if (!key) {
      throw new ApiError(
        401,
        "UNAUTHENTICATED",
        "an API key is required (Authorization: Bearer <key> or X-API-Key)",
        {
          "WWW-Authenticate": 'Bearer realm="flakeops"',
        },
      );
    }
    const found = store.find(key);
    if (found === undefined) {
      throw new ApiError(401, "UNAUTHENTICATED", "unknown API key", {
        "WWW-Authenticate": 'Bearer realm="flakeops", error="invalid_token"',
      });
    }
    c.set("customer", found.customer);
    c.set("admin", found.admin);
    return next();
  };
}

/**
 * The customer a request acts as: a key may act only as its own customer, filled in when the
 * form omits customer_id. Without auth the form's value stands (and is required by the caller).
 */
export function actingCustomer(
  authenticated: string | undefined,
  requested: string | undefined,
): string | undefined {
  if (authenticated === undefined) return requested;
  if (requested !== undefined && requested !== authenticated) {
    throw new ApiError(403, "FORBIDDEN", `this API key may not act as customer "${requested}"`);
  }
  return authenticated;
}
