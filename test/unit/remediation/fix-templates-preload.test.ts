import * as fs from 'node:fs';

/** Files to serve broken, so the test can see what start-up does with a broken template. */
const broken = new Set<string>();

// Watched, not replaced: every read goes to the real file unless the test breaks it.
jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return {
    ...actual,
    readFileSync: jest.fn((file: string, options?: unknown) => {
      if ([...broken].some((name) => String(file).endsWith(name))) return '{ "type": "AdaptiveCard", ';
      return (actual.readFileSync as (f: string, o?: unknown) => string | Buffer)(file, options);
    }),
  };
});

/** The fix cards' templates are loaded with every other card at start-up, so a broken one fails start-up, not a user's turn. */
describe('fix card templates at start-up', () => {
  afterEach(() => {
    broken.clear();
    jest.mocked(fs.readFileSync).mockClear();
  });

  const freshRenderer = (): typeof import('../../../src/channels/teams/card-renderer') => {
    let renderer: typeof import('../../../src/channels/teams/card-renderer') | undefined;
    jest.isolateModules(() => {
      renderer = jest.requireActual<typeof import('../../../src/channels/teams/card-renderer')>('../../../src/channels/teams/card-renderer');
    });
    if (!renderer) throw new Error('card renderer not loaded');
    return renderer;
  };

  it('preloadCardTemplates reads cards/fix-request.json and cards/fix-audit.json', () => {
    freshRenderer().preloadCardTemplates();
    const files = jest.mocked(fs.readFileSync).mock.calls.map(([file]) => String(file));
    expect(files.some((f) => f.endsWith('fix-request.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('fix-audit.json'))).toBe(true);
  });

  it('a broken fix template makes preloadCardTemplates throw', () => {
    broken.add('fix-audit.json');
    expect(() => freshRenderer().preloadCardTemplates()).toThrow(/JSON/);
  });
});
