import { getInstanceType } from "../pricing/catalog.js";
import { costOf, type PricingModel, roundUSD } from "../pricing/pricing.js";
import { capacityWarnings } from "../pricing/warnings.js";

export interface MigrationStep {
  title: string;
  detail: string;
  commands: string[];
}

export interface MigrationPlan {
  from: string;
  to: string;
  count: number;
  pricing: PricingModel;
  steps: MigrationStep[];
  fromMonthlyUSD: number;
  toMonthlyUSD: number;
  /** to - from, per month for `count` instances; positive costs more. */
  monthlyDeltaUSD: number;
  warnings: string[];
}

/**
 * The seed's migration guide (t3.micro -> t3.large) for any pair: back up, change the stack's
 * instance type, preview, update with a rolling instance refresh, verify, watch the cost.
 */
export function planMigration(
  fromType: string,
  toType: string,
  opts: { count?: number; pricing?: PricingModel; region?: string } = {},
): MigrationPlan {
  const from = getInstanceType(fromType, opts.region);
  const to = getInstanceType(toType, opts.region);
  const pricing = opts.pricing ?? "on-demand";
  const quote = { count: opts.count ?? 1, region: from.region };
  const fromMonthly = costOf(from, pricing, quote).monthlyUSD;
  const toMonthly = costOf(to, pricing, quote).monthlyUSD;
  const delta = toMonthly - fromMonthly;

  const warnings = capacityWarnings(to, pricing);
  if (from.type === to.type)
    warnings.unshift(`${from.type} is already the instance type: nothing to migrate`);
  if (from.arch !== to.arch) {
    warnings.push(
      `${from.arch} -> ${to.arch}: the AMI and any container image must be built for ${to.arch} (sharp and onnxruntime-node ship both)`,
    );
  }
  if (Boolean(from.gpu) !== Boolean(to.gpu)) {
    warnings.push(
      to.gpu
        ? `${to.type} needs a GPU AMI with NVIDIA drivers`
        : `${to.type} has no GPU: models must run on the CPU`,
    );
  }
  if (to.memoryGiB < from.memoryGiB) {
    warnings.push(
      `${to.type} has ${to.memoryGiB} GiB against ${from.memoryGiB} GiB: check mem_used_percent first (flakeops-sizing rightsize)`,
    );
  }

  const sign = delta >= 0 ? "+" : "-";
  const steps: MigrationStep[] = [
    {
      title: "Back up",
      detail:
        "Snapshot the data volume and copy the models directory and uploaded GMMs somewhere safe.",
      commands: [
        `aws ec2 create-snapshot --volume-id <volume-id> --description "flakeops before ${to.type}"`,
      ],
    },
    {
      title: "Change the stack config",
      detail: `Set the stack's instance type from ${from.type} to ${to.type}.`,
      commands: [`pulumi config set instanceType ${to.type}`],
    },
    {
      title: "Preview",
      detail:
        "Check that only the launch template and the group change; the load balancer and alarms stay.",
      commands: ["pulumi preview --diff"],
    },
    {
      title: "Update with a rolling instance refresh",
      detail:
        "Apply; the group replaces instances one at a time, keeping healthy capacity behind the load balancer.",
      commands: [
        "pulumi up",
        "aws autoscaling describe-instance-refreshes --auto-scaling-group-name <group>",
      ],
    },
    {
      title: "Verify",
      detail:
        "Through the load balancer (the instances are private): the health check answers and a timed detection on a sample image succeeds. The URLs are the stack's outputs.",
      commands: [
        'curl -fsS "$(pulumi stack output healthUrl)"',
        'time curl -X POST "$(pulumi stack output detectUrl)" -F "image=@test_image.jpg" -F "customer_id=test"',
      ],
    },
    {
      title: "Watch the cost",
      detail: `Expect ${sign}$${Math.abs(delta).toFixed(2)}/month (${pricing}); after 7 days, re-check the size against the metrics.`,
      commands: ["flakeops-sizing rightsize --metrics <exported-metrics.json>"],
    },
  ];

  return {
    from: from.type,
    to: to.type,
    count: quote.count,
    pricing,
    steps,
    fromMonthlyUSD: roundUSD(fromMonthly),
    toMonthlyUSD: roundUSD(toMonthly),
    monthlyDeltaUSD: roundUSD(delta),
    warnings,
  };
}
