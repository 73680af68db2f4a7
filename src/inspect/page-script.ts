import { CHART_SCRIPT } from './page-script-charts.js'
import { HISTORY_SCRIPT } from './page-script-history.js'

/**
 * The live page's script: plain ES2020, no build step, one closure (the chart and history parts
 * are pasted in; they use its state and helpers). It only ever writes text with
 * textContent; the charts' SVG (escaped by the server) is parsed as SVG, never as HTML.
 * Names follow the workers table everywhere: a worker is `#<cluster id>` once forked, before
 * that `slot-1 inc. 2`; a slot's reason names its workers the same way.
 * @internal
 */
export const PAGE_SCRIPT = `
(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const tokenQuery = token ? 'token=' + encodeURIComponent(token) : '';
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
    const id = row.slotId === null ? row.actorId || '' : row.slotId;
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
  function selectable(node, sessionId) {
    node.dataset.session = sessionId;
    if (sessionId === selected) node.classList.add('selected');
    node.addEventListener('click', () => select(sessionId));
    return node;
  }

  function renderSupervisor() {
    const root = [...actors.values()].find((a) => a.kind === 'supervisor');
    $('supervisor-panel').hidden = !root;
    if (!root) return;
    const slots = childrenOf(root.sessionId).filter((a) => a.kind === 'actor');
    const listening = workerRows().filter((w) => w.endedAt === null && w.states.includes('listening')).length;
    $('supervisor-state').textContent = root.states.join(', ') || '—';
    $('supervisor-status').textContent = root.status;
    $('supervisor-summary').textContent = slots.length ? listening + ' of ' + slots.length + ' workers listening' : '';
    // The machine keeps its last decision as the reason; once the start is over, say how it went.
    const isStartDone = /^starting \\d+ workers?$/.test(root.reason || '') && slots.length > 0 && listening >= slots.length;
    $('supervisor-reason').textContent = isStartDone ? 'all ' + slots.length + ' workers listening' : root.reason || '';
    $('slots').replaceChildren(...slots
      .sort((a, b) => String(a.slotId || a.actorId).localeCompare(String(b.slotId || b.actorId), undefined, { numeric: true }))
      .map((a) => {
        const li = selectable(el('li'), a.sessionId);
        li.append(el('span', actorName(a) + ': ', 'label'), el('strong', stateText(a), 'state-name'));
        if (a.reason) li.append(el('span', ' — ' + namedReason(a, a.reason), 'reason'));
        return li;
      }));
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
    $('workers-panel').hidden = rows.length === 0;
    $('workers').tBodies[0].replaceChildren(...rows.map((w) => {
      const tr = selectable(el('tr', null, w.endedAt === null ? 'running' : 'ended'), w.sessionId);
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
    $('worker-count').textContent = running + ' running' + (rows.length > running ? ', ' + (rows.length - running) + ' ended' : '');
  }

  function renderActors() {
    const root = [...actors.values()].find((a) => a.kind === 'supervisor');
    const rows = [...actors.values()].filter((a) => a.kind === 'actor' && (!root || a.parentId !== root.sessionId));
    $('actors-panel').hidden = rows.length === 0;
    $('actors').tBodies[0].replaceChildren(...rows.map((a) => {
      const tr = selectable(el('tr', null, a.endedAt === null ? 'running' : 'ended'), a.sessionId);
      tr.dataset.state = a.states.join(',');
      tr.append(el('td', a.actorId), el('td', a.machineId), el('td', a.states.join(', ') || '—', 'state'), el('td', a.status));
      return tr;
    }));
    $('actor-count').textContent = rows.length ? String(rows.length) : '';
  }

  ${CHART_SCRIPT}

  /** A cell whose text may break after each dot of a state path (<wbr>, so textContent stays the same). */
  function breakable(text, className) {
    const cell = el('td', null, className);
    String(text).split(/(?<=\\.)/).forEach((part, i) => {
      if (i > 0) cell.append(document.createElement('wbr'));
      cell.append(part);
    });
    return cell;
  }
  function transitionCells(e) {
    const to = e.to.join(', ') + (e.toStatus === 'active' ? '' : ' (' + e.toStatus + ')');
    const from = (e.crashedFrom || e.from).join(', ') || '—';
    const cell = breakable(from + ' → ' + to, 'state');
    if (e.isCrash) cell.append(el('span', exitText(e), 'crash-tag'));
    return cell;
  }

  function renderLog() {
    $('log').tBodies[0].replaceChildren(...log.slice().reverse().map((e) => {
      const tr = selectable(el('tr', null, e.isCrash ? 'crash' : ''), e.sessionId);
      tr.dataset.seq = String(e.seq);
      tr.append(el('td', formatTime(e.at)), el('td', actorName(e)), transitionCells(e), breakable(namedReason(e, shortEvent(e.event)), 'state event'), el('td', namedReason(e, e.reason), 'reason'));
      return tr;
    }));
  }

  function render() {
    isDirty = false;
    renderSupervisor();
    renderWorkers();
    renderActors();
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
      schedule();
    });
    source.addEventListener('chart', (m) => addChart(JSON.parse(m.data)));
    source.addEventListener('actor', (m) => {
      const row = JSON.parse(m.data);
      const known = actors.get(row.sessionId);
      // Rows of one actor arrive in order, but never let an older one replace a newer one.
      if (!known || known.seq < row.seq) actors.set(row.sessionId, row);
      touched(row.sessionId);
      schedule();
    });
    source.addEventListener('remove', (m) => { actors.delete(JSON.parse(m.data).sessionId); schedule(); });
    source.addEventListener('transition', (m) => {
      const entry = JSON.parse(m.data);
      log.push(entry);
      if (log.length > 200) log.splice(0, log.length - 200);
      markTransition(entry);
      touched(entry.sessionId);
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
