/**
 * The outer shape of a signed Slack request, checked before Bolt sees it: Bolt answers a body it
 * cannot dispatch with an empty 404 or 500 (an `event` that is a string throws inside it), which
 * tells the sender nothing. Only the envelope is checked here; what is inside an event stays the
 * listeners' business (Slack adds fields all the time).
 */
export interface EnvelopeProblem {
  readonly field: string;
  readonly reason: string;
}

type Json = Record<string, unknown>;

/** The events the bot listens to, and their fields Bolt itself reads (a null user fails inside Bolt with a bare 500). */
const messageEvents: ReadonlySet<string> = new Set(['app_mention', 'message']);
const messageFields = ['user', 'channel', 'text', 'ts', 'thread_ts', 'team', 'subtype', 'bot_id', 'channel_type'] as const;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

function parseJson(text: string, field: string): { ok: true; value: unknown } | { ok: false; problem: EnvelopeProblem } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: { field, reason: `is not valid JSON: ${(error as Error).message}` } };
  }
}

/** Events API bodies (JSON): an object with a string `type`; an event callback carries an `event` object with a string `type`. */
function eventsProblem(body: unknown, prefix = ''): EnvelopeProblem | undefined {
  if (!isObject(body)) return { field: prefix ? prefix.replace(/\.$/, '') : '(body)', reason: 'must be a JSON object' };
  if (typeof body['type'] !== 'string' || body['type'] === '') return { field: `${prefix}type`, reason: 'must be a non-empty string (the Slack request type)' };
  if (body['type'] === 'event_callback') {
    const event = body['event'];
    if (!isObject(event)) return { field: `${prefix}event`, reason: 'must be an object (the event)' };
    if (typeof event['type'] !== 'string' || event['type'] === '') return { field: `${prefix}event.type`, reason: 'must be a non-empty string (the event type)' };
    if (messageEvents.has(event['type'])) {
      const wrong = messageFields.find((key) => key in event && typeof event[key] !== 'string');
      if (wrong) return { field: `${prefix}event.${wrong}`, reason: 'must be a string' };
    }
  }
  if (body['type'] === 'block_actions') {
    const problem = blockActionsProblem(body);
    if (problem) return { field: `${prefix}${problem.field}`, reason: problem.reason };
  }
  if ((body['type'] === 'view_submission' || body['type'] === 'view_closed') && !(isObject(body['view']) && typeof body['view']['callback_id'] === 'string')) {
    return { field: `${prefix}view`, reason: 'must be an object with the view\'s callback_id' };
  }
  const authorizations = body['authorizations'];
  if (authorizations !== undefined && !(Array.isArray(authorizations) && authorizations.every(isObject))) return { field: `${prefix}authorizations`, reason: 'must be a list of objects (the installations the event is for)' };
  if (body['type'] === 'url_verification' && typeof body['challenge'] !== 'string') return { field: `${prefix}challenge`, reason: 'must be a string' };
  return undefined;
}

/** A button press: who pressed it, where, and which button (Bolt reads these before any listener). */
function blockActionsProblem(body: Json): EnvelopeProblem | undefined {
  const user = body['user'];
  if (!isObject(user) || typeof user['id'] !== 'string') return { field: 'user', reason: 'must be an object with the user\'s id' };
  // Slack sends team null for some enterprise installs; the others are objects whenever present.
  if (body['team'] !== undefined && body['team'] !== null && !isObject(body['team'])) return { field: 'team', reason: 'must be an object or null' };
  for (const key of ['channel', 'container', 'message'] as const) {
    if (key in body && !isObject(body[key])) return { field: key, reason: 'must be an object' };
  }
  const actions = body['actions'];
  if (!Array.isArray(actions) || !actions.every((a) => isObject(a) && typeof a['action_id'] === 'string' && typeof a['type'] === 'string')) {
    return { field: 'actions', reason: 'must be a list of actions, each with its type and action_id' };
  }
  return undefined;
}

/** Interactivity and slash commands (form-encoded): a JSON `payload` shaped as above, or a `command`, or Slack's `ssl_check`. */
function formProblem(text: string): EnvelopeProblem | undefined {
  const form = new URLSearchParams(text);
  const payload = form.get('payload');
  if (payload !== null) {
    const parsed = parseJson(payload, 'payload');
    return parsed.ok ? eventsProblem(parsed.value, 'payload.') : parsed.problem;
  }
  if (form.has('command') || form.has('ssl_check')) return undefined;
  return { field: 'payload', reason: 'a form-encoded request must carry payload (interactivity) or command (a slash command)' };
}

/**
 * The request types a listener answers: Bolt acknowledges events itself, and the channel's
 * listeners ack presses, view submissions, shortcuts and slash commands. Any other type (a
 * view_closed, a block_suggestion, a legacy interactive_message or dialog, one Slack adds later)
 * would wait 3 s for an ack nobody sends and get an empty 404.
 */
const answeredTypes: ReadonlySet<string> = new Set(['event_callback', 'url_verification', 'block_actions', 'view_submission', 'shortcut', 'message_action']);

/** The type of a well-formed signed request no listener answers (it is acknowledged at once), or undefined. */
export function unansweredSlackType(rawBody: Buffer, form: boolean): string | undefined {
  try {
    const text = rawBody.toString('utf8');
    const params = form ? new URLSearchParams(text) : undefined;
    if (params && params.get('payload') === null) return undefined;
    const body = JSON.parse(params ? (params.get('payload') as string) : text) as Json;
    const type = body['type'];
    return typeof type === 'string' && !answeredTypes.has(type) ? type : undefined;
  } catch {
    return undefined;
  }
}

/** The first thing wrong with a signed request's envelope, or undefined when Bolt can dispatch it. */
export function slackEnvelopeProblem(rawBody: Buffer, form: boolean): EnvelopeProblem | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  } catch {
    return { field: '(body)', reason: 'is not valid UTF-8' };
  }
  if (form) return formProblem(text);
  const parsed = parseJson(text, '(body)');
  return parsed.ok ? eventsProblem(parsed.value) : parsed.problem;
}
