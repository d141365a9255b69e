// Worker threads do not go through the TypeScript transform of vitest or tsx's main-thread
// hooks in every setting. When the pool runs from sources (.ts), this shim loads the worker
// through tsx; built code (dist/*.js) loads worker.js directly and never comes here.
let mod;
try {
  mod = await import("./worker.ts");
} catch (e) {
  if (e?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw e;
  const { register } = await import("tsx/esm/api");
  register();
  // a new specifier: the failed import above stays cached under the plain one
  mod = await import("./worker.ts?tsx");
}
export default mod.default;
