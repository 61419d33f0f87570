import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LocalSimulatorCredential } from '../src/azure/credential';
import { ResourceGraphInventory } from '../src/azure/resource-graph-inventory';
import { SdkAzureGateway } from '../src/azure/sdk-azure-gateway';
import { systemClock } from '../src/core/ports';
import type { FleetSweepResult } from '../src/core/sweep/fleet-sweep-result';
import type { DigestMessage, SweepStore } from '../src/core/sweep/sweep-store';
import { FleetSweep, listedInventory } from '../src/features/sweep/fleet-sweep';
import { createLogger } from '../src/logger';

/**
 * The sweeping process of the fleet benchmark, compiled with the production build's settings and
 * run by plain `node`, as `npm start` runs the bot: under tsx the loader alone adds about 70 MB of
 * RSS that production never has. Messages: in, { endpoint, caPem } for each sweep, then 'stop';
 * out, a SweptFleet per sweep. The process keeps running between sweeps, so the second sweep's
 * wall time is measured against the first in the same warm process.
 */
export interface SweptFleet {
  readonly total: number;
  readonly atRisk: number;
  readonly wallMs: number;
  readonly peakRssMb: number;
}

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
    purgeFinishedBefore: async () => 0,
  };
}

async function sweepOnce(endpoint: string, ca: string): Promise<SweptFleet> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const common = { credential: new LocalSimulatorCredential(), endpoint, ca, retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 100 } };
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
    const started = performance.now();
    const result = await sweep.run();
    const wallMs = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { total: result.total, atRisk: result.atRisk.length, wallMs, peakRssMb: peak / (1024 * 1024) };
  } finally {
    clearInterval(sampler);
  }
}

process.on('message', (message: unknown) => {
  if (message === 'stop') process.exit(0);
  const { endpoint, caPem } = message as { endpoint: string; caPem: string };
  sweepOnce(endpoint, caPem).then(
    (swept) => process.send?.(swept),
    (error: unknown) => process.send?.({ error: String(error instanceof Error ? (error.stack ?? error.message) : error) }),
  );
});
