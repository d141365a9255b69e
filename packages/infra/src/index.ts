// Filled in by the package's issue; this placeholder keeps the workspace type-checking.
export {};
