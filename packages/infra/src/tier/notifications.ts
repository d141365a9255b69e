import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The tier's SNS topic: alarm notifications ("notify" rules) and budget alerts go here, plus an
 * optional e-mail subscription (AWS sends a confirmation mail first).
 */
export function createTopic(
  name: string,
  email: string | undefined,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.sns.Topic {
  const topic = new aws.sns.Topic(`${name}-alerts`, { tags }, { parent });
  // AWS Budgets publishes only to topics that allow it; CloudWatch alarms of this account may by default.
  new aws.sns.TopicPolicy(
    `${name}-alerts`,
    {
      arn: topic.arn,
      policy: topic.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "Budgets",
              Effect: "Allow",
              Principal: { Service: "budgets.amazonaws.com" },
              Action: "SNS:Publish",
              Resource: arn,
            },
            {
              Sid: "CloudWatchAlarms",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "SNS:Publish",
              Resource: arn,
            },
          ],
        }),
      ),
    },
    { parent },
  );
  if (email) {
    new aws.sns.TopicSubscription(
      `${name}-alerts-email`,
      { topic: topic.arn, protocol: "email", endpoint: email },
      { parent },
    );
  }
  return topic;
}
