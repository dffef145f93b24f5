/**
 * Exponential backoff with jitter: one small class, used by every retry loop in the library.
 * Users may pass their own `BackoffStrategy` wherever a backoff is accepted.
 */

/** Something that says how long to wait before the next attempt. */
export interface BackoffStrategy {
  /** Milliseconds to wait before the next attempt; each call counts one failed attempt. */
  next(): number;
  /** Forget past failures (called after a success). */
  reset(): void;
}

/** Options of {@link ExponentialBackoff}. */
export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. Default 2000 (libmesos's registration_backoff_factor). */
  initialMs?: number;
  /** Growth factor of the bound per attempt. Default 2. */
  factor?: number;
  /** Largest bound, in ms. Default 60000 (libmesos caps at one minute). */
  maxMs?: number;
  /**
   * How much of the bound is random: 1 (default, libmesos's "random in [0, bound]"), 0 for none,
   * 0.2 for "bound minus up to 20%".
   */
  jitter?: number;
  /** Source of randomness in [0, 1); defaults to Math.random. Tests pass a fixed one. */
  random?: () => number;
}

/** Exponential backoff: the bound starts at `initialMs`, grows by `factor`, is capped at `maxMs`. */
export class ExponentialBackoff implements BackoffStrategy {
  /** Upper bound of the first delay, in ms (default 2000). */
  readonly initialMs: number;
  /** Growth factor of the bound after each attempt (default 2). */
  readonly factor: number;
  /** Cap of the bound, in ms (default 60000). */
  readonly maxMs: number;
  /** Random share of the bound, in [0, 1]: a delay is `bound * (1 - jitter * random())` (default 1). */
  readonly jitter: number;
  private readonly random: () => number;
  private bound: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 2000;
    this.factor = options.factor ?? 2;
    this.maxMs = options.maxMs ?? 60_000;
    this.jitter = options.jitter ?? 1;
    this.random = options.random ?? Math.random;
    if (
      !(this.initialMs >= 0) ||
      !(this.factor >= 1) ||
      !(this.maxMs >= 0) ||
      !(this.jitter >= 0 && this.jitter <= 1)
    ) {
      throw new RangeError(
        `Invalid backoff options: initialMs=${this.initialMs} factor=${this.factor} maxMs=${this.maxMs} jitter=${this.jitter}`,
      );
    }
    this.bound = Math.min(this.initialMs, this.maxMs);
  }

  next(): number {
    const bound = this.bound;
    this.bound = Math.min(this.bound * this.factor, this.maxMs);
    return Math.round(bound * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.bound = Math.min(this.initialMs, this.maxMs);
  }
}
