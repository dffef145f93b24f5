/**
 * The promise-free acknowledgement path of {@link SchedulerClient}: the outcome of every
 * acknowledgement of one caller goes through one adapter (one pair of functions for all of
 * them), so the busiest call of a framework costs a queued request record and no promise,
 * closure or abort listener of its own.
 */
import type { MesosError } from '../common/errors';
import type { RequestContext } from './errors';
import type { BufferedResponse } from './http-client';
import type { PipelinedSink } from './pipelined-lane';

/** Where the outcome of fire-and-forget acknowledgements goes; the same object may serve all of them. */
export interface AcknowledgementSink {
  /** The master took the call (a 2xx answer). */
  sent(): void;
  /** The call failed, with the typed error `call()` would have rejected with. */
  failed(error: MesosError): void;
}

/** Adapts an {@link AcknowledgementSink} to the lane's answers: a non-2xx answer becomes its typed error. */
export class SinkAdapter implements PipelinedSink {
  constructor(
    private readonly sink: AcknowledgementSink,
    private readonly answerError: (answer: BufferedResponse, context: RequestContext) => MesosError | undefined,
    private readonly log: (format: string, ...args: unknown[]) => void,
  ) {}

  readonly answered = (answer: BufferedResponse, context: RequestContext): void => {
    const error = this.answerError(answer, context);
    if (error === undefined) this.sink.sent();
    else this.sink.failed(error);
  };

  readonly failed = (error: MesosError, context: RequestContext): void => {
    this.log('%s failed: %s', context.what, error.message);
    this.sink.failed(error);
  };
}
