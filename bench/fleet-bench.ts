import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BenchFigure, BenchSuite } from './bench-figure';
import { compileToCache, productionNodeFlags } from './compiled-build';
import type { SweptFleet } from './fleet-sweeper-process';

/**
 * The fleet health sweep over generated fleets of 1,000 and 10,000 protected VMs in 10
 * subscriptions (10% at risk), through the real SDK clients against the local ARM simulator:
 * ARM requests per VM beyond the Resource Graph queries, wall time (the 10,000 run against the
 * 1,000 run of the same process), and the sweeping process's peak RSS. The sweeping process
 * runs the compiled build under plain node, as production does; the simulator and its estate run
 * in a process of their own, as Azure is another machine.
 */
const SUBSCRIPTIONS = 10;
const AT_RISK_PERCENT = 10;

interface FleetRun {
  readonly vms: number;
  readonly atRisk: number;
  readonly graphQueries: number;
  readonly requestsPerVm: number;
  readonly wallMs: number;
  readonly peakRssMb: number;
}

/** The simulator's request log, asked of its process. */
async function requestPaths(child: ChildProcess): Promise<string[]> {
  const reply = once(child, 'message');
  child.send('requests');
  return ((await reply)[0] as { paths: string[] }).paths;
}

/** A sweep by the sweeper process; Azure (the simulator) runs in another. */
async function sweepFleet(sweeper: ChildProcess, vms: number): Promise<FleetRun> {
  const simulator = fork(join(__dirname, 'fleet-simulator-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = once(simulator, 'message');
    simulator.send({ vms, subscriptions: SUBSCRIPTIONS, atRiskPercent: AT_RISK_PERCENT });
    const sim = (await ready)[0] as { endpoint: string; caPem: string };
    const before = (await requestPaths(simulator)).length;
    const swept = once(sweeper, 'message');
    sweeper.send(sim);
    const answer = (await swept)[0] as SweptFleet | { error: string };
    if ('error' in answer) throw new Error(`the sweeper failed: ${answer.error}`);
    const made = (await requestPaths(simulator)).slice(before);
    const graphRequests = made.filter((path) => /\/providers\/Microsoft\.ResourceGraph\/resources/i.test(path)).length;
    return {
      vms: answer.total,
      atRisk: answer.atRisk,
      graphQueries: graphRequests,
      requestsPerVm: (made.length - graphRequests) / Math.max(1, answer.total),
      wallMs: answer.wallMs,
      peakRssMb: answer.peakRssMb,
    };
  } finally {
    const exited = once(simulator, 'exit');
    simulator.send('stop');
    await exited;
  }
}

export const fleetBench: BenchSuite = async () => {
  // The production build's settings (tsconfig.build.json) applied to the sources and the sweeper's entry.
  const build = compileToCache('fleet-bench', join(__dirname, 'tsconfig.sweeper.json'));
  // Plain node with npm start's flags (its heap budget): no tsx loader inherited from the benchmark's own process.
  const sweeper = fork(join(build.dir, 'bench', 'fleet-sweeper-process.js'), [], { execArgv: productionNodeFlags(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let small: FleetRun;
  let large: FleetRun;
  try {
    small = await sweepFleet(sweeper, 1_000);
    large = await sweepFleet(sweeper, 10_000);
  } finally {
    if (sweeper.connected) {
      const exited = once(sweeper, 'exit');
      sweeper.send('stop');
      await exited;
    }
    build.remove();
  }
  const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
  const figures: BenchFigure[] = [];
  for (const run of [small, large]) {
    figures.push({
      name: `fleet sweep ${run.vms} VMs: ARM requests per VM beyond ${run.graphQueries} Resource Graph queries (${run.atRisk} at risk)`,
      unit: 'requests/VM',
      value: round(run.requestsPerVm),
      baseline: null,
      ratio: null,
      goal: '<= 2',
      met: run.requestsPerVm <= 2,
    });
  }
  figures.push({
    name: 'fleet sweep wall time, 10,000 VMs against 1,000 VMs (same process)',
    unit: 'ms',
    value: round(large.wallMs, 0),
    baseline: round(small.wallMs, 0),
    ratio: round(large.wallMs / small.wallMs),
    goal: 'ratio <= 12',
    met: large.wallMs / small.wallMs <= 12,
  });
  figures.push({
    name: "fleet sweep peak RSS at 10,000 VMs (the sweeping process, compiled, under node with npm start's flags; the simulator runs apart)",
    unit: 'MB',
    value: round(large.peakRssMb, 0),
    baseline: null,
    ratio: null,
    goal: '< 300',
    met: large.peakRssMb < 300,
  });
  return figures;
};
