#!/usr/bin/env node
/**
 * `node dist/healthcheck.js`: exit 0 when the local service answers its health path with 200,
 * 1 otherwise. The container's HEALTHCHECK and anyone on the host use it, so the port and path
 * come from the contract instead of being typed into a Dockerfile or a unit.
 */
import { DEFAULT_PORT, HEALTH_PATH } from "./contract.js";

const port = Number(process.env.PORT || DEFAULT_PORT);
try {
  const res = await fetch(`http://127.0.0.1:${port}${HEALTH_PATH}`, {
    signal: AbortSignal.timeout(2_000),
  });
  process.exitCode = res.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
