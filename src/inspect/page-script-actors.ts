/**
 * The live page's actor list, pasted into PAGE_SCRIPT's closure: filters by kind and state, counts
 * by state per kind and per worker, and a virtualized list. The rows stay on the server; the page
 * asks `/actors.json` for the lines it shows (plus a margin) when it scrolls, when a filter changes,
 * or when a batch says the actors changed (at most one request in flight, then the latest), and
 * keeps spacer rows for the rest, so 10,000 actors cost a few dozen rows in the DOM.
 */
export const ACTORS_SCRIPT = `
  /** Lines fetched above and below the visible ones. */
  const OVERSCAN = 12;
  /** Least time between two window requests while actors keep changing, in ms. */
  const REFRESH_GAP = 250;
  let actorSummary = { version: 0, total: 0, kinds: [], hosts: [] };
  const list = { kind: '', state: '', page: null, rowHeight: 25, isFetching: false, isStale: false, lastAt: 0, timer: null };

  function hostLabel(host) {
    if (!host.key) return 'no worker';
    return host.workerId === null ? 'worker (not forked yet)' : 'worker #' + host.workerId + (host.pid === null ? '' : ' (pid ' + host.pid + ')');
  }
  function actorsLabel(n) {
    return n.toLocaleString('en') + (n === 1 ? ' actor' : ' actors');
  }

  function applySummary(summary) {
    actorSummary = summary;
    renderFilters();
    renderCounts();
    $('actors-panel').hidden = summary.total === 0;
    $('actor-count').textContent = summary.total ? actorsLabel(summary.total) : '';
    if (!list.page || list.page.version !== summary.version) requestWindow();
    if (selected && !actors.has(selected)) touched(selected);
  }

  function fillSelect(select, values, allText, current) {
    // Rebuilt only when the choices change (counts in the labels included), so an open menu stays open.
    const key = JSON.stringify(values);
    if (select.dataset.key === key) return;
    select.dataset.key = key;
    const options = [el('option', allText)];
    options[0].value = '';
    for (const [value, text] of values) {
      const option = el('option', text);
      option.value = value;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.value = values.some(([value]) => value === current) ? current : '';
  }

  function renderFilters() {
    fillSelect($('actor-kind'), actorSummary.kinds.map((k) => [k.kind, k.kind + ' (' + k.total.toLocaleString('en') + ')']), 'every kind', list.kind);
    if ($('actor-kind').value !== list.kind) { list.kind = ''; list.state = ''; }
    // The states present for the chosen kind, most frequent first.
    const kind = actorSummary.kinds.find((k) => k.kind === list.kind);
    fillSelect($('actor-state'), kind ? kind.states.map(([s, n]) => [s, s + ' (' + n.toLocaleString('en') + ')']) : [], 'every state', list.state);
    $('actor-state').disabled = !kind;
    if ($('actor-state').value !== list.state) list.state = '';
  }

  function chip(host, kind, state, count) {
    const node = el('span', state + ' ' + count.toLocaleString('en'), 'chip');
    node.dataset.host = host;
    node.dataset.kind = kind;
    node.dataset.state = state;
    node.dataset.count = String(count);
    return node;
  }

  function renderCounts() {
    const rows = [];
    const shown = (kind) => !list.kind || kind === list.kind;
    for (const h of actorSummary.hosts) {
      for (const k of h.kinds) {
        if (!shown(k.kind)) continue;
        const tr = el('tr');
        tr.dataset.host = h.host.key;
        const cell = el('td', null, 'chips');
        cell.append(...k.states.map(([s, n]) => chip(h.host.key || 'none', k.kind, s, n)));
        tr.append(el('td', hostLabel(h.host)), el('td', k.kind), cell);
        rows.push(tr);
      }
    }
    for (const k of actorSummary.kinds) {
      if (!shown(k.kind)) continue;
      const tr = el('tr', null, 'all');
      const cell = el('td', null, 'chips');
      cell.append(...k.states.map(([s, n]) => chip('all', k.kind, s, n)));
      tr.append(el('td', 'all workers'), el('td', k.kind), cell);
      rows.push(tr);
    }
    $('actor-counts').tBodies[0].replaceChildren(...rows);
  }

  function requestWindow() {
    if ($('actors-panel').hidden && actorSummary.total === 0) return;
    if (list.isFetching) { list.isStale = true; return; }
    const wait = list.lastAt + REFRESH_GAP - Date.now();
    if (wait > 0) {
      if (!list.timer) list.timer = setTimeout(() => { list.timer = null; requestWindow(); }, wait);
      return;
    }
    fetchWindow();
  }

  function fetchWindow() {
    const box = $('actor-scroll');
    const first = Math.max(0, Math.floor(box.scrollTop / list.rowHeight) - OVERSCAN);
    const limit = Math.ceil((box.clientHeight || 400) / list.rowHeight) + 2 * OVERSCAN;
    const query = 'kind=' + encodeURIComponent(list.kind) + '&state=' + encodeURIComponent(list.state) + '&offset=' + first + '&limit=' + limit;
    list.isFetching = true;
    list.isStale = false;
    list.lastAt = Date.now();
    fetch('actors.json?' + query + (tokenQuery ? '&' + tokenQuery : ''), { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((page) => { if (page) renderWindow(page); })
      .catch(() => {})
      .finally(() => { list.isFetching = false; if (list.isStale) requestWindow(); });
  }

  function spacer(lines) {
    const tr = el('tr', null, 'spacer');
    const td = el('td');
    td.colSpan = 5;
    td.style.height = lines * list.rowHeight + 'px';
    tr.append(td);
    return tr;
  }

  function renderWindow(page) {
    list.page = page;
    // Spacers only where lines are left out: the first row drawn is a real one when at the top.
    const rows = page.offset > 0 ? [spacer(page.offset)] : [];
    for (const line of page.items) {
      if (line.type === 'host') {
        const tr = el('tr', null, 'group');
        tr.dataset.host = line.host.key;
        const td = el('td', hostLabel(line.host) + ' — ' + actorsLabel(line.count));
        td.colSpan = 5;
        tr.append(td);
        rows.push(tr);
        continue;
      }
      const tr = selectable(el('tr', null, line.status === 'active' ? 'running' : 'ended'), line.sessionId);
      tr.dataset.state = line.state;
      tr.dataset.kind = line.kind;
      tr.dataset.actorId = line.actorId;
      tr.append(el('td', line.actorId), el('td', line.kind), el('td', line.state, 'state'), el('td', line.lastEvent ? shortEvent(line.lastEvent) : '—', 'state'), el('td', line.host.key ? '#' + line.host.workerId : '—'));
      rows.push(tr);
    }
    const after = page.lines - page.offset - page.items.length;
    if (after > 0) rows.push(spacer(after));
    $('actors').tBodies[0].replaceChildren(...rows);
    $('actor-matching').textContent = list.kind || list.state ? page.matching.toLocaleString('en') + ' match' : '';
    // The real row height (fonts differ): the next window's spacers use it.
    const sample = $('actors').tBodies[0].querySelector('tr[data-session]');
    if (sample && sample.offsetHeight > 0) list.rowHeight = sample.offsetHeight;
  }

  $('actor-kind').addEventListener('change', () => { list.kind = $('actor-kind').value; list.state = ''; renderFilters(); renderCounts(); $('actor-scroll').scrollTop = 0; list.lastAt = 0; requestWindow(); });
  $('actor-state').addEventListener('change', () => { list.state = $('actor-state').value; $('actor-scroll').scrollTop = 0; list.lastAt = 0; requestWindow(); });
  $('actor-scroll').addEventListener('scroll', () => { list.lastAt = 0; requestWindow(); }, { passive: true });
`
