import { SizingError } from "@flakeops/sizing";
import * as pulumi from "@pulumi/pulumi";

/** A configuration or sizing problem: Pulumi prints RunError messages as one line, no stack. */
export class ConfigError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * A production tier asked to run on fewer than two instances or availability zones (one
 * instance or zone lost would take the API down).
 */
export class ProductionCapacityError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = "ProductionCapacityError";
  }
}

/** Run a sizing call, turning its typed errors into one-line preview failures. */
export function sizingOrFail<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SizingError) throw new ConfigError(`${what}: ${e.message}`);
    throw e;
  }
}
