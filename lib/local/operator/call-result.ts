/** How an operator call handler answers: a status, and a response message or a plain-text body. */

/** The answer of one operator call. */
export interface OperatorResult<R> {
  status: number;
  /** Encoded in the negotiated format when present. */
  response?: R;
  /** Plain text (errors). */
  body?: string;
}

/** A 200 carrying `response`. */
export function ok<R>(response: R): OperatorResult<R> {
  return { status: 200, response };
}

/** A bodiless answer (200 for most writes, 202 for the offer-operation calls). */
export function empty<R>(status = 200): OperatorResult<R> {
  return { status };
}

/** A plain-text error answer. */
export function fail<R>(status: number, body: string): OperatorResult<R> {
  return { status, body };
}

/** The `type` of a call, lowercased: the field of its sub-message (`GET_METRICS` -> `get_metrics`). */
export function subMessageField(type: string): string {
  return type.toLowerCase();
}
