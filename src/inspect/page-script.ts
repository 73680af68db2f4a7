import { ACTORS_SCRIPT } from './page-script-actors.js'
import { CHART_SCRIPT } from './page-script-charts.js'
import { HISTORY_SCRIPT } from './page-script-history.js'
import { TABLES_SCRIPT } from './page-script-tables.js'

/**
 * The live page's script: plain ES2020, no build step, one closure (the tables, actor list, chart
 * and history parts are pasted in; they use its state and helpers). It only ever writes text with
 * textContent; the charts' SVG (escaped by the server) is parsed as SVG, never as HTML.
 * Names follow the workers table everywhere: a worker is `#<cluster id>` once forked, before
 * that `slot-1 inc. 2`; a slot's reason names its workers the same way. The stream sends one
 * `init`, then a `batch` per interval (the cluster's rows, new log entries, removals, the actor
 * counts) and `chart`/`stats` messages.
 * @internal
 */
export const PAGE_SCRIPT = `
(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const tokenQuery = token ? 'token=' + encodeURIComponent(token) : '';
  /** The cluster's own rows (supervisor, slots, workers); user actors stay on the server (the actor list). */
  const actors = new Map();
  const stats = new Map();
  const charts = new Map();
  let log = [];
  let clockOffset = 0;
  let isDirty = false;
  let selected = null;
  let historyTimer = null;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const connection = document.getElementById('connection');
  const $ = (id) => document.getElementById(id);

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
  /** xstate.after.backoff.slot.backoff → after backoff; xstate.done.actor.worker-1 → done: worker-1. */
  function shortEvent(type) {
    const after = /^xstate.after.([^.]+)./.exec(type);
    if (after) return 'after ' + after[1];
    const done = /^xstate.(done|error).actor.(.+)$/.exec(type);
    return done ? done[1] + ': ' + done[2] : type;
  }
  function exitText(e) {
    return e.exitSignal ? 'killed by ' + e.exitSignal : e.exitCode !== null && e.exitCode !== undefined ? 'exit code ' + e.exitCode : 'exited';
  }
  /** A worker as the table names it; anything else by its slot or id. */
  function actorName(entry) {
    const row = actors.get(entry.sessionId) || entry;
    if (row.kind === 'worker') {
      if (row.workerId !== null) return 'worker #' + row.workerId + (row.pid === null ? '' : ' (pid ' + row.pid + ')');
      return 'worker of ' + (row.slotId || '?') + (row.incarnation === null ? '' : ', inc. ' + row.incarnation) + ' (not forked yet)';
    }
    if (row.kind === 'supervisor') return 'supervisor';
    const id = row.slotId === null || row.slotId === undefined ? row.actorId || '' : row.slotId;
    return String(id).startsWith(row.machineId) ? id : row.machineId + ' ' + id;
  }
  function childrenOf(sessionId) {
    return [...actors.values()].filter((a) => a.parentId === sessionId);
  }
  /** A slot says "worker-2 listening" (its child id); say "worker #5" as the table does. */
  function namedReason(row, reason) {
    if (!reason) return '';
    const kids = childrenOf(row.sessionId);
    return String(reason).replace(/\\bworker-(\\d+)\\b/g, (match, n) => {
      const child = kids.find((k) => k.actorId === match);
      return child && child.workerId !== null ? 'worker #' + child.workerId : 'worker (inc. ' + n + ')';
    });
  }
  function schedule() {
    if (isDirty) return;
    isDirty = true;
    requestAnimationFrame(render);
  }
  let isChartsDirty = false;
  function scheduleCharts() {
    if (isChartsDirty || isDirty) return;
    isChartsDirty = true;
    requestAnimationFrame(() => { isChartsDirty = false; renderCharts(); });
  }
  function selectable(node, sessionId) {
    node.dataset.session = sessionId;
    if (sessionId === selected) node.classList.add('selected');
    node.addEventListener('click', () => select(sessionId));
    return node;
  }

  ${TABLES_SCRIPT}

  ${ACTORS_SCRIPT}

  ${CHART_SCRIPT}

  function render() {
    isDirty = false;
    renderSupervisor();
    renderWorkers();
    renderCharts();
    renderLog();
  }

  ${HISTORY_SCRIPT}

  function applyStats(list) {
    stats.clear();
    for (const s of list) stats.set(s.workerId, s);
  }
  function touched(sessionId) {
    if (sessionId !== selected) return;
    clearTimeout(historyTimer);
    historyTimer = setTimeout(loadHistory, 150);
  }
  function applyRow(row) {
    const known = actors.get(row.sessionId);
    // Rows of one actor arrive in order, but never let an older one replace a newer one.
    if (!known || known.seq < row.seq) actors.set(row.sessionId, row);
    touched(row.sessionId);
  }
  function applyTransition(entry) {
    log.push(entry);
    if (log.length > 200) log.splice(0, log.length - 200);
    markTransition(entry);
    touched(entry.sessionId);
  }

  function connect() {
    const source = new EventSource('events' + (tokenQuery ? '?' + tokenQuery : ''));
    source.addEventListener('open', () => { connection.dataset.status = 'live'; connection.textContent = 'live'; });
    source.addEventListener('error', () => { connection.dataset.status = 'reconnecting'; connection.textContent = 'reconnecting…'; });
    source.addEventListener('init', (m) => {
      const data = JSON.parse(m.data);
      clockOffset = data.now - Date.now();
      actors.clear();
      for (const row of data.actors) actors.set(row.sessionId, row);
      log = data.log;
      applyStats(data.stats);
      for (const chart of data.charts) addChart(chart);
      for (const key of charts.keys()) markLatest(key);
      list.page = null;
      applySummary(data.actorSummary);
      schedule();
    });
    source.addEventListener('chart', (m) => addChart(JSON.parse(m.data)));
    source.addEventListener('batch', (m) => {
      const batch = JSON.parse(m.data);
      for (const row of batch.rows) applyRow(row);
      for (const entry of batch.transitions) applyTransition(entry);
      for (const sessionId of batch.removes) actors.delete(sessionId);
      if (batch.actors) applySummary(batch.actors);
      // A batch of user actors only changes the counts and badges: leave the tables and the log be.
      if (batch.rows.length || batch.transitions.length || batch.removes.length) schedule();
      else scheduleCharts();
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
