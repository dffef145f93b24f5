/**
 * Reads a subscription's events into a synchronous handler. The library's own streams are read in
 * push mode (`EventStream.consume`: no promise or microtask per event, the async iterator's cost
 * on a busy stream); any other AsyncIterable (a custom transport's) through `for await`. Both
 * stop reading while the handler asks for a pause, until `caughtUp()` settles.
 */
import { EventStream } from '../transport/event-stream';

/** What the handler wants after an event: go on, pause until caught up, or stop for good. */
export type PumpVerdict = 'fatal' | 'pause' | undefined;

/** Feeds `events` to `handle` until the stream ends; true when the handler said 'fatal'. */
export async function pumpEvents<E>(
  events: AsyncIterable<E>,
  handle: (event: E) => PumpVerdict,
  caughtUp: () => Promise<void>,
): Promise<boolean> {
  if (events instanceof EventStream) {
    let fatal = false;
    const stream = events as EventStream<E>;
    await stream.consume((event) => {
      const verdict = handle(event);
      if (verdict === undefined) return true;
      if (verdict === 'fatal') {
        fatal = true;
        stream.close();
      } else {
        void caughtUp().then(() => stream.resume());
      }
      return false;
    });
    return fatal;
  }
  for await (const event of events) {
    const verdict = handle(event);
    if (verdict === 'fatal') return true;
    if (verdict === 'pause') await caughtUp();
  }
  return false;
}
