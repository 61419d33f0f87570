import { fleetScenario } from '../dev/arm-simulator/fleet-scenario';
import { startArmSimulator } from '../dev/arm-simulator/server';

/**
 * The ARM simulator with a generated fleet, in its own process: Azure is another machine in
 * production, so the fleet benchmark's peak RSS is the sweep's, not the simulated estate's.
 * Messages: in, { vms, subscriptions, atRiskPercent } then 'requests' and 'stop'; out, the
 * endpoint and CA, then the request log's paths.
 */
process.once('message', (options: { vms: number; subscriptions: number; atRiskPercent: number }) => {
  void startArmSimulator({ scenario: fleetScenario(options) }).then((sim) => {
    process.send?.({ endpoint: sim.endpoint, caPem: sim.caPem });
    process.on('message', (message: unknown) => {
      if (message === 'requests') process.send?.({ paths: sim.requests.map((r) => r.path) });
      if (message === 'stop') void sim.close().then(() => process.exit(0));
    });
  });
});
