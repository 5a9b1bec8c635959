import { DEMO_DEFAULTS } from '../../contracts/worker-protocol';
import { runSupernetDemo } from '../../node/supernet-demo';

/**
 * `l2nas demo`: supernet on the embedded MNIST + L²NAS, offline, about 5 minutes on 2 cores.
 * Re-run with the same --out (and settings) after a crash: training resumes from the last epoch.
 */
export async function demoCommand(o: { out: string; seed: number; epochs: number; steps: number; random: number; channels: number; cells: number; trainImages: number; lr: number; cutout: number; batch?: number }): Promise<void> {
  const t0 = performance.now();
  const s = await runSupernetDemo({
    out: o.out, seed: o.seed, epochs: o.epochs, steps: o.steps, randomArchitectures: o.random,
    C: o.channels, N: o.cells, trainImages: o.trainImages, lrMax: o.lr, cutout: o.cutout, batchSize: o.batch ?? DEMO_DEFAULTS.batchSize,
    onProgress: (line) => console.log(line),
  });
  const r = s.result;
  console.log('');
  console.log(`found (step ${r.best.step}): ${r.best.arch}`);
  console.log(`  validation accuracy with inherited weights: ${r.best.value.toFixed(2)}% (Acc(Env) ${s.accEnv.toFixed(2)}%)`);
  console.log(`  random architectures on the same supernet (${s.randomAccuracies.length}): median ${s.randomMedian.toFixed(2)}%, best ${Math.max(...s.randomAccuracies).toFixed(2)}%`);
  console.log(`  ${r.best.value > s.randomMedian ? 'beats' : 'does NOT beat'} the random median; supernet ${s.supernetSeconds.toFixed(0)} s${s.resumedFromEpoch ? ` (resumed after epoch ${s.resumedFromEpoch})` : ''}, total ${((performance.now() - t0) / 1000).toFixed(0)} s on ${r.backend}`);
  console.log(`run folder: ${o.out}`);
}
