import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { normaliseAlert } from '../../../src/core/incidents/normalize-alert';
import { hostileText, oneMegabyte } from './arbitraries';

const fixtures = join(__dirname, '../../fixtures/alerts');
const names = ['common-vm.json', 'common-sql-real.json', 'common-files.json', 'common-hana.json', 'common-mars.json', 'common-disk-backup-vault.json', 'metric-health.json', 'metric-health-rest-names.json', 'minimal.json', 'documented/service-health.json', 'documented/log-search-v2.json'];
const recorded = names.map((n) => JSON.parse(readFileSync(join(fixtures, n), 'utf8')) as unknown);
const receivedAt = new Date('2026-03-13T12:00:00Z');

type Json = unknown;

/** Every path to a value in a JSON document, so a mutation can reach any field. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return here;
}

function replaced(doc: Json, path: (string | number)[], next: Json): Json {
  const copy = structuredClone(doc) as Record<string | number, Json>;
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, Json>;
  const last = path.at(-1);
  if (last === undefined) return next;
  if (next === undefined) delete holder[last];
  else holder[last] = next;
  return copy;
}

/** A recorded alert with one to three fields set to a wrong type, hostile text or removed. */
const mutatedAlert = fc
  .tuple(
    fc.constantFrom(...recorded),
    fc.array(fc.tuple(fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileText(300), fc.constant(undefined))), { minLength: 1, maxLength: 3 }),
  )
  .map(([doc, edits]) => edits.reduce<Json>((current, [at, value]) => {
    const all = paths(current);
    return all.length === 0 ? current : replaced(current, all[at % all.length] ?? [], value);
  }, doc));

/** Deeply nested arrays or objects, as an attacker's JSON parser bomb would be after parsing. */
const nested = fc.tuple(fc.integer({ min: 100, max: 1_500 }), fc.boolean()).map(([depth, arrays]) => {
  let value: Json = 'x';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { data: value };
  return value;
});

const anyBody = fc.oneof(mutatedAlert, fc.anything(), fc.jsonValue({ maxDepth: 4 }), nested);
/** JSON bodies only: the same document parsed twice (as two deliveries of one request are) must get one answer. */
const jsonBody = fc.oneof(mutatedAlert, fc.jsonValue({ maxDepth: 4 }));

describe('alert normalisation holds for any body', () => {
  it('never throws; a refusal names a field and a reason', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const result = normaliseAlert(body, receivedAt);
        expect(['alert', 'ignored', 'invalid']).toContain(result.kind);
        if (result.kind === 'invalid') {
          expect(result.field.length).toBeGreaterThan(0);
          expect(result.reason.length).toBeGreaterThan(0);
        }
        if (result.kind === 'ignored') expect(result.reason.length).toBeGreaterThan(0);
        if (result.kind === 'alert') expect(Number.isNaN(result.alert.occurredAt.getTime())).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('answers a body nested 100,000 deep (deeper than JSON.stringify goes) without throwing', () => {
    for (const arrays of [true, false]) {
      let value: Json = 'x';
      for (let i = 0; i < 100_000; i++) value = arrays ? [value] : { data: value };
      expect(normaliseAlert(value, receivedAt).kind).toBe('invalid');
      expect(normaliseAlert({ schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { monitoringService: 'Azure Backup', alertTargetIDs: [value] }, alertContext: value } }, receivedAt).kind).toBe('invalid');
    }
  });

  it('gives the same answer for the same body', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        expect(JSON.stringify(normaliseAlert(body, receivedAt))).toEqual(JSON.stringify(normaliseAlert(body, receivedAt)));
      }),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(jsonBody, (body) => {
        const text = JSON.stringify(body) ?? 'null';
        expect(JSON.stringify(normaliseAlert(JSON.parse(text), receivedAt))).toEqual(JSON.stringify(normaliseAlert(JSON.parse(text), receivedAt)));
      }),
      { numRuns: 150 },
    );
  });

  it('does bounded work on a 1 MB body: the answer holds no more text than the body had, and no field grows', () => {
    fc.assert(
      fc.property(fc.constantFrom(...recorded), fc.nat(), hostileText(200), (doc, at, seed) => {
        const all = paths(doc).filter((p) => typeof p.at(-1) === 'string');
        const body = replaced(doc, all[at % all.length] ?? [], oneMegabyte(seed || 'a'));
        const result = normaliseAlert(body, receivedAt);
        // Bounded by the body: nothing is repeated or expanded on the way through.
        expect(JSON.stringify(result).length).toBeLessThanOrEqual(JSON.stringify(body).length + 1_000);
      }),
      { numRuns: 12 },
    );
  });

  it('keeps the answer bounded by the body whichever field of a recorded alert holds 1 MB of text', () => {
    // Every text field of every recorded alert, not a sample: a field quoted twice in a reason
    // would double the answer, and a random pick can miss the one field that does.
    const text = oneMegabyte('a"\\ü');
    const everyFixture = readdirSync(fixtures, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.json'));
    expect(everyFixture.length).toBeGreaterThanOrEqual(names.length);
    for (const doc of everyFixture.map((n) => JSON.parse(readFileSync(join(fixtures, n), 'utf8')) as unknown)) {
      for (const path of paths(doc).filter((p) => typeof p.at(-1) === 'string')) {
        const body = replaced(doc, path, text);
        const answer = JSON.stringify(normaliseAlert(body, receivedAt)).length;
        if (answer > JSON.stringify(body).length + 1_000) throw new Error(`1 MB at ${path.join('.')} gave an answer of ${answer} characters`);
      }
    }
  });
});
