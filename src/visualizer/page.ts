import { clientScript } from './client-script.js';

const styles = `
:root {
  --bg: #0f1419; --panel: #161c23; --line: #2b343e; --text: #d8dee4; --muted: #8794a2;
  --ready: #3fb950; --busy: #d29922; --warn: #f0883e; --bad: #f85149; --idle: #6e7681; --accent: #58a6ff;
}
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
header.top { display: flex; gap: 18px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line);
  background: var(--panel); position: sticky; top: 0; z-index: 2; }
header.top h1 { font-size: 15px; margin: 0; font-weight: 600; }
header.top h1 span { color: var(--muted); font-weight: 400; }
.pill { padding: 2px 9px; border-radius: 10px; border: 1px solid var(--line); color: var(--muted); }
.hint { margin-left: auto; color: var(--muted); font-size: 12px; }
.feed-live { color: var(--ready); border-color: var(--ready); }
.feed-down { color: var(--bad); border-color: var(--bad); }
main { display: grid; grid-template-columns: minmax(0, 1fr) 480px; gap: 12px; padding: 12px; align-items: start; }
.left { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 12px; }
#empty { color: var(--muted); padding: 12px 0; }
button { font: inherit; color: inherit; }
.counts { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 8px; }
.count { border: 1px solid var(--line); background: var(--bg); border-radius: 10px; padding: 1px 9px; cursor: pointer; }
.count .n { font-weight: 600; font-variant-numeric: tabular-nums; }
.count.zero { opacity: 0.45; }
.count.c-ready .n { color: var(--ready); } .count.c-failed .n { color: var(--bad); }
.count.c-reconnecting .n { color: var(--warn); }
.count.c-connecting .n, .count.c-identifying .n, .count.c-resuming .n { color: var(--busy); }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.filters input { background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 2px 6px; width: 210px; }
#search-result, #shown { color: var(--muted); }
.cells { display: grid; grid-template-columns: repeat(auto-fill, 14px); gap: 2px; }
.cell { width: 14px; height: 14px; padding: 0; border: 0; border-radius: 2px; background: var(--idle); cursor: pointer; }
.cell.c-ready { background: var(--ready); }
.cell.c-connecting, .cell.c-identifying, .cell.c-resuming { background: var(--busy); }
.cell.c-reconnecting { background: var(--warn); }
.cell.c-failed { background: var(--bad); }
.cell.c-stopped { background: #3d444d; }
.cell.voice-on { box-shadow: inset 0 0 0 2px rgba(88, 166, 255, 0.9); }
.cell.dim { opacity: 0.15; }
.cell.selected { outline: 2px solid var(--text); outline-offset: 1px; }
.failed-pill { color: var(--bad); border-color: var(--bad); background: transparent; cursor: pointer; }
.load { cursor: pointer; }
.load input { display: none; }
.chart-wrap { position: relative; }
svg.arrows { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }
.arrow { fill: none; }
.arrow.faint { stroke: rgba(135, 148, 162, 0.16); stroke-width: 1; }
.arrow.taken { stroke: var(--accent); stroke-width: 2; }
.head-faint { fill: rgba(135, 148, 162, 0.3); } .head-taken { fill: var(--accent); }
.history { margin-top: 10px; }
.history-controls { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }
.history-controls h2 { font-size: 13px; margin: 0; }
.history-controls button, .load { border: 1px solid var(--line); background: var(--bg); border-radius: 4px; padding: 1px 8px; }
.history-scroll { max-height: 260px; overflow: auto; }
tr.current { background: rgba(88, 166, 255, 0.18); }
#history tr[data-step] { cursor: default; }
.shard.replaying { border-style: dashed; }
.shard { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 12px; }
.shard[data-status="ready"] { border-color: rgba(63, 185, 80, 0.45); }
.shard[data-status="reconnecting"], .shard[data-status="resuming"] { border-color: rgba(240, 136, 62, 0.6); }
.shard[data-status="failed"] { border-color: var(--bad); }
.strip { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; margin-bottom: 8px; }
.strip h2 { font-size: 14px; margin: 0; }
.badge { padding: 1px 9px; border-radius: 10px; font-weight: 600; background: var(--idle); color: #0b0f14; }
.s-ready { background: var(--ready); }
.s-connecting, .s-identifying, .s-resuming, .s-signalling { background: var(--busy); }
.s-reconnecting { background: var(--warn); }
.s-failed, .s-disconnected { background: var(--bad); }
.stat-label { color: var(--muted); margin-right: 5px; }
.stat-value { font-variant-numeric: tabular-nums; }
.leaves { flex-basis: 100%; color: var(--muted); font: 11px ui-monospace, SFMono-Regular, Menlo, monospace; }
.chart { display: flex; flex-wrap: wrap; gap: 6px; align-items: flex-start; }
.state { border: 1px solid var(--line); border-radius: 6px; padding: 2px 6px 5px; background: rgba(255, 255, 255, 0.02); }
.state > .label { font-size: 11px; color: var(--muted); white-space: nowrap; }
.state.initial > .label::before { content: "\\25CF  "; font-size: 8px; vertical-align: 1px; }
.state.final { border-style: double; border-width: 3px; }
.state.parallel, .state[data-state-id="shard.connection"], .state[data-state-id="voice.session"] { flex: 1 1 100%; order: 2; }
.children { display: flex; gap: 5px; margin-top: 3px; align-items: flex-start; }
.children.substates { flex-wrap: wrap; }
.children.regions { flex-wrap: wrap; }
.children.regions > .state { border-style: dashed; flex: 1 1 auto; }
.state.active { border-color: var(--accent); background: rgba(88, 166, 255, 0.07); }
.state.active > .label { color: var(--text); font-weight: 600; }
.state.atomic.active, .state.final.active { background: rgba(88, 166, 255, 0.3); box-shadow: inset 0 0 0 1px var(--accent); }
.shard[data-status="ready"] > .chart .state.atomic.active, .voice[data-status="ready"] .state.atomic.active {
  background: rgba(63, 185, 80, 0.3); border-color: var(--ready); box-shadow: inset 0 0 0 1px var(--ready); }
.shard[data-status="failed"] > .chart .state.final.active, .voice[data-status="disconnected"] .state.atomic.active {
  background: rgba(248, 81, 73, 0.3); border-color: var(--bad); box-shadow: none; }
.voices { display: flex; flex-direction: column; gap: 8px; margin-top: 10px; }
.voices:empty { display: none; }
.voice { border: 1px solid var(--line); border-left: 3px solid var(--idle); border-radius: 6px; padding: 6px 8px 8px;
  background: rgba(255, 255, 255, 0.015); transition: opacity 0.4s; }
.voice[data-status="ready"] { border-left-color: var(--ready); }
.voice[data-status="signalling"], .voice[data-status="connecting"], .voice[data-status="resuming"] { border-left-color: var(--busy); }
.voice[data-status="reconnecting"] { border-left-color: var(--warn); }
.voice[data-status="disconnected"] { border-left-color: var(--bad); }
.voice.gone { opacity: 0.35; filter: grayscale(1); }
.voice .strip { margin-bottom: 5px; gap: 3px 12px; }
.voice h3 { font-size: 12px; margin: 0; font-weight: 600; }
.guild-id { font: 11px ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); font-weight: 400; }
.disconnection { color: var(--bad); font-size: 12px; }
.voice .chart { gap: 4px; }
.voice .state > .label { font-size: 10px; }
.state.flash { animation: flash 1.4s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 3px var(--busy); } to { box-shadow: 0 0 0 0 transparent; } }
aside { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; position: sticky; top: 56px;
  max-height: calc(100vh - 70px); display: flex; flex-direction: column; }
aside h2 { font-size: 13px; margin: 0; }
.log-controls { display: flex; gap: 12px; padding: 8px 10px; border-bottom: 1px solid var(--line); align-items: center; }
.log-controls label { color: var(--muted); }
select { background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 2px 4px; }
.log-scroll { overflow: auto; }
table { width: 100%; border-collapse: collapse; font-size: 12px; table-layout: fixed; }
col.c-time { width: 92px; } col.c-who { width: 40px; } col.c-ev { width: 38%; }
td { padding: 3px 8px; border-bottom: 1px solid rgba(255, 255, 255, 0.04); vertical-align: top; white-space: nowrap; }
td.time { color: var(--muted); font-variant-numeric: tabular-nums; }
td.ev { white-space: normal; overflow-wrap: anywhere; }
td.move { white-space: normal; }
.detail, .arrow { color: var(--muted); }
td.ev .guild { color: var(--muted); font: 10px ui-monospace, SFMono-Regular, Menlo, monospace; }
tr.kind-heartbeat, tr.kind-step { color: var(--muted); }
tr.kind-status .to-ready { color: var(--ready); }
tr.kind-status .to-reconnecting, tr.kind-status .to-resuming { color: var(--warn); }
tr.kind-status .to-failed { color: var(--bad); }
@media (max-width: 1100px) { main { grid-template-columns: 1fr; } aside { position: static; max-height: 60vh; } }
`;

/**
 * The visualizer page. Everything is inline (no CDN, no asset files), allowed by a CSP nonce that is
 * fresh for every response; the script fills the page from the feed.
 */
export function renderPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>statecord · shards</title>
<style nonce="${nonce}">${styles}</style>
</head>
<body data-feed="connecting">
<header class="top">
  <h1>statecord <span>shard and voice lifecycles</span></h1>
  <span id="manager" class="pill">manager: —</span>
  <span id="ready-count" class="pill">0/0 ready</span>
  <button id="failed" class="pill failed-pill" type="button" hidden>0 failed</button>
  <span id="voice-count" class="pill" hidden>0/0 voice ready</span>
  <span id="feed" class="pill feed">connecting…</span>
  <label class="pill load">load a trace <input type="file" id="trace-file" accept="application/json,.json"></label>
  <span class="hint">click a shard; hover a state for what it implements</span>
</header>
<main>
  <div class="left">
    <section id="overview" class="panel">
      <div id="counts" class="counts"></div>
      <div class="filters">
        <select id="state-filter" aria-label="state filter"><option value="all">all states</option><option>idle</option><option>connecting</option><option>identifying</option><option>resuming</option><option>ready</option><option>reconnecting</option><option>stopped</option><option>failed</option></select>
        <select id="bucket-filter" aria-label="bucket filter"><option value="all">all buckets</option></select>
        <select id="failure-filter" aria-label="failure filter"><option value="any">any history</option><option value="failed">failed</option><option value="reconnected">reconnected</option><option value="closed">closed with a code</option></select>
        <input id="search" placeholder="shard id or guild id" aria-label="search by shard id or guild id">
        <button id="search-go" type="button" class="pill">find</button>
        <span id="search-result"></span>
        <span id="shown"></span>
      </div>
      <div id="empty">No shards yet: create them on the manager.</div>
      <div id="cells" class="cells"></div>
    </section>
    <section id="detail" class="panel" hidden>
      <div id="detail-card"></div>
      <div class="history">
        <div class="history-controls">
          <h2 id="history-title">History</h2>
          <button id="download-trace" type="button">download trace</button>
          <span id="replay" hidden><button id="replay-prev" type="button">◀ step</button> <span id="replay-step"></span> <button id="replay-next" type="button">step ▶</button> <button id="replay-exit" type="button">back to live</button></span>
        </div>
        <div class="history-scroll"><table><colgroup><col class="c-time"><col class="c-who"><col class="c-ev"><col></colgroup><tbody id="history"></tbody></table></div>
      </div>
    </section>
  </div>
  <aside>
    <div class="log-controls">
      <h2>Transitions</h2>
      <select id="filter" aria-label="shard filter"><option value="all">all shards</option></select>
      <label><input type="checkbox" id="heartbeats"> heartbeats</label>
    </div>
    <div class="log-scroll">
      <table><colgroup><col class="c-time"><col class="c-who"><col class="c-ev"><col></colgroup><tbody id="log"></tbody></table>
    </div>
  </aside>
</main>
<script nonce="${nonce}">${clientScript}</script>
</body>
</html>
`;
}
