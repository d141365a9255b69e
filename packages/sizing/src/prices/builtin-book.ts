import { readFileSync } from "node:fs";
import { type ImportedBook, parseImportedBook } from "./book.js";

/**
 * The built-in price book: data/builtin-book.json, `prices import`'s own output for the offer
 * excerpts checked in beside it (generate-builtin-book.ts writes it; test/builtin-book.test.ts
 * holds it to a fresh import). Read once, synchronously, so the catalog is ready on import; from
 * src/ and dist/ alike it is two folders up.
 */
export const BUILTIN_BOOK_URL = new URL("../../data/builtin-book.json", import.meta.url);

export const BUILTIN_BOOK: ImportedBook = parseImportedBook(
  readFileSync(BUILTIN_BOOK_URL, "utf8"),
  "built-in price book",
);
