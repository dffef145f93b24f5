/**
 * ATTACH_CONTAINER_INPUT on an agent: a streaming RecordIO request (`Content-Type:
 * application/recordio`, `Message-Content-Type` JSON or protobuf) whose records are agent calls,
 * the first naming the container, the next carrying ProcessIO: STDIN data is written to the
 * session container's stdin as it arrives, an empty STDIN record closes it, heartbeats are
 * ignored. 200 when the request ends; one attachment at a time per container.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getCodec, MEDIA_TYPES, TYPE_NAMES } from '../../codec/codec';
import type { agent } from '../../codec/messages';
import { RecordIODecoder } from '../../codec/recordio';
import { formatOfContentType } from '../media-types';
import { headerValue, respond } from './http';
import type { NestedContainers } from './nested-containers';

/** The Content-Type of a streaming request. */
export const RECORDIO = 'application/recordio';

/** Serves one ATTACH_CONTAINER_INPUT request (its Content-Type is recordio); `isTopLevel` names task and executor containers. */
export async function attachInput(
  req: IncomingMessage,
  res: ServerResponse,
  nested: NestedContainers,
  isTopLevel: (containerId: string) => boolean,
): Promise<void> {
  const messageType = headerValue(req.headers['message-content-type']);
  if (messageType === undefined) {
    req.resume();
    return respond(res, 400, "Expecting 'Message-Content-Type' to be set for streaming requests");
  }
  const format = formatOfContentType(messageType);
  if (!format) {
    req.resume();
    return respond(res, 415, `Expecting 'Message-Content-Type' of ${MEDIA_TYPES.json} or ${MEDIA_TYPES.protobuf}`);
  }
  const codec = getCodec<agent.Call>(TYPE_NAMES.AgentCall, format);
  const decoder = new RecordIODecoder();
  let container: ReturnType<NestedContainers['get']>;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      for (const record of decoder.write(chunk)) {
        const call = codec.decode(record);
        const attach = call.attach_container_input;
        if (call.type !== 'ATTACH_CONTAINER_INPUT' || !attach) {
          req.destroy();
          return respond(res, 415, `Expecting 'Content-Type' of ${MEDIA_TYPES.json} or ${MEDIA_TYPES.protobuf}`);
        }
        if (!container) {
          const id = attach.container_id?.value;
          if (attach.type !== 'CONTAINER_ID' || !id) {
            req.destroy();
            return respond(res, 400, "Expecting the first record to carry 'container_id'");
          }
          const found = nested.get(id);
          if (!found) {
            req.destroy();
            const why = isTopLevel(id)
              ? [500, `I/O switchboard server was disabled for this container (LocalCluster runs '${id}' without one)`]
              : [404, `Container ${id} cannot be found`];
            return respond(res, why[0] as number, why[1] as string);
          }
          if (!found.takeInput()) {
            req.destroy();
            return respond(res, 409, `Container ${id} already has its input attached`);
          }
          container = found;
          continue;
        }
        const data = attach.process_io?.data;
        if (attach.process_io?.type === 'DATA' && data?.type === 'STDIN') container.writeInput(data.data);
      }
    }
  } catch (err) {
    if (!res.headersSent) return respond(res, 400, `Failed to read the input stream: ${(err as Error).message}`);
    return;
  } finally {
    container?.releaseInput();
  }
  respond(res, 200, '');
}
