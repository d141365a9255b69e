/**
 * What the EC2 offer does not carry, per built-in region: T3/T4g unlimited surplus (its own
 * product family), and the ALB, CloudWatch, WAF, S3 and SQS rates (other services' offers). Only
 * us-east-1's are sourced; a region without its own borrows them and says so on every answer.
 */

export interface NonOfferRates {
  /** Unlimited mode: each vCPU-hour above the baseline, Linux; T3/T3a (x86) and T4g (Graviton). */
  readonly t3SurplusPerVcpuHourUSD: number;
  readonly t4gSurplusPerVcpuHourUSD: number;
  readonly albHourlyUSD: number;
  readonly albLcuHourlyUSD: number;
  /** Network Load Balancer: per hour and per NLCU-hour. */
  readonly nlbHourlyUSD: number;
  readonly nlbLcuHourlyUSD: number;
  readonly alarmMonthlyUSD: number;
  readonly dashboardMonthlyUSD: number;
  readonly customMetricMonthlyUSD: number;
  /** CloudWatch PutMetricData, per 1,000 requests. */
  readonly putMetricDataPer1000USD: number;
  /** AWS WAF: per web ACL and per rule a month, per million requests inspected. */
  readonly wafWebAclMonthlyUSD: number;
  readonly wafRuleMonthlyUSD: number;
  readonly wafPerMillionRequestsUSD: number;
  /** S3 Standard storage, first 50 TB a month, per GB. */
  readonly s3StandardPerGBMonthUSD: number;
  /** Request charges a batch tier pays per image (see pricing/request-prices.ts). */
  readonly sqsPerMillionRequestsUSD: number;
  readonly s3PutPer1000USD: number;
  readonly s3GetPer1000USD: number;
}

export const US_EAST_1_RATES: NonOfferRates = {
  // https://aws.amazon.com/ec2/pricing/on-demand/ (unlimited mode: T3/T3a $0.05, T4g $0.04 per vCPU-hour, Linux)
  t3SurplusPerVcpuHourUSD: 0.05,
  t4gSurplusPerVcpuHourUSD: 0.04,
  // https://aws.amazon.com/elasticloadbalancing/pricing/ (ALB: per hour, per LCU-hour; NLB: per
  // hour, per NLCU-hour)
  albHourlyUSD: 0.0225,
  albLcuHourlyUSD: 0.008,
  nlbHourlyUSD: 0.0225,
  nlbLcuHourlyUSD: 0.006,
  alarmMonthlyUSD: 0.1,
  dashboardMonthlyUSD: 3,
  customMetricMonthlyUSD: 0.3,
  // https://aws.amazon.com/cloudwatch/pricing/ (API requests)
  putMetricDataPer1000USD: 0.01,
  // https://aws.amazon.com/waf/pricing/
  wafWebAclMonthlyUSD: 5,
  wafRuleMonthlyUSD: 1,
  wafPerMillionRequestsUSD: 0.6,
  // https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB / month)
  s3StandardPerGBMonthUSD: 0.023,
  // https://aws.amazon.com/sqs/pricing/ (standard queue, per million requests after the free tier)
  sqsPerMillionRequestsUSD: 0.4,
  // https://aws.amazon.com/s3/pricing/ (S3 Standard: PUT/COPY/POST/LIST and GET/SELECT per 1,000)
  s3PutPer1000USD: 0.005,
  s3GetPer1000USD: 0.0004,
};

/** The region whose figures a region without its own borrows. */
export const RATES_SOURCE_REGION = "us-east-1";

/**
 * Each built-in region's non-offer rates, or null where no regional source was found (a search
 * of AWS's pricing pages and public offer excerpts for the other four regions found none to
 * build in): those regions use us-east-1's and their answers say so.
 */
export const BUILTIN_NON_OFFER_RATES: Readonly<Record<string, NonOfferRates | null>> = {
  "us-east-1": US_EAST_1_RATES,
  "us-west-2": null,
  "eu-west-1": null,
  "eu-central-1": null,
  "ap-northeast-1": null,
};

/** The one line an answer priced in `region` carries when some of its figures are borrowed. */
export function borrowedRatesNote(region: string, borrowed: readonly string[]): string | null {
  if (borrowed.length === 0) return null;
  return `${region}: ${borrowed.join(", ")} at ${RATES_SOURCE_REGION} rates (no regional source built in); import ${region}'s offers for exact figures`;
}

/** The non-offer rates by name, as a borrowed note lists them. */
export const NON_OFFER_RATE_NAMES = [
  "ALB/NLB",
  "CloudWatch",
  "WAF",
  "S3",
  "SQS",
  "T3/T4g unlimited surplus",
] as const;
