import fc from 'fast-check';
import { kqlCode, kqlTokens, stringValue } from '../../../src/core/incidents/kql-text';
import { oneMegabyte } from './arbitraries';

/** KQL's own pieces, so generated queries mix comments, every string form and code in any order. */
const kqlPiece = fc.constantFrom('AddonAzureBackupJobs', ' | where ', '//', '\n', '\r', '\u2028', "'", '"', '\\', "\\'", '@', "@'", '@"', "''", '```', '~~~', '~', '[', ']', 'x', ' ');
const kqlQuery = fc.array(kqlPiece, { maxLength: 60 }).map((parts) => parts.join(''));

const tokensOf = (query: string) => [...kqlTokens(query)].map((t) => `${t.kind}:${t.text}`);

describe('reading a KQL query into code, comments and strings', () => {
  it('loses nothing and invents nothing: the tokens put back together are the query, code never follows code, and the code keeps every run of code where it was', () => {
    fc.assert(
      fc.property(kqlQuery, (query) => {
        const tokens = [...kqlTokens(query)];
        expect(tokens.map((t) => t.text).join('')).toBe(query);
        tokens.forEach((t, i) => {
          expect(t.text.length).toBeGreaterThan(0);
          if (i > 0 && t.kind === 'code') expect(tokens[i - 1]?.kind).not.toBe('code');
        });
        expect(kqlCode(query)).toBe(tokens.map((t) => (t.kind === 'code' ? t.text : ' ')).join(''));
        if (!/\/\/|['"`]|~~~/.test(query)) expect(kqlCode(query)).toBe(query);
      }),
    );
  });

  it('reads comments and every string form as Kusto does', () => {
    expect(tokensOf("T // ['AddonAzureBackupJobs']\n| take 1")).toEqual(['code:T ', "comment:// ['AddonAzureBackupJobs']", 'code:\n| take 1']);
    expect(tokensOf("A == 'x // y' | B")).toEqual(['code:A == ', "string:'x // y'", 'code: | B']);
    expect(tokensOf("A == @'it''s' | U")).toEqual(['code:A == ', "string:@'it''s'", 'code: | U']);
    expect(tokensOf('A == "a\\" b" | U')).toEqual(['code:A == ', 'string:"a\\" b"', 'code: | U']);
    // Both multi-line quotes: a quote or a // inside them is text.
    expect(tokensOf("x = ~~~it's // not a comment~~~ | U")).toEqual(['code:x = ', "string:~~~it's // not a comment~~~", 'code: | U']);
    expect(tokensOf("x = ```a\n'b```")).toEqual(['code:x = ', "string:```a\n'b```"]);
    // An unterminated single-line string ends at its line break; the next line is code.
    expect(tokensOf("A == 'open\n| union U")).toEqual(['code:A == ', "string:'open", 'code:\n| union U']);
    expect(stringValue({ kind: 'string', text: "@'AddonAzureBackupJobs'" })).toBe('AddonAzureBackupJobs');
    expect(stringValue({ kind: 'string', text: '~~~Failed~~~' })).toBe('Failed');
  });

  it.each([
    ['escaped quotes, then a line break', "'" + "\\'".repeat(100_000) + '\n'],
    ['escaped double quotes without an end', '"' + '\\"'.repeat(100_000)],
    ['a megabyte of opening quotes', "'\\"],
    ['a megabyte of empty strings', "''"],
    ['a megabyte of verbatim quotes', "@'''"],
    ['a megabyte of comment starts', '//\n'],
    ['a megabyte of triple backticks and tildes', '```x~~~'],
  ])('does one pass over a hostile query (%s): the work grows with its length, not its square', (_name, seed) => {
    // Quadratic scanning of 1 MB would take minutes and time the test out; one pass takes milliseconds.
    const query = oneMegabyte(seed);
    let length = 0;
    for (const token of kqlTokens(query)) length += token.text.length;
    expect(length).toBe(query.length);
  });
});
