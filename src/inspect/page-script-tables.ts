/**
 * The live page's supervisor panel, workers table and transition log, pasted into PAGE_SCRIPT's
 * closure (they use its state and helpers). Names follow the workers table everywhere.
 */
export const TABLES_SCRIPT = `
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
      const hosted = actorSummary.hosts.find((h) => h.host.key === w.sessionId);
      tr.append(
        el('td', w.workerId === null ? '—' : '#' + w.workerId),
        el('td', w.pid === null ? '—' : w.pid, 'num'),
        el('td', w.slotId === null ? '—' : w.slotId),
        el('td', w.incarnation === null ? '—' : w.incarnation, 'num'),
        stateCell,
        el('td', formatDuration((w.endedAt === null ? now : w.endedAt) - w.startedAt), 'num uptime'),
        el('td', s ? s.restarts : (w.restarts === null ? '—' : w.restarts), 'num restarts'),
        el('td', s && w.endedAt === null ? s.inFlight : '—', 'num in-flight'),
        el('td', hosted ? hosted.total.toLocaleString('en') : '—', 'num hosted'),
        el('td', w.reason || '', 'reason'),
      );
      return tr;
    }));
    const running = rows.filter((w) => w.endedAt === null).length;
    $('worker-count').textContent = running + ' running' + (rows.length > running ? ', ' + (rows.length - running) + ' ended' : '');
  }

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
`
