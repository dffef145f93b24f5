/**
 * The status page's HTML shell and style, as strings: tsc compiles them into dist/ with the rest
 * of the package, so the page needs no copy step, no CDN and no network (see ./routes.ts).
 */

/** Escapes text for an HTML attribute value. */
function attribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page; `token` (empty when the controls are off) is readable only by a same-origin script. */
export function pageHtml(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="mesos-local-token" content="${attribute(token)}">
<title>mesos-local · status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/status/app.css">
<script src="/status/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <h1>mesos-local</h1>
  <p id="live" role="status" class="off">Connecting…</p>
  <nav aria-label="Sections">
    <a href="#/">Overview</a>
    <a href="#/" data-jump="agents">Agents</a>
    <a href="#/" data-jump="frameworks">Frameworks</a>
    <a href="#/" data-jump="tasks">Tasks</a>
    <a href="#/" data-jump="maintenance">Maintenance</a>
  </nav>
</header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<noscript><p>The status page needs JavaScript; the same data is at <a href="/master/state">/master/state</a>.</p></noscript>
</body>
</html>
`;
}

/** The page's style: system fonts, high-contrast colours (WCAG AA on white), visible focus. */
export const PAGE_CSS = `
:root { --fg: #1a1a1a; --muted: #4d4d4d; --bg: #ffffff; --panel: #f3f4f6; --line: #c9ccd1; --accent: #0b57d0;
  --ok: #17622e; --warn: #8a4b00; --bad: #b3261e; --sim: #6a1b9a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 18px; margin: 0; }
header nav { display: flex; gap: 14px; }
#live { margin: 0; padding: 2px 10px; border-radius: 12px; font-weight: 600; }
#live.on { background: #dff3e4; color: var(--ok); }
#live.off { background: #fde7e5; color: var(--bad); }
main { padding: 12px 20px 40px; }
main:focus { outline: none; }
section { margin: 18px 0 26px; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 24px; margin: 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; }
input, select, button { font: inherit; color: inherit; }
input.narrow { width: 7em; }
input, select { padding: 3px 6px; border: 1px solid #767676; border-radius: 4px; background: var(--bg); }
button { padding: 3px 10px; border: 1px solid #767676; border-radius: 4px; background: var(--bg); cursor: pointer; }
button:hover { background: var(--panel); }
button:disabled { color: var(--muted); cursor: default; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: 2px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); white-space: nowrap; }
th button { border: 0; background: none; padding: 0; font-weight: 700; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.state { font-weight: 600; }
.state.good { color: var(--ok); }
.state.warn { color: var(--warn); }
.state.bad { color: var(--bad); }
.muted { color: var(--muted); }
.pager { display: flex; gap: 8px; align-items: center; margin-top: 6px; }
.sim { border: 2px dashed var(--sim); border-radius: 6px; padding: 8px 14px; }
.sim h2 { color: var(--sim); }
.sim .note { color: var(--muted); margin: 0 0 6px; }
.sim .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; }
pre.log { background: #111; color: #eee; padding: 8px; max-height: 60vh; overflow: auto; white-space: pre-wrap; word-break: break-all; }
ol.history { margin: 0; padding-left: 20px; }
`;
