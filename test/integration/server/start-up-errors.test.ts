import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The production entry point with a wrong setting: one line on stderr naming the setting and
 * the file, exit code 2, no stack trace, nothing listening.
 */
const repoRoot = join(__dirname, '..', '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backup-doctor-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'main.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', BOT_MODE: 'local', PORT: '0', LOG_LEVEL: 'silent', STATE_FILE: join(dir, 'state.sqlite'), POLL_INTERVAL_MINUTES: '0', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr };
}

test('a FIX_POLICY_FILE that does not exist stops start-up with one line naming the setting and the path', () => {
  const missing = join(dir, 'no-such-policy.json');
  const { status, stderr } = start({ FIX_POLICY_FILE: missing });
  expect(status).toBe(2);
  const lines = stderr.trim().split('\n').filter((l) => !l.includes('DeprecationWarning') && !l.includes('--trace-deprecation'));
  expect(lines).toEqual([`backup-doctor: FIX_POLICY_FILE points to ${missing}, which does not exist. Fix the path, or unset FIX_POLICY_FILE to show fixes disabled.`]);
});

test('a fix policy that is not valid JSON names the file and the line', () => {
  const broken = join(dir, 'broken-policy.json');
  writeFileSync(broken, '{\n  "version": 1,\n  "enabledFixes": [\n');
  const { status, stderr } = start({ FIX_POLICY_FILE: broken });
  expect(status).toBe(2);
  const lines = stderr.trim().split('\n').filter((l) => !l.includes('DeprecationWarning') && !l.includes('--trace-deprecation'));
  expect(lines).toEqual([expect.stringMatching(new RegExp(`^backup-doctor: FIX_POLICY_FILE=${escape(broken)} is not valid JSON \\(line 4, column 1\\): `))]);
});

test('JSON that is not a valid policy names the setting, the file and every problem on one line', () => {
  const invalid = join(dir, 'invalid-policy.json');
  writeFileSync(invalid, JSON.stringify({ requesters: 5, approvers: 'everyone' }));
  const { status, stderr } = start({ FIX_POLICY_FILE: invalid });
  expect(status).toBe(2);
  const lines = stderr.trim().split('\n').filter((l) => !l.includes('DeprecationWarning') && !l.includes('--trace-deprecation'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^backup-doctor: FIX_POLICY_FILE=${escape(invalid)} is not a valid fix policy: `));
  expect(lines[0]).toContain(`${invalid}: requesters: `);
  expect(lines[0]).toContain(`${invalid}: approvers: `);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('a STATE_BLOB_CONNECTION_STRING the storage SDK cannot parse stops start-up with one line naming the setting, never the key', () => {
  // Copied without its DefaultEndpointsProtocol and EndpointSuffix.
  const key = 'c2VjcmV0LWtleS0wMTIzNDU2Nzg5';
  const { status, stderr } = start({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: `AccountName=stbackupdoctor;AccountKey=${key}` });
  const lines = stderr.trim().split('\n').filter((l) => !l.includes('DeprecationWarning') && !l.includes('--trace-deprecation'));
  expect({ status, lines }).toEqual({ status: 2, lines: [expect.stringContaining('STATE_BLOB_CONNECTION_STRING')] });
  expect(stderr).not.toContain(key);
});
