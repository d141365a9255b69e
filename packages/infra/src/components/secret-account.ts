import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors.js";

/**
 * A key secret in another AWS account: the instance role's policy names it, but an identity
 * policy alone never grants access across accounts (the secret's own resource policy, and for
 * Secrets Manager its KMS key's, must allow the role too; SSM parameters cannot be shared that
 * way at all), so the host would fail to read its keys at boot. Refused at preview instead.
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html)
 */

/** A key secret's ARN (already checked by checkTierArgs) and the arg that gave it. */
export interface KeySecret {
  readonly what: string;
  readonly arn: string;
}

/** The configured key secrets, named by their args. */
export function keySecrets(args: {
  readonly apiKeysSecretArn?: string | undefined;
  readonly adminKeysSecretArn?: string | undefined;
}): KeySecret[] {
  return (["apiKeysSecretArn", "adminKeysSecretArn"] as const).flatMap((what) => {
    const arn = args[what];
    return arn === undefined ? [] : [{ what, arn }];
  });
}

/** arn:<partition>:<service>:<region>:<account>:<resource> */
function arnPart(arn: string, index: 3 | 4): string {
  return arn.split(":")[index] ?? "";
}

/** One line naming the first secret outside `account`, and the accepted form; else undefined. */
export function foreignSecret(
  name: string,
  secrets: readonly KeySecret[],
  account: string,
): string | undefined {
  const foreign = secrets.find((s) => arnPart(s.arn, 4) !== account);
  if (foreign === undefined) return undefined;
  const region = arnPart(foreign.arn, 3);
  return `${name}: ${foreign.what} is in account ${arnPart(foreign.arn, 4)}, the stack deploys to account ${account}, and the instance role cannot read a secret of another account; accepted: a secret in this account and region (arn:aws:ssm:${region}:${account}:parameter/<name> or arn:aws:secretsmanager:${region}:${account}:secret:<name>)`;
}

/**
 * Compare each key secret's account with the deploying account (the caller identity of the
 * provider `parent` uses, so an assumed role's account counts). Resolves to the checked ARNs;
 * rejects with a ConfigError, which Pulumi prints as one line and fails the preview with.
 */
export function checkSecretAccounts(
  name: string,
  secrets: readonly KeySecret[],
  parent: pulumi.Resource,
): pulumi.Output<string[]> {
  if (secrets.length === 0) return pulumi.output([]);
  return aws.getCallerIdentityOutput({}, { parent }).accountId.apply((account) => {
    const problem = foreignSecret(name, secrets, account);
    if (problem !== undefined) throw new ConfigError(problem);
    return secrets.map((s) => s.arn);
  });
}
