import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalSimulatorCredential } from '../src/azure/credential';
import { ResourceGraphInventory } from '../src/azure/resource-graph-inventory';
import { SdkAzureGateway } from '../src/azure/sdk-azure-gateway';
import { systemClock } from '../src/core/ports';
import type { FleetSweepResult } from '../src/core/sweep/fleet-sweep-result';
import type { DigestMessage, SweepStore } from '../src/core/sweep/sweep-store';
import { FleetSweep, listedInventory } from '../src/features/sweep/fleet-sweep';
import { createLogger } from '../src/logger';
import type { BenchFigure, BenchSuite } from './bench-figure';

/**
 * The fleet health sweep over generated fleets of 1,000 and 10,000 protected VMs in 10
 * subscriptions (10% at risk), through the real SDK clients against the local ARM simulator:
 * ARM requests per VM beyond the Resource Graph queries, wall time (the 10,000 run against the
 * 1,000 run of the same process), and the sweeping process's peak RSS (the simulator and its
 * estate run in a process of their own, as Azure is another machine).
 */
const SUBSCRIPTIONS = 10;
const AT_RISK_PERCENT = 10;

/** The result is kept in memory: the benchmark measures the sweep, not a store. */
function memoryStore(): SweepStore {
  const sweeps = new Map<string, FleetSweepResult>();
  const digests = new Map<string, DigestMessage>();
  return {
    save: async (r) => void sweeps.set(r.id, r),
    get: async (id) => sweeps.get(id),
    latest: async () => [...sweeps.values()].at(-1),
    digestMessage: async (k) => digests.get(k),
    saveDigestMessage: async (m) => void digests.set(m.conversationKey, m),
    forgetDigestMessage: async (k) => void digests.delete(k),
  };
}

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

async function sweepFleet(vms: number): Promise<FleetRun> {
  const child = fork(join(__dirname, 'fleet-simulator-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = once(child, 'message');
  child.send({ vms, subscriptions: SUBSCRIPTIONS, atRiskPercent: AT_RISK_PERCENT });
  const sim = (await ready)[0] as { endpoint: string; caPem: string };
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const common = { credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 100 } };
    const gateway = new SdkAzureGateway({ ...common, lroPollIntervalInMs: 10 });
    const graph = new ResourceGraphInventory(common);
    const sweep = new FleetSweep({
      azure: gateway,
      inventory: listedInventory(() => graph.listProtectedVms([]), [], () => graph.listFleetState([])),
      store: memoryStore(),
      clock: systemClock,
      ids: { next: () => randomUUID() },
      logger: createLogger('silent'),
      // The app's own setting: eight VMs at a time.
    });
    const before = (await requestPaths(child)).length;
    const started = performance.now();
    const result = await sweep.run();
    const wallMs = performance.now() - started;
    const made = (await requestPaths(child)).slice(before);
    const graphRequests = made.filter((path) => /\/providers\/Microsoft\.ResourceGraph\/resources/i.test(path)).length;
    peak = Math.max(peak, process.memoryUsage().rss);
    return {
      vms: result.total,
      atRisk: result.atRisk.length,
      graphQueries: graphRequests,
      requestsPerVm: (made.length - graphRequests) / Math.max(1, result.total),
      wallMs,
      peakRssMb: peak / (1024 * 1024),
    };
  } finally {
    clearInterval(sampler);
    const exited = once(child, 'exit');
    child.send('stop');
    await exited;
  }
}

export const fleetBench: BenchSuite = async () => {
  const small = await sweepFleet(1_000);
  const large = await sweepFleet(10_000);
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
    name: 'fleet sweep peak RSS at 10,000 VMs (the sweeping process; the simulator runs apart)',
    unit: 'MB',
    value: round(large.peakRssMb, 0),
    baseline: null,
    ratio: null,
    goal: '< 300',
    met: large.peakRssMb < 300,
  });
  return figures;
};
