import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors.js";
import { parseSecretArn } from "../host/api-keys.js";
import type { StackConfig } from "./config.js";

/** The region the stack deploys to, where the config says it: `region`, else `aws:region`. */
export function stackRegion(
  config: StackConfig,
  all: Readonly<Record<string, string>> = pulumi.runtime.allConfig(),
): string | undefined {
  return config.region ?? all["aws:region"];
}

/**
 * ARNs that must live in the stack's region, checked at preview: an ALB takes only an ACM
 * certificate of its own region, and the hosts read their key secrets through their region's
 * endpoint (the role is scoped to exactly those ARNs). One line each, naming the accepted form.
 */
export function checkRegionalArns(config: StackConfig, region: string | undefined): void {
  if (config.certificateArn !== undefined && region !== undefined) {
    const certRegion = config.certificateArn.split(":")[3];
    if (certRegion !== region) {
      throw new ConfigError(
        `invalid stack config: certificateArn: the certificate is in ${certRegion}, the stack deploys to ${region}; accepted: an ACM certificate in ${region} (arn:aws:acm:${region}:<account>:certificate/<id>)`,
      );
    }
  }
  for (const what of ["apiKeysSecretArn", "adminKeysSecretArn"] as const) {
    const arn = config[what];
    if (arn === undefined) continue;
    let secretRegion: string;
    try {
      secretRegion = parseSecretArn(arn, what).region;
    } catch (e) {
      throw new ConfigError(`invalid stack config: ${(e as Error).message}`);
    }
    if (region !== undefined && secretRegion !== region) {
      throw new ConfigError(
        `invalid stack config: ${what}: the secret is in ${secretRegion}, the stack deploys to ${region}, and the instance role may read only a secret of its own region; accepted: arn:aws:ssm:${region}:<account>:parameter/<name> or arn:aws:secretsmanager:${region}:<account>:secret:<name>`,
      );
    }
  }
}
