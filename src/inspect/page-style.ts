/**
 * The live page's CSS. From 1200 px: the supervisor, workers and history on the left, the log on
 * the right (both above the fold at 1400×1000), the charts below at full width; one column
 * below 1200 px. Tables scroll inside their panel instead of widening the page, and a chart
 * shrinks to its column but never below 85% of its size (it scrolls inside its panel then), so
 * its text stays readable.
 */
import { STATECHART_STYLE } from './statechart-svg.js'

export const PAGE_STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #6b7385; --line: #d8dce6; --bg: #f6f7fa; --accent: #2f6fde; --ok: #1a8a4a; --warn: #b86e00; --bad: #c0392b; }
* { box-sizing: border-box; }
html, body { overflow-x: hidden; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 14px; padding: 8px 16px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 17px; margin: 0; }
h2 { font-size: 14px; margin: 0 0 6px; display: flex; gap: 8px; align-items: baseline; }
.hint, .count, .label { color: var(--muted); font-weight: normal; font-size: 12px; }
main { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; padding: 12px 16px; }
.side, .charts { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.panel[hidden] { display: none; }
.table-wrap { overflow-x: auto; }
.log-wrap { max-height: 340px; overflow-y: auto; }
/* A log row may name a long event or state path with no space in it (xcluster.worker.startTimeout,
   disconnecting.terminating): let any cell break rather than widen the panel past its box. */
.log-wrap td { white-space: normal; overflow-wrap: anywhere; }
.log-wrap td:first-child { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; white-space: nowrap; position: sticky; top: 0; background: #fff; }
td { white-space: nowrap; }
td.reason { white-space: normal; min-width: 160px; word-break: break-word; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state-name, td.state { font-family: ui-monospace, monospace; font-size: 12px; }
td.state { white-space: normal; overflow-wrap: normal; }
#workers td.state { white-space: nowrap; }
tr.ended td { color: var(--muted); }
tr[data-session] { cursor: pointer; }
tr[data-session]:hover td { background: #f0f4fc; }
tr.selected td { background: #e6efff; }
td.state[data-state="listening"] { color: var(--ok); font-weight: 600; }
td.state[data-state^="disconnecting"] { color: var(--warn); font-weight: 600; }
td.state[data-state="exited"] { color: var(--bad); font-weight: 600; }
tr.crash td.state, tr.crash td.event { color: var(--bad); font-weight: 600; }
.crash-tag { color: #fff; background: var(--bad); border-radius: 4px; padding: 0 4px; font-size: 11px; margin-left: 4px; }
.reason { color: var(--muted); margin: 4px 0; word-break: break-word; }
.slots { list-style: none; margin: 6px 0 0; padding: 0; font-size: 13px; }
.slots li { padding: 2px 0; border-top: 1px dashed var(--line); cursor: pointer; }
.connection { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #eee; }
.connection[data-status="live"] { background: #e3f4ea; color: var(--ok); }
.connection[data-status="reconnecting"] { background: #fdecea; color: var(--bad); }
button.close { margin-left: auto; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
.crash-record { border: 1px solid #f0c4bf; background: #fdf3f2; border-radius: 6px; padding: 6px 10px; margin: 4px 0 8px; font-size: 13px; }
.crash-record dt { float: left; clear: left; width: 120px; color: var(--muted); }
.crash-record dd { margin: 0 0 2px 120px; font-family: ui-monospace, monospace; font-size: 12px; word-break: break-word; }
.history-events td.summary { white-space: normal; word-break: break-word; font-family: ui-monospace, monospace; font-size: 12px; }
.chart-panel .chart { overflow-x: auto; }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; font-size: 12px; margin-bottom: 6px; }
.filters select { font: inherit; max-width: 220px; }
.actor-counts td.chips { white-space: normal; }
.chip { display: inline-block; font: 12px ui-monospace, monospace; background: #eef3ff; border-radius: 4px; padding: 0 5px; margin: 1px 4px 1px 0; }
.actor-counts tr.all td { font-weight: 600; }
/* The list is virtualized: rows of one fixed height, spacers for the lines not drawn. */
.actor-scroll { max-height: 360px; overflow-y: auto; margin-top: 6px; }
#actors { table-layout: fixed; }
#actors td { height: 24px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#actors tr.spacer td { padding: 0; border: 0; }
#actors tr.group td { font-weight: 600; background: #f6f7fa; color: var(--muted); }
.history-chart-box { overflow-x: auto; margin: 4px 0 8px; }
svg.statechart.history-chart { min-width: 0; }
svg.statechart { display: block; width: 100%; height: auto; }
${STATECHART_STYLE}
svg.statechart .state.active > rect { fill: #e6efff; stroke: var(--accent); stroke-width: 2.5; }
svg.statechart .state.compound.active > rect { fill: #eef3ff; }
svg.statechart .title.active text { stroke: #eef3ff; }
svg.statechart text.badge { font: 700 11px system-ui, sans-serif; fill: var(--accent); }
svg.statechart .edge.last path { stroke: var(--accent); stroke-width: 2.4; stroke-dasharray: 6 4; animation: xcluster-flow 0.8s linear infinite; }
svg.statechart .edge.last text { fill: var(--accent); font-weight: 700; }
@keyframes xcluster-flow { to { stroke-dashoffset: -20; } }
@media (min-width: 1200px) {
  main { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); align-items: start; }
  .side { display: contents; }
  #supervisor-panel, #workers-panel, #actors-panel, #history-panel { grid-column: 1; }
  #log-panel { grid-column: 2; grid-row: 1 / span 4; }
  .log-wrap { max-height: 560px; }
  .charts { grid-column: 1 / span 2; }
}
@media (prefers-reduced-motion: reduce) { svg.statechart .edge.last path { animation: none; } }
`
