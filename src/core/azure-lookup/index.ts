/** What every Azure-touching turn shares: one time budget, and one way to find the VM a card means. */
export { AzureDeadline, isTimeout, timedOut, withDeadline } from './azure-deadline';
export { describeMatches, findVm, type VmHint, type VmLookup, type VmMatch } from './find-vm';
