import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchFigure, BenchSuite } from './bench-figure';
import { alertsBench } from './alerts-bench';
import { checksBench } from './checks-bench';
import { identifyBench } from './identify-bench';
import { turnsBench } from './turns-bench';
import { scaleOutBench } from './scale-out-bench';

/**
 * `npm run bench`: runs every suite one after another (never in parallel: they would
 * measure each other), prints one table and writes bench/results.json. Goals are reported,
 * not enforced: a benchmark is not a timed test.
 */
const suites: readonly { readonly name: string; readonly run: BenchSuite }[] = [
  { name: 'identify', run: identifyBench },
  { name: 'turns', run: turnsBench },
  { name: 'checks', run: checksBench },
  { name: 'alerts', run: alertsBench },
  { name: 'scale-out', run: scaleOutBench },
];

async function main(): Promise<void> {
  const figures: BenchFigure[] = [];
  for (const suite of suites) {
    process.stdout.write(`running ${suite.name}...\n`);
    figures.push(...(await suite.run()));
  }
  console.table(figures.map((f) => ({ name: f.name, unit: f.unit, value: f.value, baseline: f.baseline, ratio: f.ratio, goal: f.goal, met: f.met ? 'yes' : 'NO' })));
  const file = join(__dirname, 'results.json');
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
