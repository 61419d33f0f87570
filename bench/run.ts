import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchFigure, BenchSuite } from './bench-figure';
import { alertsBench } from './alerts-bench';
import { checksBench } from './checks-bench';
import { fleetBench } from './fleet-bench';
import { identifyBench } from './identify-bench';
import { turnsBench } from './turns-bench';
import { scaleOutBench } from './scale-out-bench';

/**
 * `npm run bench`: runs every suite one after another (never in parallel: they would
 * measure each other), prints one table and writes bench/results.json. Goals are reported,
 * not enforced: a benchmark is not a timed test. `npm run bench -- turns alerts` runs only the
 * named suites (results.json then holds only their figures).
 */
const suites: readonly { readonly name: string; readonly run: BenchSuite }[] = [
  { name: 'identify', run: identifyBench },
  { name: 'turns', run: turnsBench },
  { name: 'checks', run: checksBench },
  { name: 'alerts', run: alertsBench },
  { name: 'fleet', run: fleetBench },
  { name: 'scale-out', run: scaleOutBench },
];

function selectedSuites(names: readonly string[]): typeof suites {
  const unknown = names.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`no bench suite named ${unknown.join(', ')} (suites: ${suites.map((s) => s.name).join(', ')})`);
  return names.length === 0 ? suites : suites.filter((s) => names.includes(s.name));
}

async function main(): Promise<void> {
  const figures: BenchFigure[] = [];
  for (const suite of selectedSuites(process.argv.slice(2))) {
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
