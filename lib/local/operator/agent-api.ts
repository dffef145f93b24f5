/**
 * A LocalAgent's operator API (`POST /api/v1`, `/slave(1)/api/v1`): 503 while it recovers, then
 * Mesos's 405/400/415/400/406 checks, then the call. LAUNCH_NESTED_CONTAINER_SESSION and
 * ATTACH_CONTAINER_OUTPUT answer with a stream of ProcessIO records written as the process
 * writes (`application/recordio` with `Message-Content-Type` when Accept asks for it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../../codec/codec';
import type { agent } from '../../codec/messages';
import { encodeRecord } from '../../codec/recordio';
import { acceptsMediaType, negotiateResponseFormat } from '../media-types';
import { type AgentCallContext, answerAgentCall, validateAgentCall } from './agent-calls';
import type { AgentRoutesView } from './agent-views';
import { attachInput, RECORDIO } from './attach-input';
import { headerValue, isRefused, parseOperatorCall, type Refused, respond, respondMessage } from './http';
import type { NestedContainers } from './nested-containers';

const STREAMING = new Set<agent.Call.Type>(['LAUNCH_NESTED_CONTAINER_SESSION', 'ATTACH_CONTAINER_OUTPUT']);

interface Negotiated {
  format: WireFormat;
  recordio: boolean;
}

/** Accept rules of the agent: recordio (with Message-Accept) only for streaming answers. */
function negotiate(req: IncomingMessage, call: agent.Call): Negotiated | Refused | undefined {
  const accept = headerValue(req.headers.accept);
  const messageAccept = headerValue(req.headers['message-accept']);
  const streaming = call.type !== undefined && STREAMING.has(call.type);
  if (streaming && accept !== undefined && acceptsMediaType(accept, RECORDIO) && accept.includes(RECORDIO)) {
    const format = negotiateResponseFormat(messageAccept);
    if (!format) {
      return {
        status: 406,
        body: `Expecting 'Message-Accept' to allow '${MEDIA_TYPES.json}' or '${MEDIA_TYPES.protobuf}'`,
      };
    }
    return { format, recordio: true };
  }
  if (messageAccept !== undefined) {
    return { status: 406, body: "Expecting 'Message-Accept' only for streaming responses" };
  }
  const format = negotiateResponseFormat(accept);
  return format ? { format, recordio: false } : undefined;
}

/** The operator API of one agent. */
export class AgentOperatorApi {
  constructor(
    private readonly view: () => AgentRoutesView,
    private readonly nested: NestedContainers,
    private readonly context: Omit<AgentCallContext, 'view' | 'nested'>,
  ) {}

  /** Serves one request on an operator path. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.view().recovering) {
      req.resume();
      return respond(res, 503, 'Agent has not finished recovery');
    }
    const contentType = headerValue(req.headers['content-type']);
    if (req.method === 'POST' && contentType === RECORDIO) {
      const view = this.view();
      return attachInput(req, res, this.nested, (id) => this.context.isTopLevelContainer(view, id));
    }
    if (req.method === 'POST' && req.headers['message-content-type'] !== undefined) {
      req.resume();
      return respond(res, 415, "Expecting 'Message-Content-Type' only for streaming requests");
    }
    let negotiated: Negotiated = { format: 'json', recordio: false };
    const parsed = await parseOperatorCall<agent.Call>(
      req,
      TYPE_NAMES.AgentCall,
      'agent',
      validateAgentCall,
      (r, call) => {
        const result = negotiate(r, call);
        if (result && 'format' in result) {
          negotiated = result;
          return result.format;
        }
        return result;
      },
    );
    if (isRefused(parsed)) return respond(res, parsed.status, parsed.body, parsed.headers);
    const call = parsed.call;
    if (call.type === 'LAUNCH_NESTED_CONTAINER_SESSION' || call.type === 'ATTACH_CONTAINER_OUTPUT') {
      return this.stream(call, negotiated, res);
    }
    const result = await answerAgentCall(call, { ...this.context, view: this.view(), nested: this.nested });
    if (result.response !== undefined) {
      return respondMessage(req, res, TYPE_NAMES.AgentResponse, parsed.accept, result.response, result.status);
    }
    respond(res, result.status, result.body ?? '');
  }

  private stream(call: agent.Call, negotiated: Negotiated, res: ServerResponse): void {
    const view = this.view();
    let container: ReturnType<NestedContainers['get']>;
    if (call.type === 'LAUNCH_NESTED_CONTAINER_SESSION') {
      const launch = call.launch_nested_container_session as agent.Call.LaunchNestedContainerSession;
      const started = this.context.launchNested(view, launch.container_id, launch.command, true);
      if ('status' in started) {
        respond(res, started.status, started.body);
        return;
      }
      container = started;
    } else {
      const id = call.attach_container_output?.container_id.value ?? '';
      container = this.nested.get(id);
      if (!container) {
        if (this.context.isTopLevelContainer(view, id)) {
          const why = `I/O switchboard server was disabled for this container (LocalCluster runs '${id}' with its output in sandbox files)`;
          respond(res, 500, why);
          return;
        }
        respond(res, 404, `Container ${id} cannot be found`);
        return;
      }
    }
    const live = container;
    res.statusCode = 200;
    res.setHeader('Content-Type', negotiated.recordio ? RECORDIO : MEDIA_TYPES[negotiated.format]);
    if (negotiated.recordio) res.setHeader('Message-Content-Type', MEDIA_TYPES[negotiated.format]);
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const codec = getCodec<agent.ProcessIO>(TYPE_NAMES.ProcessIO, negotiated.format);
    // Written at once, whatever the client's pace: the process's pipes are never left full.
    const listener = (io: agent.ProcessIO) => {
      if (!res.destroyed && !res.writableEnded) res.write(encodeRecord(codec.encode(io)));
    };
    live.listeners.add(listener);
    const session = call.type === 'LAUNCH_NESTED_CONTAINER_SESSION';
    res.on('close', () => {
      live.listeners.delete(listener);
      // A session's container is destroyed when its connection breaks.
      if (session && live.exitStatus === undefined) live.kill('SIGKILL');
    });
    void live.ended.then(() => {
      live.listeners.delete(listener);
      if (!res.writableEnded) res.end();
    });
  }
}
