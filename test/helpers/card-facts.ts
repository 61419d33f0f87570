/**
 * The title/value pairs a card shows. Cards render facts as rows of plain text runs
 * (src/channels/teams/plain-text.ts turns every FactSet into a Container of two-column rows);
 * an untransformed FactSet is read too, so tests do not depend on which form they get.
 */
type Node = Record<string, unknown>;

function runText(column: Node | undefined): string | undefined {
  const block = (column?.['items'] as Node[] | undefined)?.[0];
  const run = (block?.['inlines'] as Node[] | undefined)?.[0];
  return typeof run?.['text'] === 'string' ? run['text'] : undefined;
}

export function cardFacts(card: unknown): Record<string, string> {
  const facts: [string, string][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Node;
    if (record['type'] === 'FactSet') {
      for (const f of (record['facts'] as { title: string; value: string }[] | undefined) ?? []) facts.push([f.title, f.value]);
      return;
    }
    if (record['type'] === 'ColumnSet') {
      const columns = record['columns'] as Node[] | undefined;
      const title = runText(columns?.[0]);
      const value = runText(columns?.[1]);
      if (columns?.length === 2 && title !== undefined && value !== undefined && (columns[0]?.['width'] === 'auto')) {
        facts.push([title, value]);
        return;
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(card);
  return Object.fromEntries(facts);
}
