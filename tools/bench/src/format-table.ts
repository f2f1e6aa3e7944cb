import type { EngineResult } from './bench-result';

interface Report {
  machine: { cpuModel: string; cpus: number; memoryGiB: number; node: string };
  loadAverage1mAtStart: number;
  loadAverage1mAtEnd: number;
  model: { size: number; base: number; batch: number; forwardGflop: number; trainGflop: number };
  results: EngineResult[];
}

/** The human-readable table `npm run bench` prints: one row per engine, then the top kernels per tfjs backend. */
export function formatTable(r: Report): string {
  const torch = r.results.find((x) => x.engine === 'pytorch' && x.status === 'ok');
  const head = ['engine', 'version', 'thr', 'train ms', 'img/s', 'GFLOP/s', 'infer ms', 'img/s', 'GFLOP/s', 'peak RSS', 'vs torch'];
  const rows: string[][] = r.results.map((x) => {
    if (x.status !== 'ok' || !x.train || !x.inference) return [x.engine, x.version, String(x.threads), `${x.status}: ${x.note ?? ''}`];
    const ratio = torch?.train && x !== torch ? `${(x.train.medianMs / torch.train.medianMs).toFixed(1)}×` : '';
    return [x.engine, x.version, String(x.threads), x.train.medianMs.toFixed(0), x.train.imagesPerSecond.toFixed(1), x.train.effectiveGflops.toFixed(1),
      x.inference.medianMs.toFixed(0), x.inference.imagesPerSecond.toFixed(1), x.inference.effectiveGflops.toFixed(1), `${x.peakRssMiB ?? '?'} MiB`, ratio];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.filter((row) => row.length === head.length).map((row) => row[i]!.length)));
  const line = (cells: string[]) => (cells.length === head.length ? cells.map((c, i) => c.padEnd(widths[i]!)).join('  ') : cells.join('  '));
  const out = [
    `Reference U-Net ${r.model.size}×${r.model.size}, base ${r.model.base}, batch ${r.model.batch}: ${r.model.forwardGflop} GFLOP forward, ${r.model.trainGflop} GFLOP per training step (3× forward)`,
    `Machine: ${r.machine.cpuModel}, ${r.machine.cpus} CPU(s), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; 1-min load ${r.loadAverage1mAtStart} → ${r.loadAverage1mAtEnd}${r.loadAverage1mAtStart > 0.5 ? '  (MACHINE UNDER LOAD: numbers are pessimistic)' : ''}`,
    '',
    line(head),
    ...rows.map(line),
  ];
  for (const x of r.results) {
    if (!x.trainKernels?.length) continue;
    const total = x.trainKernels.reduce((s, k) => s + k.totalMs, 0);
    out.push('', `${x.engine}: where one training step's kernel time goes (${total.toFixed(0)} ms in kernels)`);
    for (const k of x.trainKernels.slice(0, 12)) {
      out.push(`  ${k.kernel.padEnd(28)} ${k.totalMs.toFixed(1).padStart(8)} ms  ${((100 * k.totalMs) / total).toFixed(1).padStart(5)} %  ${String(k.calls).padStart(4)} calls`);
    }
  }
  return out.join('\n');
}
