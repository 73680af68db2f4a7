/**
 * The live view's single page: HTML, CSS and the browser script, all inline (no CDN, works
 * offline). The server renders only the statechart; everything else is built in the browser from
 * the event stream with `textContent`, never `innerHTML`, so no value from a worker can become
 * markup. The page is served with a Content-Security-Policy that only runs this script (nonce).
 */
import type { StatechartLayout } from './statechart.js'
import { escapeXml } from './statechart.js'

/** Renders the page. `svg` must come from `renderStatechartSvg` (already escaped). */
export function renderLivePage(options: { nonce: string; title: string; svg: string; layout: StatechartLayout }): string {
  const nodes = options.layout.nodes
    .filter((n) => !n.path.startsWith('#'))
    .map((n) => ({ path: n.path, x: n.x, y: n.y, width: n.width, height: n.height, isCompound: n.isCompound }))
  const nonce = escapeXml(options.nonce)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeXml(options.title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>${escapeXml(options.title)}</h1>
  <span id="connection" class="connection" data-status="connecting">connecting…</span>
</header>
<main>
  <section class="panel" id="supervisor-panel">
    <h2>Supervisor</h2>
    <p><span class="label">state</span> <strong id="supervisor-state" class="state-name">—</strong>
       <span class="label">status</span> <span id="supervisor-status">—</span></p>
    <p class="reason" id="supervisor-reason"></p>
    <ul id="other-actors" class="other-actors"></ul>
  </section>
  <section class="panel" id="workers-panel">
    <h2>Workers <span id="worker-count" class="count"></span></h2>
    <table id="workers">
      <thead><tr><th>worker</th><th>pid</th><th>slot</th><th>incarnation</th><th>state</th><th>uptime</th><th>restarts</th><th>in flight</th><th>reason</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="panel" id="chart-panel">
    <h2>Worker lifecycle <span class="hint">drawn from the machine; badges show which workers are in each state</span></h2>
    <div class="chart">${options.svg}</div>
  </section>
  <section class="panel" id="log-panel">
    <h2>Transitions <span class="hint">newest first</span></h2>
    <table id="log">
      <thead><tr><th>time</th><th>actor</th><th>from</th><th>to</th><th>event</th><th>reason</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script type="application/json" id="chart-nodes">${toScriptJson(nodes)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`
}

/** JSON that is safe inside a `<script>` element: no `<`, so no `</script>`. */
function toScriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #6b7385; --line: #d8dce6; --bg: #f6f7fa; --accent: #2f6fde; --ok: #1a8a4a; --warn: #b86e00; --bad: #c0392b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 8px; }
.hint, .count, .label { color: var(--muted); font-weight: normal; font-size: 12px; }
main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(420px, 2.2fr); gap: 14px; padding: 14px 20px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; overflow: auto; }
#workers-panel { grid-column: 2; }
#supervisor-panel { grid-column: 1; grid-row: 1; }
#chart-panel { grid-column: 1 / span 2; }
#log-panel { grid-column: 1 / span 2; max-height: 420px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
td.reason { white-space: normal; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state-name, td.state { font-family: ui-monospace, monospace; }
tr.ended td { color: var(--muted); }
td.state[data-state="listening"] { color: var(--ok); font-weight: 600; }
td.state[data-state^="disconnecting"] { color: var(--warn); font-weight: 600; }
td.state[data-state="exited"] { color: var(--bad); font-weight: 600; }
.reason { color: var(--muted); margin: 4px 0; word-break: break-word; }
td.reason { max-width: 420px; word-break: break-word; }
.other-actors { list-style: none; margin: 6px 0 0; padding: 0; font-size: 13px; }
.other-actors li { padding: 2px 0; border-top: 1px dashed var(--line); }
.connection { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #eee; }
.connection[data-status="live"] { background: #e3f4ea; color: var(--ok); }
.connection[data-status="reconnecting"] { background: #fdecea; color: var(--bad); }
.chart { overflow: auto; }
svg.statechart { max-width: 100%; height: auto; }
svg.statechart text { font: 12px ui-monospace, monospace; fill: var(--fg); }
svg.statechart text.internal { font-size: 10px; fill: var(--muted); }
svg.statechart .edge text { font-size: 10px; fill: #36507a; }
svg.statechart .edge path { fill: none; stroke: #8a93a6; stroke-width: 1.2; }
svg.statechart .arrowhead { fill: #8a93a6; }
svg.statechart .start { fill: var(--fg); }
svg.statechart .state > rect { fill: #fff; stroke: #5b6578; stroke-width: 1.2; }
svg.statechart .state.compound > rect { fill: #f3f5fa; stroke-dasharray: 0; }
svg.statechart .state.any > rect { stroke-dasharray: 4 3; fill: #fafafa; }
svg.statechart .state.final > rect.inner { fill: none; }
svg.statechart .state.active > rect { fill: #e6efff; stroke: var(--accent); stroke-width: 2.5; }
svg.statechart .state.compound.active > rect { fill: #eef3ff; }
svg.statechart text.badge { font-size: 11px; font-weight: 700; fill: var(--accent); }
`

/* The browser side. Plain ES2020, no build step; it only ever writes text with textContent. */
const SCRIPT = `
(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const actors = new Map();
  const stats = new Map();
  let log = [];
  let clockOffset = 0;
  let isDirty = false;
  const chartNodes = JSON.parse(document.getElementById('chart-nodes').textContent);
  const nodeByPath = new Map(chartNodes.map((n) => [n.path, n]));
  const svg = document.querySelector('svg.statechart');
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const connection = document.getElementById('connection');

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function stateText(row) {
    const states = row.states.length ? row.states.join(', ') : '—';
    return row.status === 'active' || row.status === 'done' ? states : states + ' (' + row.status + ')';
  }
  function formatDuration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + 'h ' + m + 'm' : m ? m + 'm ' + r + 's' : r + 's';
  }
  function formatTime(at) {
    const d = new Date(at);
    return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }
  function actorName(entry) {
    if (entry.kind === 'worker') return 'worker ' + (entry.workerId === null ? '?' : '#' + entry.workerId) + (entry.pid === null ? '' : ' (pid ' + entry.pid + ')');
    if (entry.kind === 'supervisor') return 'supervisor';
    const id = entry.slotId === null ? entry.actorId || '' : entry.slotId;
    return String(id).startsWith(entry.machineId) ? id : entry.machineId + ' ' + id;
  }
  function schedule() {
    if (isDirty) return;
    isDirty = true;
    requestAnimationFrame(render);
  }

  function renderSupervisor() {
    const root = [...actors.values()].find((a) => a.kind === 'supervisor');
    document.getElementById('supervisor-state').textContent = root ? (root.states.join(', ') || '—') : '—';
    document.getElementById('supervisor-status').textContent = root ? root.status : '—';
    document.getElementById('supervisor-reason').textContent = root && root.reason ? root.reason : '';
    const list = document.getElementById('other-actors');
    const items = [...actors.values()].filter((a) => a.kind === 'actor')
      .sort((a, b) => String(a.slotId || a.actorId).localeCompare(String(b.slotId || b.actorId)))
      .map((a) => {
        const li = el('li');
        li.dataset.session = a.sessionId;
        li.append(el('span', actorName(a) + ': ', 'label'), el('strong', stateText(a), 'state-name'));
        if (a.reason) li.append(el('span', ' — ' + a.reason, 'reason'));
        return li;
      });
    list.replaceChildren(...items);
  }

  function workerRows() {
    return [...actors.values()].filter((a) => a.kind === 'worker').sort((a, b) => {
      if ((a.endedAt === null) !== (b.endedAt === null)) return a.endedAt === null ? -1 : 1;
      if (a.endedAt !== null) return b.endedAt - a.endedAt;
      return String(a.slotId).localeCompare(String(b.slotId), undefined, { numeric: true }) || (a.workerId || 0) - (b.workerId || 0);
    });
  }

  function renderWorkers() {
    const now = Date.now() + clockOffset;
    const rows = workerRows();
    const body = document.querySelector('#workers tbody');
    body.replaceChildren(...rows.map((w) => {
      const tr = el('tr', null, w.endedAt === null ? 'running' : 'ended');
      tr.dataset.session = w.sessionId;
      if (w.workerId !== null) tr.dataset.workerId = String(w.workerId);
      tr.dataset.state = w.states.join(',');
      const s = w.workerId === null ? undefined : stats.get(w.workerId);
      const stateCell = el('td', stateText(w), 'state');
      stateCell.dataset.state = w.states[0] || '';
      tr.append(
        el('td', w.workerId === null ? '—' : '#' + w.workerId),
        el('td', w.pid === null ? '—' : w.pid, 'num'),
        el('td', w.slotId === null ? '—' : w.slotId),
        el('td', w.incarnation === null ? '—' : w.incarnation, 'num'),
        stateCell,
        el('td', formatDuration((w.endedAt === null ? now : w.endedAt) - w.startedAt), 'num uptime'),
        el('td', s ? s.restarts : (w.restarts === null ? '—' : w.restarts), 'num restarts'),
        el('td', s && w.endedAt === null ? s.inFlight : '—', 'num in-flight'),
        el('td', w.reason || '', 'reason'),
      );
      return tr;
    }));
    const running = rows.filter((w) => w.endedAt === null).length;
    document.getElementById('worker-count').textContent = running + ' running' + (rows.length > running ? ', ' + (rows.length - running) + ' ended' : '');
  }

  function renderChart() {
    if (!svg) return;
    svg.querySelectorAll('.state.active').forEach((n) => n.classList.remove('active'));
    svg.querySelectorAll('text.badge').forEach((n) => n.remove());
    const byPath = new Map();
    for (const w of workerRows()) {
      for (const path of w.states) {
        const parts = path.split('.');
        for (let i = 1; i <= parts.length; i++) {
          const prefix = parts.slice(0, i).join('.');
          if (!byPath.has(prefix)) byPath.set(prefix, []);
          if (i === parts.length) byPath.get(prefix).push(w);
        }
      }
    }
    for (const [path, workers] of byPath) {
      for (const g of svg.querySelectorAll('g.state')) {
        if (g.getAttribute('data-state') === path) g.classList.add('active');
      }
      const node = nodeByPath.get(path);
      if (!node || workers.length === 0) continue;
      const badge = document.createElementNS(SVG_NS, 'text');
      badge.setAttribute('class', 'badge');
      badge.setAttribute('x', String(node.x + node.width / 2 - 2));
      badge.setAttribute('y', String(node.y - node.height / 2 - 4));
      badge.setAttribute('text-anchor', 'end');
      badge.setAttribute('data-badge', path);
      const ids = workers.map((w) => (w.workerId === null ? '?' : '#' + w.workerId));
      badge.textContent = ids.length > 6 ? ids.slice(0, 6).join(' ') + ' +' + (ids.length - 6) : ids.join(' ');
      svg.append(badge);
    }
  }

  function renderLog() {
    const body = document.querySelector('#log tbody');
    const rows = log.slice().reverse().map((e) => {
      const tr = el('tr');
      tr.dataset.seq = String(e.seq);
      tr.append(
        el('td', formatTime(e.at)),
        el('td', actorName(e)),
        el('td', e.from.join(', ') || '—', 'state'),
        el('td', e.to.join(', ') + (e.toStatus === 'active' ? '' : ' (' + e.toStatus + ')'), 'state'),
        el('td', e.event, 'state'),
        el('td', e.reason || '', 'reason'),
      );
      return tr;
    });
    body.replaceChildren(...rows);
  }

  function render() {
    isDirty = false;
    renderSupervisor();
    renderWorkers();
    renderChart();
    renderLog();
  }

  function applyStats(list) {
    stats.clear();
    for (const s of list) stats.set(s.workerId, s);
  }

  function connect() {
    const url = 'events' + (token ? '?token=' + encodeURIComponent(token) : '');
    const source = new EventSource(url);
    source.addEventListener('open', () => { connection.dataset.status = 'live'; connection.textContent = 'live'; });
    source.addEventListener('error', () => { connection.dataset.status = 'reconnecting'; connection.textContent = 'reconnecting…'; });
    source.addEventListener('init', (m) => {
      const data = JSON.parse(m.data);
      clockOffset = data.now - Date.now();
      actors.clear();
      for (const row of data.actors) actors.set(row.sessionId, row);
      log = data.log;
      applyStats(data.stats);
      schedule();
    });
    source.addEventListener('actor', (m) => {
      const row = JSON.parse(m.data);
      const known = actors.get(row.sessionId);
      // Rows of one actor arrive in order, but never let an older one replace a newer one.
      if (!known || known.seq < row.seq) actors.set(row.sessionId, row);
      schedule();
    });
    source.addEventListener('remove', (m) => { actors.delete(JSON.parse(m.data).sessionId); schedule(); });
    source.addEventListener('transition', (m) => {
      log.push(JSON.parse(m.data));
      if (log.length > 200) log.splice(0, log.length - 200);
      schedule();
    });
    source.addEventListener('stats', (m) => {
      const data = JSON.parse(m.data);
      clockOffset = data.now - Date.now();
      applyStats(data.stats);
      schedule();
    });
  }

  setInterval(renderWorkers, 1000);
  connect();
})();
`
