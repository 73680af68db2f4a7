/**
 * The live page's charts, pasted into PAGE_SCRIPT's closure: each drawn chart inserted (its SVG
 * parsed as SVG), the states in use marked and badged, and the arrow last taken animated.
 */
export const CHART_SCRIPT = `
  function addChart(chart) {
    if (charts.has(chart.key)) return;
    const doc = new DOMParser().parseFromString(chart.svg, 'image/svg+xml');
    const root = doc.documentElement;
    if (root.namespaceURI !== SVG_NS || root.localName !== 'svg' || doc.querySelector('parsererror, script, foreignObject')) return;
    const svg = document.importNode(root, true);
    // Shrink to the column, but never below 85% (the text would be too small): scroll then.
    svg.style.maxWidth = chart.width + 'px';
    svg.style.minWidth = Math.round(chart.width * 0.85) + 'px';
    const panel = el('section', null, 'panel chart-panel');
    panel.dataset.chart = chart.key;
    const title = el('h2', chart.machineId);
    const count = el('span', '', 'hint');
    title.append(count);
    const box = el('div', null, 'chart');
    box.append(svg);
    panel.append(title, box);
    $('charts').append(panel);
    $('charts-empty').hidden = true;
    charts.set(chart.key, { chart, svg, count, nodes: new Map(chart.nodes.map((n) => [n.path, n])) });
    markLatest(chart.key);
    // A history opened before its actor's chart was drawn gets the chart now.
    if (selected) touched(selected);
    schedule();
  }

  /** A page opened late still shows which arrow each chart took last (from the log). */
  function markLatest(key) {
    const entry = log.slice().reverse().find((e) => chartOfEntry(e) === key);
    if (entry) markTransition(entry);
  }

  function chartOfEntry(entry) {
    const row = actors.get(entry.sessionId);
    return row ? row.chart : entry.chart;
  }
  /** The state paths an actor list state names: 'red.stop, lamp.on (stopped)' → ['red.stop', 'lamp.on']. */
  function pathsOfState(state) {
    return state.replace(/ \\([^)]*\\)$/, '').split(', ').filter((p) => p !== '—');
  }

  function badgeOf(row) {
    if (row.kind === 'worker') return row.workerId === null ? '…' : '#' + row.workerId;
    if (row.kind === 'supervisor') return 'supervisor';
    const id = String(row.slotId || row.actorId);
    return id.length > 14 ? id.slice(0, 13) + '…' : id;
  }

  function renderCharts() {
    for (const [key, c] of charts) {
      c.svg.querySelectorAll('.state.active').forEach((n) => n.classList.remove('active'));
      c.svg.querySelectorAll('text.badge').forEach((n) => n.remove());
      // In slot order, as the workers table lists them.
      const users = [...actors.values()].filter((a) => a.chart === key)
        .sort((a, b) => String(a.slotId || a.actorId).localeCompare(String(b.slotId || b.actorId), undefined, { numeric: true }) || (a.workerId || 0) - (b.workerId || 0));
      const byPath = new Map();
      const add = (path, label) => {
        const parts = path.split('.');
        for (let i = 1; i <= parts.length; i++) {
          const prefix = parts.slice(0, i).join('.');
          if (!byPath.has(prefix)) byPath.set(prefix, []);
          if (i === parts.length) byPath.get(prefix).push(label);
        }
      };
      for (const a of users) for (const path of a.states) add(path, badgeOf(a));
      // User actors are counted, not named: there may be 10,000 of them (the list names them).
      let listed = 0;
      for (const kind of actorSummary.kinds) {
        if (kind.chart !== key) continue;
        listed += kind.total;
        for (const [state, n] of kind.states) for (const path of pathsOfState(state)) add(path, actorsLabel(n));
      }
      const total = users.length + listed;
      c.count.textContent = total === 1 ? '1 actor' : total.toLocaleString('en') + ' actors';
      for (const [path, list] of byPath) {
        for (const g of c.svg.querySelectorAll('g.state')) if (g.getAttribute('data-state') === path) g.classList.add('active');
        const node = c.nodes.get(path);
        if (!node || list.length === 0) continue;
        const badge = document.createElementNS(SVG_NS, 'text');
        badge.setAttribute('class', 'badge');
        badge.setAttribute('x', String(node.x + node.width - 2));
        badge.setAttribute('y', String(node.y - 3));
        badge.setAttribute('text-anchor', 'end');
        badge.setAttribute('data-badge', path);
        const ids = list;
        badge.textContent = ids.length > 6 ? ids.slice(0, 6).join(' ') + ' +' + (ids.length - 6) : ids.join(' ');
        c.svg.append(badge);
      }
    }
  }

  /** Marks the arrow a transition took (the most specific one that matches) in its chart. */
  function markTransition(entry) {
    const c = charts.get(chartOfEntry(entry));
    if (!c) return;
    const covers = (path, list) => list.some((p) => p === path || p.startsWith(path + '.'));
    let best = null, bestScore = -1;
    for (const edge of c.chart.edges) {
      if (edge.id.startsWith('start:') || !covers(edge.target, entry.to)) continue;
      const source = edge.sources.find((s) => s === '#any' || covers(s, entry.from));
      if (!source) continue;
      const score = edge.target.length * 100 + (source === '#any' ? 0 : source.length);
      if (score > bestScore) { best = edge; bestScore = score; }
    }
    c.svg.querySelectorAll('g.edge.last').forEach((g) => g.classList.remove('last'));
    if (!best) return;
    for (const g of c.svg.querySelectorAll('g.edge')) if (g.getAttribute('data-edge') === best.id) g.classList.add('last');
  }

`
