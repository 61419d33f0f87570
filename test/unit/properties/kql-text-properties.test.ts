import fc from 'fast-check';
import { readKql } from '../../../src/core/incidents/kql-text';
import { oneMegabyte } from './arbitraries';

/** KQL's own pieces, so generated queries mix comments, every string form and code in any order. */
const kqlPiece = fc.constantFrom('AddonAzureBackupJobs', ' | where ', '//', '\n', '\r', '\u2028', "'", '"', '\\', "\\'", '@', "@'", '@"', "''", '```', '[', ']', 'x', ' ');
const kqlQuery = fc.array(kqlPiece, { maxLength: 60 }).map((parts) => parts.join(''));

describe('reading a KQL query into code, comments and strings', () => {
  it('keeps code where it was: the code and the comment-free query never grow past the query, and both keep every line of code untouched when there is no comment or string', () => {
    fc.assert(
      fc.property(kqlQuery, (query) => {
        const { code, withoutComments } = readKql(query);
        expect(code.length).toBeLessThanOrEqual(query.length);
        expect(withoutComments.length).toBeLessThanOrEqual(query.length);
        if (!/\/\/|['"`]/.test(query)) {
          expect(code).toBe(query);
          expect(withoutComments).toBe(query);
        }
      }),
    );
  });

  it('never shows a comment\'s words as code, and keeps a string\'s words only in the comment-free query', () => {
    expect(readKql("T // ['AddonAzureBackupJobs']\n| take 1")).toEqual({ code: 'T  \n| take 1', withoutComments: 'T  \n| take 1' });
    expect(readKql("T | where A == 'x // y' | take 1")).toEqual({ code: 'T | where A ==   | take 1', withoutComments: "T | where A == 'x // y' | take 1" });
    expect(readKql("T | where A == @'it''s' | union U")).toEqual({ code: 'T | where A ==   | union U', withoutComments: "T | where A == @'it''s' | union U" });
    // An unterminated single-line string ends at its line break; the next line is code.
    expect(readKql("T | where A == 'open\n| union U").code).toBe('T | where A ==  \n| union U');
  });

  it.each([
    ['escaped quotes, then a line break', "'" + "\\'".repeat(100_000) + '\n'],
    ['escaped double quotes without an end', '"' + '\\"'.repeat(100_000)],
    ['a megabyte of opening quotes', oneMegabyte("'\\")],
    ['a megabyte of verbatim quotes', oneMegabyte("@'''")],
    ['a megabyte of comment starts', oneMegabyte('//\n')],
    ['a megabyte of triple backticks', oneMegabyte('```x')],
  ])('does one pass over a hostile query (%s): the work grows with its length, not its square', (_name, query) => {
    // Quadratic scanning of 1 MB would take minutes and time the test out; one pass takes milliseconds.
    const { code } = readKql(oneMegabyte(query));
    expect(code.length).toBeLessThanOrEqual(1024 * 1024);
  });
});
