/**
 * The live page's history panel, pasted into PAGE_SCRIPT's closure: a click on a worker, slot or
 * actor loads `/history.json` and shows its crash record, transitions and received events.
 */
export const HISTORY_SCRIPT = `
  function select(sessionId) {
    selected = sessionId;
    document.querySelectorAll('.selected').forEach((n) => n.classList.remove('selected'));
    document.querySelectorAll('[data-session]').forEach((n) => n.dataset.session === sessionId && n.classList.add('selected'));
    loadHistory();
  }

  function loadHistory() {
    if (!selected) return;
    const session = selected;
    fetch('history.json?session=' + encodeURIComponent(session) + (tokenQuery ? '&' + tokenQuery : ''), { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((h) => { if (session === selected) renderHistory(h); })
      .catch(() => {});
  }

  function table(head, rows, className) {
    const t = el('table', null, className);
    const tr = el('tr');
    head.forEach((h) => tr.append(el('th', h)));
    t.append(el('thead'), el('tbody'));
    t.tHead.append(tr);
    t.tBodies[0].append(...rows);
    return t;
  }

  function renderHistory(h) {
    const panel = $('history-panel');
    panel.hidden = false;
    const body = $('history-body');
    if (!h) { $('history-name').textContent = 'an ended actor'; body.replaceChildren(el('p', 'It ended and was pruned.', 'hint')); return; }
    const host = h.row.parentId === null ? undefined : actors.get(h.row.parentId);
    $('history-name').textContent = actorName(h.row) + (host && host.kind === 'worker' && !actors.has(h.row.sessionId) ? ' on worker #' + host.workerId : '');
    const parts = [el('p', stateText(h.row) + (h.row.reason ? ' — ' + namedReason(h.row, h.row.reason) : ''), 'reason')];
    if (h.crash) {
      const box = el('div', null, 'crash-record');
      box.id = 'crash-record';
      box.append(el('strong', 'Crash record'));
      const dl = el('dl');
      const add = (k, v) => dl.append(el('dt', k), el('dd', v));
      add('exit', exitText(h.crash));
      add('in state', (h.crash.lastStates || []).join(', ') || '—');
      add('reason', namedReason(h.row, h.crash.reason));
      add('uptime', formatDuration(h.crash.uptimeMs));
      add('last heartbeat', h.crash.lastHeartbeat || 'none received');
      add('last events', h.crash.lastEvents.map((e) => e.type + (e.count > 1 ? ' ×' + e.count : '')).join(', ') || '—');
      box.append(dl);
      parts.push(box);
    }
    parts.push(el('h3', 'Transitions', 'hint'), table(['time', 'from → to', 'event', 'reason'], h.transitions.slice().reverse().map((e) => {
      const tr = el('tr', null, e.isCrash ? 'crash' : '');
      tr.append(el('td', formatTime(e.at)), transitionCells(e), breakable(namedReason(h.row, shortEvent(e.event)), 'state event'), el('td', namedReason(h.row, e.reason), 'reason'));
      return tr;
    }), 'history-transitions'));
    parts.push(el('h3', 'Events received', 'hint'), table(['time', 'event', 'payload'], h.events.slice().reverse().map((e) => {
      const tr = el('tr');
      tr.append(el('td', formatTime(e.at)), el('td', e.type + (e.count > 1 ? ' ×' + e.count : ''), 'state'), el('td', e.summary, 'summary'));
      return tr;
    }), 'history-events'));
    const chart = actors.has(h.row.sessionId) ? null : chartCopy(h.row);
    if (chart) parts.splice(1, 0, chart);
    body.replaceChildren(...parts);
  }

  /** A user actor's own chart: a copy of its kind's (laid out once per machine) with its states marked. */
  function chartCopy(row) {
    const c = charts.get(row.chart);
    if (!c) return null;
    const svg = c.svg.cloneNode(true);
    svg.classList.add('history-chart');
    svg.querySelectorAll('.active, .last').forEach((n) => n.classList.remove('active', 'last'));
    svg.querySelectorAll('text.badge').forEach((n) => n.remove());
    for (const path of row.states) {
      const parts = path.split('.');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('.');
        for (const g of svg.querySelectorAll('g.state')) if (g.getAttribute('data-state') === prefix) g.classList.add('active');
      }
    }
    const box = el('div', null, 'chart history-chart-box');
    box.append(svg);
    return box;
  }

  $('history-close').addEventListener('click', () => { selected = null; $('history-panel').hidden = true; schedule(); });

`
