export { parseResourceQuestion, DEFAULT_WINDOW, MAX_QUESTION_CHARS, type QuestionWindow, type ResourceQuestion } from './question-intent';
export { resolveWindow, type TimeRange } from './time-window';
export { AzureDeadline, isTimeout, timedOut } from '../azure-lookup/azure-deadline';
export { VaultResolver, sameVault, type VaultResolverOptions } from './vault-resolver';
export { identifyJobCode, jobErrorMessage, jobTime, type JobCode } from './job-code';
export {
  ResourceQuestions,
  createResourceQuestions,
  type CreateResourceQuestionsInput,
  similarNames,
  toProblem,
  type AzureProblem,
  type ExplainResult,
  type FailedJob,
  type FailureGroup,
  type ListResult,
  type ReloadResult,
  type ResourceQuestionsDeps,
  type VaultProblem,
  type VaultStatusResult,
} from './resource-questions';
export * from './question-views';
export { questionText, qt, type QuestionTextKey } from './question-text';
