import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CodedError } from '../core/errors';
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
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CodedError('config_invalid', `The fix policy ${file} is not valid JSON (${locate(text)}): ${message}`, { file });
  }
  return { kind: 'loaded', policy: parsePolicy(json, file), source: file };
}

function locate(text: string): string {
  const before = text.slice(0, jsonErrorOffset(text)).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
