import { useAzurite } from './azurite';
import { sharedStateBackends } from './shared-state-backends';
import { describeSharedStateContract } from './shared-state-contracts';

/** The alert path's records behave the same on memory, SQLite and Azure Table Storage. */

const azurite = useAzurite('table');

for (const [name, make] of sharedStateBackends(azurite, { now: () => new Date('2026-03-01T10:00:00Z') })) describeSharedStateContract(name, make);
