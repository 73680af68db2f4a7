import { writeFileSync } from 'node:fs'
import { layoutStatechart } from '../src/inspect/statechart.ts'
import { renderStatechartSvg } from '../src/inspect/statechart-svg.ts'
import { workerMachine } from '../machines/worker/worker.ts'
import { slotMachine } from '../machines/slot/slot.ts'
import { supervisorMachine } from '../machines/supervisor/supervisor.ts'
let html = '<html><body style="margin:0;background:#fff">'
for (const m of [workerMachine, slotMachine, supervisorMachine]) {
  const t0 = Date.now()
  const layout = await layoutStatechart(m as any)
  console.log(m.id, layout.width, layout.height, Date.now() - t0, 'ms')
  html += renderStatechartSvg(layout, { standalone: true }) + '<hr>'
}
writeFileSync('/tmp/charts.html', html + '</body></html>')
