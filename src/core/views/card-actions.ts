import { z } from 'zod';

/**
 * Card buttons as the views describe them: a verb plus a small typed, versioned payload.
 * Payloads carry opaque ids only; the server reloads and re-checks everything they name.
 * Channels turn a CardButton into their own control (Teams: Action.Execute with an
 * Action.Submit fallback; Slack: a button with the payload as value).
 */
export interface CardButton {
  readonly title: string;
  readonly verb: string;
  readonly data: Readonly<Record<string, string | number | boolean>>;
  /** Visual emphasis where the channel supports it. */
  readonly style?: 'positive' | 'destructive';
}

export const Verbs = {
  next: 'troubleshoot.next',
  previous: 'troubleshoot.previous',
  goTo: 'troubleshoot.goto',
  fixed: 'troubleshoot.fixed',
  stillFailing: 'troubleshoot.still-failing',
  start: 'troubleshoot.start',
  help: 'help.show',
  codes: 'codes.show',
} as const;

export const PayloadVersion = 1;

/** The only id a button carries (a session, a fix request): opaque, unguessable, reloaded on the server. */
export const OpaqueIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
const opaqueId = OpaqueIdSchema;

export const SessionPayloadSchema = z.object({ v: z.literal(PayloadVersion), sessionId: opaqueId });
export type SessionPayload = z.infer<typeof SessionPayloadSchema>;

/**
 * A relative step (Next, Previous, Fixed it, Still failing) with the cause the card showed
 * when it was pressed: a second press of the same card, a replayed press, or a press on a
 * copy someone else has already moved on from is refused instead of stepping again. Cards
 * made before the field existed carry none, and step as they always did.
 */
export const StepPayloadSchema = SessionPayloadSchema.extend({
  at: z.number().int().min(0).max(200).optional(),
  /** On a Previous: the fixed card's Reopen, which applies only to a fixed session (a plain Previous there is stale). */
  reopen: z.literal(true).optional(),
});
export type StepPayload = z.infer<typeof StepPayloadSchema>;

/**
 * The cause index: a number from a button, or the string value of the card's cause drop-down
 * (Adaptive Card inputs are merged into the Action.Execute data as strings).
 */
const causeIndex = z.union([z.number(), z.string().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.number().int().min(0).max(200));

export const GoToPayloadSchema = SessionPayloadSchema.extend({ index: causeIndex });
export type GoToPayload = z.infer<typeof GoToPayloadSchema>;

const lang = z.enum(['en', 'pl']).optional();

export const StartPayloadSchema = z.object({ v: z.literal(PayloadVersion), codeId: z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,100}$/), lang });
export type StartPayload = z.infer<typeof StartPayloadSchema>;

export const EmptyPayloadSchema = z.object({ v: z.literal(PayloadVersion), lang });

export function sessionButton(title: string, verb: string, sessionId: string, style?: CardButton['style']): CardButton {
  return { title, verb, data: { v: PayloadVersion, sessionId }, ...(style ? { style } : {}) };
}

/** A relative step's button: the session and the cause the card shows (see StepPayloadSchema). */
export function stepButton(title: string, verb: string, session: { readonly id: string; readonly cursor: number }, style?: CardButton['style']): CardButton {
  return { title, verb, data: { v: PayloadVersion, sessionId: session.id, at: session.cursor }, ...(style ? { style } : {}) };
}

/** The fixed card's Reopen: a Previous marked as the reopen it is (see StepPayloadSchema). */
export function reopenButton(title: string, session: { readonly id: string; readonly cursor: number }): CardButton {
  return { title, verb: Verbs.previous, data: { v: PayloadVersion, sessionId: session.id, at: session.cursor, reopen: true } };
}

/** Key names an audit entry quotes from refused card data: a few, each short and plain, then how many there were. */
const quotedKeys = 10;
const quotedKeyChars = 32;

/**
 * The keys of card or button data that was refused, for the audit: which fields came, never
 * their values, and bounded whatever the sender put there (20,000 keys, or one key of a
 * megabyte, still make one short line).
 */
export function describeDataKeys(data: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(data);
  const shown = [...keys]
    .sort()
    .slice(0, quotedKeys)
    .map((key) => {
      const plain = key.slice(0, quotedKeyChars).replace(/[^A-Za-z0-9_]/g, '?');
      return key.length > quotedKeyChars ? `${plain}…` : plain;
    });
  const more = keys.length - shown.length;
  return `${shown.join(',')}${more > 0 ? ` and ${more} more (${keys.length} keys)` : ''}`;
}
