/** Live checks: evidence from Azure (through AzurePort) judged into pass / fail / unknown per check and per cause. */
export { CheckIds, type CheckId, type CheckResult, type CheckStatus, type CheckTarget } from './check-types';
export { runChecksForCode, runChecks, verdictOf, azureErrorText, defaultCheckTimeoutInMs, type RunChecksOptions, type CheckReport, type CauseCheckResults, type CauseVerdict, type ChecksKnowledge } from './run-checks';
export { buildCheckReportView, type CheckReportView, type CauseChecksView, type CheckLineView, type ViewColor } from './check-report-view';
export { checkDefinitions, checkDefinition, type CheckDefinition, type CheckContext } from './check-registry';
export { checkTargetNotice, resolveCheckTarget, type CheckTargetLookup, type PartialTarget } from './check-target';
export { createEvidenceSource, type EvidenceSource } from './evidence-source';
export { linuxAgentConfigCommand } from './linux-agent-config-check';
export { minimumLinuxAgentVersion, compareVersions } from './agent-checks';
export { restorePointLimit } from './restore-point-checks';
export { causeChecksOf, maxEvidenceChars } from './session-evidence';
