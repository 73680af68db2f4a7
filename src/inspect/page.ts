/**
 * The live view's single page: HTML, CSS and the browser script, all inline (no CDN, works
 * offline). Everything is built in the browser from the event stream with `textContent`, never
 * `innerHTML`, so no value from a worker can become markup; the only markup it inserts is the
 * charts' SVG, rendered by this server with every label escaped (statechart-svg.ts) and parsed
 * as SVG. The page is served with a Content-Security-Policy that only runs this script (nonce).
 */
import { PAGE_SCRIPT } from './page-script.js'
import { PAGE_STYLE } from './page-style.js'
import { escapeXml } from './statechart-svg.js'

/** Renders the page. */
export function renderLivePage(options: { nonce: string; title: string }): string {
  const nonce = escapeXml(options.nonce)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeXml(options.title)}</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>${escapeXml(options.title)}</h1>
  <span id="connection" class="connection" data-status="connecting">connecting…</span>
  <span class="hint">click a worker or an actor for its history</span>
</header>
<main>
  <div class="side">
    <section class="panel" id="supervisor-panel" hidden>
      <h2>Supervisor <span class="hint" id="supervisor-summary"></span></h2>
      <p><span class="label">state</span> <strong id="supervisor-state" class="state-name">—</strong>
         <span class="label">status</span> <span id="supervisor-status">—</span></p>
      <p class="reason" id="supervisor-reason"></p>
      <ul id="slots" class="slots"></ul>
    </section>
    <section class="panel" id="workers-panel" hidden>
      <h2>Workers <span id="worker-count" class="count"></span></h2>
      <div class="table-wrap"><table id="workers">
        <thead><tr><th>worker</th><th>pid</th><th>slot</th><th title="incarnation">inc.</th><th>state</th><th>uptime</th><th title="restarts">rest.</th><th title="calls in flight">calls</th><th title="actors hosted">actors</th><th>reason</th></tr></thead>
        <tbody></tbody>
      </table></div>
    </section>
    <section class="panel" id="actors-panel" hidden>
      <h2>Actors <span id="actor-count" class="count"></span></h2>
      <div class="filters">
        <label>kind <select id="actor-kind"><option value="">every kind</option></select></label>
        <label>state <select id="actor-state" disabled><option value="">every state</option></select></label>
        <span id="actor-matching" class="hint"></span>
      </div>
      <div class="table-wrap"><table id="actor-counts" class="actor-counts">
        <thead><tr><th>worker</th><th>kind</th><th>actors by state</th></tr></thead>
        <tbody></tbody>
      </table></div>
      <div class="table-wrap actor-scroll" id="actor-scroll"><table id="actors">
        <thead><tr><th>actor</th><th>kind</th><th>state</th><th>last event</th><th>worker</th></tr></thead>
        <tbody></tbody>
      </table></div>
    </section>
    <section class="panel" id="history-panel" hidden>
      <h2>History of <span id="history-name"></span> <button type="button" id="history-close" class="close" aria-label="close">×</button></h2>
      <div id="history-body"></div>
    </section>
    <section class="panel" id="log-panel">
      <h2>Transitions <span class="hint">newest first</span></h2>
      <div class="table-wrap log-wrap"><table id="log">
        <thead><tr><th>time</th><th>actor</th><th>from → to</th><th>event</th><th>reason</th></tr></thead>
        <tbody></tbody>
      </table></div>
    </section>
  </div>
  <div class="charts" id="charts"><p class="hint" id="charts-empty">Charts appear as machines start.</p></div>
</main>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`
}
