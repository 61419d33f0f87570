import fc from 'fast-check';
import { parseSweepCommand } from '../../../src/core/sweep/sweep-command';
import { normalizeCommandText } from '../../../src/core/troubleshoot/ask';
import { trimTrailing } from '../../../src/core/trim-trailing';
import { hostileText } from './arbitraries';

/** The chat commands read a trailing "?", "!" or "." off what people write; a long run of them must cost no more than its length. */
describe('trailing punctuation on a command', () => {
  it('is cut exactly as "any run of these characters at the end" says, for any text', () => {
    const text = fc.oneof(hostileText(200), fc.stringMatching(/^[a-z .!?/_-]{0,40}$/));
    fc.assert(
      fc.property(text, fc.constantFrom('.!?', '/', '._-'), (t, chars) => {
        const run = new RegExp(`[${chars.replace(/[-\]\\^]/g, '\\$&')}]+$`);
        expect(trimTrailing(t, chars)).toBe(t.replace(run, ''));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['dots', '.'],
    ['question marks', '?'],
    ['exclamation marks', '!'],
  ])('reads a message of a megabyte of %s before one letter as no command, at once', (_name, mark) => {
    // With /[.!?]+$/ this took quadratic time: minutes for a megabyte (seconds for 64 KB).
    const hostile = `${mark.repeat(1024 * 1024)}x`;
    expect(parseSweepCommand(hostile)).toBeUndefined();
    expect(normalizeCommandText(hostile)).toBe(hostile.replace(/^[/!]/, ''));
    expect(parseSweepCommand(`at risk${mark.repeat(1024 * 1024)}`)).toBe('en');
  });
});
