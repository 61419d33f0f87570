import fc from 'fast-check';

/**
 * Inputs a hostile or careless sender can produce: any UTF-16 (lone surrogates too), control
 * characters, right-to-left marks, template and markdown syntax, JSON fragments and code-like
 * words. Shared by the property tests so each one is tried against the same kinds of text.
 */
const hostileFragments = [
  '{{DATE(2026-01-01T00:00:00Z)}}',
  '${process.env.SECRET}',
  '<script>alert(1)</script>',
  '<!here> <@U123> *bold* _it_ ~s~ `code` ```block```',
  '[link](javascript:alert(1))',
  '\u202e\u200b\u0000\u0007\u001b[31m',
  '%zz%E0%A4%A',
  '\\"}]}',
  'UserErrorGuestAgentStatusUnavailable',
  'Nie można nawiązać komunikacji',
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%2D01',
  '\ud800',
  '👩‍👩‍👧‍👦',
];

export const hostileText = (maxLength = 400): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: fc.constantFrom(...'{}[]":,\\\n\t *_~`<>|#'.split('')), maxLength: 20 }),
        fc.constantFrom(...hostileFragments),
      ),
      { maxLength: 20 },
    )
    .map((parts) => parts.join('').slice(0, maxLength));

/** About 1 MB of text built from a repeated hostile seed: the size a request body may reach. */
export const oneMegabyte = (seed: string): string => seed.repeat(Math.ceil((1024 * 1024) / Math.max(1, seed.length))).slice(0, 1024 * 1024);
