/**
 * `MesosAgentOperator`: the v1 operator API of a Mesos agent (`POST /api/v1`). One typed method per
 * call, the container calls included; the streaming ones give or take `ProcessIO` records as they
 * flow (RecordIO with `Accept: application/recordio` and `Message-Accept` /
 * `Content-Type: application/recordio` and `Message-Content-Type`). An agent never redirects; its
 * 503 (recovery not finished) is retried like a master's.
 */
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { agent, ContainerID, DurationInfo, ResourceProviderID } from '../codec/messages';
import { encodeRecord, readRecords } from '../codec/recordio';
import { delay } from '../common/abort';
import { MesosAbortError, MesosError, MesosStreamEndedError } from '../common/errors';
import { createLogger } from '../common/logger';
import { sanitizeCause } from '../transport/errors';
import { formatOfContentType, type StreamingResponse } from '../transport/http-client';
import { parseEndpointUrl } from '../transport/url';
import { type OperatorCallOptions, OperatorClient, type OperatorClientOptions, sessionOptions } from './client';
import { RECORDIO_MEDIA_TYPE } from './endpoint';
import { OperatorSession } from './session';

/** The records of a container's output (or session), as they arrive. */
export interface ProcessIOStream extends AsyncIterable<agent.ProcessIO> {
  /** The wire format of the records. */
  readonly format: WireFormat;
  /** Drops the connection (a session's container is then destroyed by the agent); iteration ends. */
  close(): void;
}

/** Options of {@link MesosAgentOperator.followFile}. */
export interface FollowFileOptions {
  /** Where to start reading. Default 0; `'end'` starts at the file's current size. */
  offset?: number | 'end';
  /** Largest chunk asked for per READ_FILE. Default: whatever the agent gives. */
  length?: number;
  /** Wait between reads when the file has not grown, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** A ProcessIO record carrying standard input (`data` as bytes, or a string meaning its UTF-8). */
export function stdinData(data: Uint8Array | string): agent.ProcessIO {
  return { type: 'DATA', data: { type: 'STDIN', data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data } };
}

/** The ProcessIO record that closes standard input (an empty STDIN record). */
export function stdinEof(): agent.ProcessIO {
  return stdinData(Buffer.alloc(0));
}

/** A ProcessIO heartbeat for a long input stream (the Mesos CLI sends one every 30 s). */
export function processIoHeartbeat(interval: DurationInfo): agent.ProcessIO {
  return { type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval } } };
}

const LONG_POLLS = new Set(['WAIT_CONTAINER', 'WAIT_NESTED_CONTAINER']);

/** A typed client of a Mesos agent's operator API. */
export class MesosAgentOperator extends OperatorClient<agent.Call, agent.Response> {
  /** The agent's base URL. */
  readonly url: string;

  /** `agentAddress` is `host:port` or `http(s)://host:port[/prefix]`; throws `MesosConfigError` when malformed. */
  constructor(agentAddress: string, options: OperatorClientOptions = {}) {
    const url = parseEndpointUrl(agentAddress);
    const session = sessionOptions(options, false, createLogger('operator:agent'));
    super(
      new OperatorSession(async () => url, session),
      { call: TYPE_NAMES.AgentCall, response: TYPE_NAMES.AgentResponse },
      session.format,
      session.maxRecordBytes,
    );
    this.url = url;
  }

  /** GET_STATE: tasks, executors and frameworks. */
  getState(options?: OperatorCallOptions): Promise<agent.Response.GetState> {
    return this.fetch({ type: 'GET_STATE' }, options);
  }

  /** GET_CONTAINERS; nested and standalone containers only when asked for. */
  getContainers(
    show: { nested?: boolean; standalone?: boolean } = {},
    options?: OperatorCallOptions,
  ): Promise<agent.Response.GetContainers> {
    const get_containers: agent.Call.GetContainers = {};
    if (show.nested !== undefined) get_containers.show_nested = show.nested;
    if (show.standalone !== undefined) get_containers.show_standalone = show.standalone;
    return this.fetch({ type: 'GET_CONTAINERS', get_containers }, options);
  }

  /** GET_FRAMEWORKS. */
  getFrameworks(options?: OperatorCallOptions): Promise<agent.Response.GetFrameworks> {
    return this.fetch({ type: 'GET_FRAMEWORKS' }, options);
  }

  /** GET_EXECUTORS. */
  getExecutors(options?: OperatorCallOptions): Promise<agent.Response.GetExecutors> {
    return this.fetch({ type: 'GET_EXECUTORS' }, options);
  }

  /** GET_OPERATIONS. */
  getOperations(options?: OperatorCallOptions): Promise<agent.Response.GetOperations> {
    return this.fetch({ type: 'GET_OPERATIONS' }, options);
  }

  /** GET_TASKS. */
  getTasks(options?: OperatorCallOptions): Promise<agent.Response.GetTasks> {
    return this.fetch({ type: 'GET_TASKS' }, options);
  }

  /** GET_AGENT: the agent's AgentInfo and drain state. */
  getAgent(options?: OperatorCallOptions): Promise<agent.Response.GetAgent> {
    return this.fetch({ type: 'GET_AGENT' }, options);
  }

  /** GET_RESOURCE_PROVIDERS. */
  getResourceProviders(options?: OperatorCallOptions): Promise<agent.Response.GetResourceProviders> {
    return this.fetch({ type: 'GET_RESOURCE_PROVIDERS' }, options);
  }

  /** LAUNCH_CONTAINER (standalone, or nested when `container_id.parent` is set). */
  launchContainer(launch: agent.Call.LaunchContainer, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'LAUNCH_CONTAINER', launch_container: launch }, options);
  }

  /** WAIT_CONTAINER: resolves when the container exits (a long poll, without time limit). */
  waitContainer(containerId: ContainerID, options?: OperatorCallOptions): Promise<agent.Response.WaitContainer> {
    return this.fetch({ type: 'WAIT_CONTAINER', wait_container: { container_id: containerId } }, options);
  }

  /** KILL_CONTAINER with `signal` (default SIGKILL). */
  killContainer(containerId: ContainerID, signal?: number, options?: OperatorCallOptions): Promise<void> {
    const kill = { container_id: containerId, ...(signal === undefined ? {} : { signal }) };
    return this.act({ type: 'KILL_CONTAINER', kill_container: kill }, options);
  }

  /** REMOVE_CONTAINER (after it exited). */
  removeContainer(containerId: ContainerID, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'REMOVE_CONTAINER', remove_container: { container_id: containerId } }, options);
  }

  /** LAUNCH_NESTED_CONTAINER (deprecated form of LAUNCH_CONTAINER). */
  launchNestedContainer(launch: agent.Call.LaunchNestedContainer, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: launch }, options);
  }

  /** WAIT_NESTED_CONTAINER: resolves when the nested container exits (a long poll). */
  waitNestedContainer(
    containerId: ContainerID,
    options?: OperatorCallOptions,
  ): Promise<agent.Response.WaitNestedContainer> {
    return this.fetch({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: containerId } }, options);
  }

  /** KILL_NESTED_CONTAINER with `signal` (default SIGKILL). */
  killNestedContainer(containerId: ContainerID, signal?: number, options?: OperatorCallOptions): Promise<void> {
    const kill = { container_id: containerId, ...(signal === undefined ? {} : { signal }) };
    return this.act({ type: 'KILL_NESTED_CONTAINER', kill_nested_container: kill }, options);
  }

  /** REMOVE_NESTED_CONTAINER. */
  removeNestedContainer(containerId: ContainerID, options?: OperatorCallOptions): Promise<void> {
    const remove = { container_id: containerId };
    return this.act({ type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: remove }, options);
  }

  /** PRUNE_IMAGES, keeping `excluded`. */
  pruneImages(excluded?: agent.Call.PruneImages['excluded_images'], options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'PRUNE_IMAGES', prune_images: excluded ? { excluded_images: excluded } : {} }, options);
  }

  /** MARK_RESOURCE_PROVIDER_GONE. */
  markResourceProviderGone(id: ResourceProviderID, options?: OperatorCallOptions): Promise<void> {
    const gone = { resource_provider_id: id };
    return this.act({ type: 'MARK_RESOURCE_PROVIDER_GONE', mark_resource_provider_gone: gone }, options);
  }

  /**
   * LAUNCH_NESTED_CONTAINER_SESSION: runs a nested container whose output streams back as it is
   * written; the container lives as long as the stream (close it to destroy the container).
   */
  launchNestedContainerSession(
    launch: agent.Call.LaunchNestedContainerSession,
    options?: OperatorCallOptions,
  ): Promise<ProcessIOStream> {
    return this.outputStream(
      { type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: launch },
      options,
    );
  }

  /** ATTACH_CONTAINER_OUTPUT: the container's stdout and stderr records as they arrive. */
  attachContainerOutput(containerId: ContainerID, options?: OperatorCallOptions): Promise<ProcessIOStream> {
    const attach = { container_id: containerId };
    return this.outputStream({ type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: attach }, options);
  }

  /**
   * ATTACH_CONTAINER_INPUT: streams `input` (see `stdinData`, `stdinEof`, `processIoHeartbeat`)
   * to the container's stdin as a RecordIO request; resolves when the agent answers, after the
   * input ended. Not retried: the input can be read only once.
   */
  async attachContainerInput(
    containerId: ContainerID,
    input: AsyncIterable<agent.ProcessIO> | Iterable<agent.ProcessIO>,
    options: OperatorCallOptions = {},
  ): Promise<void> {
    const codec = getCodec<agent.Call>(TYPE_NAMES.AgentCall, this.format);
    const frame = (call: agent.Call) => encodeRecord(codec.encode(call));
    async function* records(): AsyncGenerator<Buffer> {
      yield frame({
        type: 'ATTACH_CONTAINER_INPUT',
        attach_container_input: { type: 'CONTAINER_ID', container_id: containerId },
      });
      for await (const processIo of input) {
        yield frame({
          type: 'ATTACH_CONTAINER_INPUT',
          attach_container_input: { type: 'PROCESS_IO', process_io: processIo },
        });
      }
    }
    const mediaType = MEDIA_TYPES[this.format];
    const response = await this.session.endpoint(this.url).streamCall({
      headers: { 'Content-Type': RECORDIO_MEDIA_TYPE, 'Message-Content-Type': mediaType, Accept: mediaType },
      body: records(),
      what: 'ATTACH_CONTAINER_INPUT',
      signal: options.signal,
    });
    response.body.resume();
    await new Promise<void>((resolve) => response.body.once('close', resolve));
  }

  /**
   * Reads a file as it grows (`tail -f`): yields each new chunk from READ_FILE, polling while
   * nothing was added; ends when `signal` aborts.
   */
  async *followFile(path: string, options: FollowFileOptions = {}): AsyncGenerator<Buffer> {
    const { signal } = options;
    const poll = options.pollIntervalMs ?? 1000;
    try {
      let offset =
        options.offset === 'end' ? Number((await this.readFile(path, 0, 0, { signal })).size) : (options.offset ?? 0);
      for (;;) {
        const read = await this.readFile(path, offset, options.length, { signal });
        const data = typeof read.data === 'string' ? Buffer.from(read.data, 'utf8') : Buffer.from(read.data);
        if (data.length > 0) {
          offset += data.length;
          yield data;
        } else {
          await delay(poll, signal, true); // the caller iterates: hold the process between reads
        }
      }
    } catch (err) {
      if (err instanceof MesosAbortError && signal?.aborted) return;
      throw err;
    }
  }

  protected override isLongPoll(type: string): boolean {
    return LONG_POLLS.has(type);
  }

  private async outputStream(call: agent.Call, options: OperatorCallOptions = {}): Promise<ProcessIOStream> {
    const mediaType = MEDIA_TYPES[this.format];
    const body = getCodec<agent.Call>(TYPE_NAMES.AgentCall, this.format).encode(call);
    const what = call.type as string;
    const response = await this.session.run(
      what,
      (url) =>
        this.session.endpoint(url).streamCall({
          headers: { 'Content-Type': mediaType, Accept: RECORDIO_MEDIA_TYPE, 'Message-Accept': mediaType },
          body,
          what,
          signal: options.signal,
        }),
      options.signal,
    );
    return processIoStream(response, this.format, this.maxRecordBytes, what);
  }
}

/** The ProcessIO records of a streaming answer; the end of the body is the end of the output. */
function processIoStream(
  response: StreamingResponse,
  requested: WireFormat,
  maxRecordBytes: number | undefined,
  what: string,
): ProcessIOStream {
  const format =
    formatOfContentType(response.headers['message-content-type']) ??
    formatOfContentType(response.headers['content-type']) ??
    requested;
  const codec = getCodec<agent.ProcessIO>(TYPE_NAMES.ProcessIO, format);
  let closed = false;
  const body = response.body;
  body.on('error', () => {});
  async function* read(): AsyncGenerator<agent.ProcessIO> {
    try {
      for await (const record of readRecords(body, maxRecordBytes === undefined ? {} : { maxRecordBytes })) {
        yield codec.decode(record);
      }
    } catch (err) {
      if (closed) return;
      if (err instanceof MesosError) throw err;
      const cause = sanitizeCause(err);
      throw new MesosStreamEndedError(`The ${what} stream broke: ${cause.message}`, { cause });
    } finally {
      body.destroy();
    }
  }
  return {
    format,
    close: () => {
      closed = true;
      body.destroy();
    },
    [Symbol.asyncIterator]: () => read(),
  };
}
