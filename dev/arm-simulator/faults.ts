import type { SimDenial } from './model';

/**
 * Faults a test (or the demo) injects at run time, on top of what the scenario says:
 * throttling, server errors, long-running operations that end Failed, and denied actions.
 * Each rule matches a method (optional) and a path (case-insensitive substring of the
 * decoded path, or a RegExp) and applies to the next `times` matching requests.
 */

export interface FaultMatch {
  /** GET, POST, PUT, DELETE; any method when omitted. */
  readonly method?: string;
  readonly times?: number;
}

export interface ThrottleOptions extends FaultMatch {
  /** Sent as Retry-After (seconds). 0 lets the SDK retry at once. */
  readonly retryAfterSeconds?: number;
}

export interface FailOptions extends FaultMatch {
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
}

interface Rule {
  readonly kind: 'sync' | 'operation';
  readonly method?: string;
  readonly path: string | RegExp;
  remaining: number;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export interface InjectedResponse {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

/** A held request: answered only once the test releases it (or never, for a process that dies first). */
interface Hold {
  readonly method?: string;
  readonly path: string | RegExp;
  remaining: number;
  readonly released: Promise<void>;
  readonly release: () => void;
  held: number;
}

export class FaultInjector {
  private rules: Rule[] = [];
  private holds: Hold[] = [];
  /** Responses served by injected faults so far. */
  served = 0;
  /**
   * When set, every GET answers x-ms-ratelimit-remaining-subscription-reads with this count and
   * lowers it by one (never below 0), as ARM reports what is left of the subscription's reads.
   */
  remainingSubscriptionReads: number | undefined;

  /** The header value for a GET now, or undefined when the simulator is not reporting reads. */
  takeRead(method: string): number | undefined {
    if (this.remainingSubscriptionReads === undefined || method.toUpperCase() !== 'GET') return undefined;
    const left = this.remainingSubscriptionReads;
    this.remainingSubscriptionReads = Math.max(0, left - 1);
    return left;
  }

  constructor(private readonly denials: SimDenial[]) {}

  /** The next `times` matching calls answer 429 TooManyRequests with Retry-After. */
  throttle(path: string | RegExp, options: ThrottleOptions = {}): void {
    this.rules.push({
      kind: 'sync',
      method: options.method,
      path,
      remaining: options.times ?? 1,
      status: 429,
      code: 'TooManyRequests',
      message: 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits',
      retryAfterSeconds: options.retryAfterSeconds ?? 0,
    });
  }

  /** The next `times` matching calls fail with this status (503 by default). */
  fail(path: string | RegExp, options: FailOptions = {}): void {
    const status = options.status ?? 503;
    this.rules.push({
      kind: 'sync',
      method: options.method,
      path,
      remaining: options.times ?? 1,
      status,
      code: options.code ?? (status >= 500 ? 'ServiceUnavailable' : 'BadRequest'),
      message: options.message ?? 'The service is temporarily unavailable. Please try again later.',
    });
  }

  /** The next `times` matching long-running operations are accepted (202) and then end Failed, changing nothing. */
  failOperation(path: string | RegExp, options: Omit<FailOptions, 'status'> = {}): void {
    this.rules.push({
      kind: 'operation',
      method: options.method,
      path,
      remaining: options.times ?? 1,
      status: 200,
      code: options.code ?? 'InternalOperationError',
      message: options.message ?? 'An internal execution error occurred. Please retry later.',
    });
  }

  /** Denies RBAC actions (all by default) on a scope, as a missing role assignment would. */
  deny(scope: string, actions: readonly string[] = ['*']): void {
    this.denials.push({ scope, actions: [...actions] });
  }

  /**
   * The next `times` matching calls get no answer until `release()` is called: a slow Azure, or
   * the moment a test kills the caller in the middle of an operation.
   */
  hold(path: string | RegExp, options: FaultMatch = {}): { release: () => void; readonly held: number } {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold: Hold = { method: options.method, path, remaining: options.times ?? 1, released, release: () => release(), held: 0 };
    this.holds.push(hold);
    return {
      release: hold.release,
      get held() {
        return hold.held;
      },
    };
  }

  /** Waits while a hold claims this call (resolves at once when none does). */
  async waitIfHeld(method: string, path: string): Promise<void> {
    const hold = this.holds.find((h) => h.remaining > 0 && (!h.method || h.method.toUpperCase() === method.toUpperCase()) && matches(h.path, path));
    if (!hold) return;
    hold.remaining -= 1;
    hold.held += 1;
    await hold.released;
  }

  /** Removes injected rules and every denial (including the scenario's); held calls are let go. */
  clear(): void {
    for (const h of this.holds) h.release();
    this.holds = [];
    this.rules = [];
    this.denials.splice(0, this.denials.length);
  }

  /** Consumes and returns the first matching rule of this kind. */
  take(kind: Rule['kind'], method: string, path: string): InjectedResponse | undefined {
    const rule = this.rules.find((r) => r.kind === kind && r.remaining > 0 && (!r.method || r.method.toUpperCase() === method.toUpperCase()) && matches(r.path, path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.served += 1;
    return { status: rule.status, code: rule.code, message: rule.message, retryAfterSeconds: rule.retryAfterSeconds };
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? path.toLowerCase().includes(pattern.toLowerCase()) : pattern.test(path);
}
