/**
 * The web page and the API docs page, self-contained (no CDN: the host may have no internet).
 * Kept as strings in modules so `tsc` ships them in dist/ with the rest of the code. The
 * scripts build the DOM with textContent only, never innerHTML, so no server value is markup.
 */
export { APP_JS } from "./app-script.js";
export { CALIBRATE_JS } from "./calibrate-script.js";
export { DOCS_HTML, DOCS_JS } from "./docs.js";
export { INDEX_HTML } from "./page.js";
export { STYLE_CSS } from "./styles.js";
