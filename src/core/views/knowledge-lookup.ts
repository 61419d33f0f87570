import type { Cause, ErrorCodeEntry, Escalation } from '../knowledge/schema';

/**
 * The slice of the knowledge base the views and the troubleshooting flow read. The
 * knowledge engineer's KnowledgeBase satisfies it structurally; keeping it narrow means a
 * view test can hand in a small catalogue.
 */
export interface KnowledgeLookup {
  readonly codes: readonly ErrorCodeEntry[];
  findCode(idOrAlias: string): ErrorCodeEntry | undefined;
  cause(id: string): Cause | undefined;
  readonly escalation: Escalation;
}

/** The code's causes in their documented order (unresolvable ids are skipped: load-time validation reports them). */
export function orderedCausesOf(knowledge: KnowledgeLookup, code: ErrorCodeEntry): Cause[] {
  const causes: Cause[] = [];
  for (const ref of code.causes) {
    const cause = safeCause(knowledge, ref.cause);
    if (cause) causes.push(cause);
  }
  return causes;
}

export function safeCause(knowledge: KnowledgeLookup, id: string): Cause | undefined {
  try {
    return knowledge.cause(id);
  } catch {
    return undefined;
  }
}

export function safeFindCode(knowledge: KnowledgeLookup, idOrAlias: string): ErrorCodeEntry | undefined {
  try {
    return knowledge.findCode(idOrAlias);
  } catch {
    return undefined;
  }
}
