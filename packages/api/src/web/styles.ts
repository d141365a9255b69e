/** The stylesheet of the web page and the docs page (served as /assets/style.css). */
export const STYLE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
form { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; align-items: center;
  background: #fff; padding: 1rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
form button { grid-column: 2; justify-self: start; padding: .4rem 1.2rem; }
.status { margin: 1rem 0; min-height: 1.2em; } .status.error { color: #b00020; }
.tabs { display: flex; gap: .5rem; margin-bottom: 1rem; }
.tabs button { padding: .4rem 1rem; border: 1px solid #99a; background: #fff; border-radius: 6px; }
.tabs button[aria-selected="true"] { background: #1d2330; color: #fff; }
[hidden] { display: none !important; }
#stage { position: relative; display: inline-block; max-width: 100%; }
#overlay { max-width: 100%; border-radius: 6px; display: block; cursor: crosshair; }
.box { position: absolute; border: 1px solid #fff8; box-sizing: border-box; pointer-events: none; }
.box.rejected { border: 2px dashed #ff9800; }
#rejected td:last-child { text-align: left; }
.box.selected { border: 3px solid #ff2d95; box-shadow: 0 0 0 2px #0008; }
.filters, .downloads { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: .5rem 0; }
.filters input { width: 6rem; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #dde; padding: .3rem .5rem; text-align: right; }
th { background: #eef; } code { background: #eef; padding: 0 .2rem; }
#flakes tbody tr { cursor: pointer; }
#flakes tbody tr.selected { background: #ffd6ec; outline: 2px solid #ff2d95; }
.route { background: #fff; border-radius: 8px; padding: .6rem 1rem; margin: .6rem 0; box-shadow: 0 1px 3px #0002; }
.method { font-weight: bold; text-transform: uppercase; margin-right: .5rem; }
`;
