// Worker threads do not go through the TypeScript transform of vitest or tsx's main-thread
// hooks in every setting. When the pool runs from sources (.ts), this shim loads the worker
// through tsx; built code (dist/*.js) loads worker.js directly and never comes here.
// Node 20 refuses ".ts" (ERR_UNKNOWN_FILE_EXTENSION); Node 22.18+ strips types itself but does
// not map our ".js" specifiers to the ".ts" sources (ERR_MODULE_NOT_FOUND): tsx does both.
const NEEDS_TSX = new Set(["ERR_UNKNOWN_FILE_EXTENSION", "ERR_MODULE_NOT_FOUND"]);
let mod;
try {
  mod = await import("./worker.ts");
} catch (e) {
  if (!NEEDS_TSX.has(e?.code)) throw e;
  const { register } = await import("tsx/esm/api");
  register();
  // a new specifier: the failed import above stays cached under the plain one
  mod = await import("./worker.ts?tsx");
}
export default mod.default;
