import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CodedError, isCodedError } from '../core/errors';
import { jsonErrorOffset } from '../core/knowledge/json-error-offset';
import { missingPolicy, parsePolicy, type PolicyState } from '../core/remediation/policy';

/**
 * Loads the fix policy named by FIX_POLICY_FILE. No setting: fixes are shown disabled with
 * how to enable them. A setting that points at a missing or broken file stops start-up
 * with a message naming the file, the place inside it and the reason: a typo must never
 * silently disable (or widen) who may change production.
 */
export function loadPolicyFile(path: string | undefined): PolicyState {
  if (path === undefined || path.trim() === '') return missingPolicy;
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new CodedError('config_invalid', `FIX_POLICY_FILE points to ${file}, which does not exist. Fix the path, or unset FIX_POLICY_FILE to show fixes disabled.`, { file });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CodedError('config_invalid', `FIX_POLICY_FILE=${file} cannot be read: ${oneLine(error)}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CodedError('config_invalid', `FIX_POLICY_FILE=${file} is not valid JSON (${locate(text)}): ${oneLine(error)}`, { file });
  }
  try {
    return { kind: 'loaded', policy: parsePolicy(json, file), source: file };
  } catch (error) {
    const problems = isCodedError(error, 'config_invalid') && Array.isArray(error.details['problems']) ? (error.details['problems'] as string[]) : [oneLine(error)];
    throw new CodedError('config_invalid', `FIX_POLICY_FILE=${file} is not a valid fix policy: ${problems.join('; ')}`, { file, problems });
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ');
}

function locate(text: string): string {
  const before = text.slice(0, jsonErrorOffset(text)).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
