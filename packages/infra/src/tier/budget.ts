import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface BudgetOptions {
  /** The sizing engine's whole-tier monthly estimate, USD. */
  readonly estimatedMonthlyUSD: number;
  /** Alert above estimate x (1 + margin). */
  readonly marginFraction: number;
  readonly topicArn: pulumi.Input<string>;
  readonly email?: string | undefined;
  /** Cost-allocation tag the budget filters on (activate it in the Billing console). */
  readonly costTag: { key: string; value: string };
}

/** The monthly limit: the estimate plus the margin, in whole cents. */
export function budgetLimitUSD(estimatedMonthlyUSD: number, marginFraction: number): string {
  return (Math.ceil(estimatedMonthlyUSD * (1 + marginFraction) * 100) / 100).toFixed(2);
}

/**
 * An AWS budget on this tier's tagged costs: alerts when actual spend passes the limit and when
 * the month's forecast does, to the tier's topic (and the e-mail, if given).
 */
export function createBudget(
  name: string,
  opts: BudgetOptions,
  parent: pulumi.Resource,
): aws.budgets.Budget {
  const subscribers = {
    subscriberSnsTopicArns: [opts.topicArn],
    ...(opts.email ? { subscriberEmailAddresses: [opts.email] } : {}),
  };
  return new aws.budgets.Budget(
    `${name}-budget`,
    {
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: budgetLimitUSD(opts.estimatedMonthlyUSD, opts.marginFraction),
      limitUnit: "USD",
      costFilters: [
        { name: "TagKeyValue", values: [`user:${opts.costTag.key}$${opts.costTag.value}`] },
      ],
      notifications: [
        {
          notificationType: "ACTUAL",
          comparisonOperator: "GREATER_THAN",
          threshold: 100,
          thresholdType: "PERCENTAGE",
          ...subscribers,
        },
        {
          notificationType: "FORECASTED",
          comparisonOperator: "GREATER_THAN",
          threshold: 100,
          thresholdType: "PERCENTAGE",
          ...subscribers,
        },
      ],
    },
    { parent },
  );
}
