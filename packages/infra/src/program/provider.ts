import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * An explicit provider reads none of the stack's `aws:` config (the default provider does),
 * so a `region` stack would silently drop `aws:profile`, `aws:assumeRoles`, `aws:defaultTags`...
 * These are the default provider's settings, read from the `aws:` namespace, for an explicit
 * provider to inherit. Keys are the provider's own input names; structured ones are stored as
 * JSON (as `pulumi config set --path` writes them).
 */
const STRUCTURED = new Set([
  "allowedAccountIds",
  "assumeRoleWithWebIdentity",
  "assumeRoles",
  "defaultTags",
  "endpoints",
  "forbiddenAccountIds",
  "ignoreTags",
  "sharedConfigFiles",
  "sharedCredentialsFiles",
  "userAgents",
  "insecure",
  "maxRetries",
  "skipCredentialsValidation",
  "skipMetadataApiCheck",
  "skipRegionValidation",
  "skipRequestingAccountId",
  "tokenBucketRateLimiterCapacity",
  "useDualstackEndpoint",
  "useFipsEndpoint",
]);
const SECRET = new Set(["accessKey", "secretKey", "token"]);

export function inheritedProviderArgs(
  config: Readonly<Record<string, string>> = pulumi.runtime.allConfig(),
): aws.ProviderArgs {
  const args: Record<string, unknown> = {};
  for (const [full, value] of Object.entries(config)) {
    if (!full.startsWith("aws:")) continue;
    let key = full.slice("aws:".length);
    if (key === "region") continue;
    let parsed: unknown = STRUCTURED.has(key) || key === "assumeRole" ? JSON.parse(value) : value;
    // The older single-role key: the provider takes a list.
    if (key === "assumeRole") [key, parsed] = ["assumeRoles", [parsed]];
    args[key] = SECRET.has(key) ? pulumi.secret(parsed) : parsed;
  }
  return args as aws.ProviderArgs;
}
