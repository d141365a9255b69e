import { describe, expect, it } from "vitest";
import { actingCustomer, KeyStore, presentedKey } from "../src/http/auth.js";
import { ApiError } from "../src/http/errors.js";

describe("KeyStore", () => {
  const store = new KeyStore(
    new Map([
      ["alpha-key-0001", "alpha"],
      ["beta-key-00002", "beta"],
    ]),
  );

  it("maps each key to its customer and nothing else", () => {
    expect(store.enabled).toBe(true);
    expect(store.lookup("alpha-key-0001")).toBe("alpha");
    expect(store.lookup("beta-key-00002")).toBe("beta");
    expect(store.lookup("alpha-key-000")).toBeUndefined();
    expect(store.lookup("alpha-key-00011")).toBeUndefined();
    expect(store.lookup("")).toBeUndefined();
  });

  it("is disabled with no keys", () => {
    expect(new KeyStore(new Map()).enabled).toBe(false);
  });
});

describe("presentedKey", () => {
  it("reads Bearer tokens and X-API-Key", () => {
    expect(presentedKey(new Headers({ Authorization: "Bearer abc.def" }))).toBe("abc.def");
    expect(presentedKey(new Headers({ Authorization: "bearer   xyz " }))).toBe("xyz");
    expect(presentedKey(new Headers({ "X-API-Key": "k123" }))).toBe("k123");
    expect(presentedKey(new Headers({ Authorization: "Basic Zm9v" }))).toBeUndefined();
    expect(presentedKey(new Headers())).toBeUndefined();
  });
});

describe("actingCustomer", () => {
  it("fills in the key's customer and refuses another", () => {
    expect(actingCustomer("alpha", undefined)).toBe("alpha");
    expect(actingCustomer("alpha", "alpha")).toBe("alpha");
    expect(actingCustomer(undefined, "test")).toBe("test");
    expect(actingCustomer(undefined, undefined)).toBeUndefined();
    try {
      actingCustomer("alpha", "beta");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).status).toBe(403);
    }
  });
});
