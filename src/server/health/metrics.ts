import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The alert path's Prometheus metrics, on a registry of their own (tests build many apps in one process). */
export interface AlertMetrics {
  readonly registry: Registry;
  readonly alertsReceived: Counter<'outcome'>;
  readonly incidentsOpened: Counter;
  readonly deliveries: Counter<'kind'>;
  readonly deliveryRetries: Counter<'status'>;
  readonly deliveryFailures: Counter;
  readonly acceptedToPosted: Histogram;
}

/**
 * Requests to the shared state's tables (STATE_STORE=blob) by table, operation and outcome: the
 * storage transactions the account bills, and in `conflict` the compare-and-swaps one instance
 * lost to another. Made before the alert path's registry (the stores are), and added to it.
 */
export type StateTableRequests = Counter<'table' | 'operation' | 'outcome'>;

export function createStateTableRequests(): StateTableRequests {
  return new Counter({ name: 'backup_doctor_state_table_requests_total', help: 'Requests to the shared state tables, by table, operation and outcome (conflict: a write another instance won)', labelNames: ['table', 'operation', 'outcome'], registers: [] });
}

export function createAlertMetrics(outboxDepth: () => number | Promise<number>, options: { defaultMetrics?: boolean; stateTableRequests?: StateTableRequests } = {}): AlertMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'backup_doctor_' });
  if (options.stateTableRequests) registry.registerMetric(options.stateTableRequests);
  const metrics: AlertMetrics = {
    registry,
    alertsReceived: new Counter({ name: 'backup_doctor_alerts_received_total', help: 'Alerts received on /api/alerts and from the job poller, by outcome', labelNames: ['outcome'], registers: [registry] }),
    incidentsOpened: new Counter({ name: 'backup_doctor_incidents_opened_total', help: 'Incidents opened', registers: [registry] }),
    deliveries: new Counter({ name: 'backup_doctor_deliveries_total', help: 'Incident cards posted (create) or updated in place (update)', labelNames: ['kind'], registers: [registry] }),
    deliveryRetries: new Counter({ name: 'backup_doctor_delivery_retries_total', help: 'Deliveries retried, by HTTP status', labelNames: ['status'], registers: [registry] }),
    deliveryFailures: new Counter({ name: 'backup_doctor_delivery_failures_total', help: 'Deliveries given up', registers: [registry] }),
    acceptedToPosted: new Histogram({
      name: 'backup_doctor_alert_to_card_seconds',
      help: 'From the first alert of a revision being accepted to its card being posted',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'backup_doctor_outbox_depth',
    help: 'Outbox entries waiting for delivery',
    registers: [registry],
    // A store that cannot be read leaves the last figure: /metrics still answers, /readyz says what is wrong.
    async collect() {
      try {
        this.set(await outboxDepth());
      } catch {
        // keep the previous value
      }
    },
  });
  return metrics;
}
