export { createIdentifier, messageConfidence, CONFIDENT, CANDIDATE_FLOOR, CONFIDENT_COVERAGE, MIN_MESSAGE_COVERAGE } from './identifier';
export type { Candidate, Identification, Identifier, MatchKind } from './identifier';
export { detectLanguage } from './language';
export { MAX_INPUT_CHARS } from './text-fold';
export { allowedTypos } from './code-matcher';
export { identifyCodeIn, identifyJobCode, jobErrorMessage, singleCode, singleJobCode, type CodeSource, type JobCode } from './job-code';
