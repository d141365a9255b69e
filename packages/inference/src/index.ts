export * from "./errors.js";
export * from "./flake.js";
