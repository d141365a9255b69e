import { stalenessWarning } from "../prices/book.js";
import { priceBook } from "./catalog.js";

/**
 * What every answer priced in `region` owes its reader: that its book is over 90 days old or has
 * no known date, and which of its rates are borrowed from us-east-1 (the book's notes).
 */
export function regionPriceWarnings(region: string, today: Date = new Date()): string[] {
  const book = priceBook(region);
  const stale = stalenessWarning(book.asOf, today);
  return [...(stale ? [`${region} ${stale}`] : []), ...book.notes];
}
