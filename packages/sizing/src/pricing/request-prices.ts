import { DEFAULT_REGION, priceBook } from "./catalog.js";

/**
 * The per-request prices a batch tier pays (clients put images in S3, workers read an SQS
 * queue), from the region's price book: the one home of these figures. Free tiers are left out
 * (they do not scale); S3 <-> EC2 transfer in one region is free through the gateway endpoint.
 */
export interface RequestPrices {
  region: string;
  /** The book's date. */
  asOf: string;
  /** SQS standard queue, per million requests (send, receive and delete each count). */
  sqsPerMillionRequestsUSD: number;
  /** S3 Standard PUT, COPY, POST or LIST, per 1,000 requests. */
  s3PutPer1000USD: number;
  /** S3 Standard GET or SELECT, per 1,000 requests. */
  s3GetPer1000USD: number;
}

/** The region's request prices; an unknown region is UNKNOWN_REGION naming the accepted ones. */
export function requestPrices(region: string = DEFAULT_REGION): RequestPrices {
  const book = priceBook(region);
  return {
    region: book.region,
    asOf: book.asOf,
    sqsPerMillionRequestsUSD: book.sqsPerMillionRequestsUSD,
    s3PutPer1000USD: book.s3PutPer1000USD,
    s3GetPer1000USD: book.s3GetPer1000USD,
  };
}
