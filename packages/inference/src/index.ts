export * from "./errors.js";
export * from "./flake.js";
export * from "./models.js";
