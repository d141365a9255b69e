export * from "./alarm-rules.js";
export * from "./profile.js";
