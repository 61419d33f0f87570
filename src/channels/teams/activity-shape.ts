import { z } from 'zod';

/**
 * Activities are JSON from outside: a client or a proxy can send `text` as a number, `from`
 * missing or `conversation.id` as an object. Handlers assume botbuilder's types, so such an
 * activity is stopped here, before any handler, with the field and the reason.
 */
export interface ShapeProblem {
  /** Dotted path of the first wrong field, e.g. "conversation.id". */
  readonly field: string;
  readonly reason: string;
  /**
   * 'ignore': we cannot tell who sent it or where to answer (type, from, conversation): a log line only.
   * 'answer': we can, so the sender hears what was wrong.
   */
  readonly handling: 'ignore' | 'answer';
}

const id = z.string().trim().min(1, 'must be a non-empty string');
const account = z.looseObject({ id });

/** What every handler and the identity gate rely on: without it there is no one to answer. */
const addressable = z.looseObject({
  type: id,
  from: account,
  conversation: z.looseObject({ id, tenantId: z.string().nullish(), conversationType: z.string().nullish() }),
});

/** What the message, invoke and conversation-update handlers read. */
const readable = z.looseObject({
  text: z.string().nullish(),
  locale: z.string().nullish(),
  name: z.string().nullish(),
  replyToId: z.string().nullish(),
  serviceUrl: z.string().nullish(),
  entities: z.array(z.looseObject({ type: z.string() })).nullish(),
  membersAdded: z.array(account).nullish(),
  membersRemoved: z.array(account).nullish(),
});

/** A message's `value` is a card button's data (the Action.Submit fallback): an object. */
const messageValue = z.record(z.string(), z.unknown()).nullish();

function firstIssue(error: z.ZodError, handling: ShapeProblem['handling']): ShapeProblem {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(activity)';
  const reason = issue?.code === 'invalid_type' ? `must be ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}` : (issue?.message ?? 'is malformed');
  return { field, reason, handling };
}

/** The first field of the activity a handler could not read, or undefined when it is well-formed. */
export function activityShapeProblem(activity: unknown): ShapeProblem | undefined {
  const base = addressable.safeParse(activity);
  if (!base.success) return firstIssue(base.error, 'ignore');
  const fields = readable.safeParse(activity);
  if (!fields.success) return firstIssue(fields.error, 'answer');
  if (base.data.type === 'message') {
    const value = messageValue.safeParse((activity as { value?: unknown }).value);
    if (!value.success) return { field: 'value', reason: 'must be an object (the data of a card button)', handling: 'answer' };
  }
  // An invoke is dispatched by its name: without one it asks for nothing.
  if (base.data.type === 'invoke' && !fields.data.name?.trim()) return { field: 'name', reason: 'must name the invoke (adaptiveCard/action)', handling: 'answer' };
  return undefined;
}

/** The answer to a message we could not read, in both languages (its locale may be the broken field). */
export function shapeProblemText(problem: ShapeProblem): string {
  return `Nothing was done: I could not read this message (${problem.field} ${problem.reason}). / Nic nie zrobiono: nie mogę odczytać tej wiadomości (pole ${problem.field} ma niewłaściwy typ).`;
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * What makes an activity unanswerable before the bot runs: no type, no sender or conversation to
 * answer (the Teams handler would only log it), or a serviceUrl that is no http(s) URL (botbuilder
 * builds its connector from it and throws, or tries to answer on it). Other wrong fields reach the bot, which answers with the field.
 */
export function unanswerableActivity(body: unknown): { field: string; reason: string } | undefined {
  const type = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || type.trim() === '') return { field: 'type', reason: 'must be a non-empty string (the activity type)' };
  const serviceUrl = (body as { serviceUrl?: unknown }).serviceUrl;
  if (serviceUrl !== undefined && serviceUrl !== null && typeof serviceUrl !== 'string') return { field: 'serviceUrl', reason: 'must be a string (the channel\'s URL to answer on)' };
  // botbuilder would answer on whatever it is given: "not a url" or file:///… only fails there, with a stack in the log.
  if (typeof serviceUrl === 'string' && !isHttpUrl(serviceUrl)) return { field: 'serviceUrl', reason: 'must be an http(s) URL (the channel\'s URL to answer on)' };
  // Only the part that decides 'ignore': the bot checks the rest once it runs.
  const base = addressable.safeParse(body);
  if (base.success) return undefined;
  const { field, reason } = firstIssue(base.error, 'ignore');
  return { field, reason };
}
