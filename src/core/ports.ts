/** Ports shared across the domain. Aggregate stores live beside their aggregates (e.g. troubleshoot/session-store.ts). */
export type { AzurePort } from './azure-port';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface IdGenerator {
  /** An opaque, unguessable id (card data carries only such ids). */
  next(): string;
}
