/** The master's `validation::scheduler::call::validate` (§1.4 row 6), as plain messages. */
import { bytesToBuffer } from '../codec/bytes';
import type { Bytes, scheduler } from '../codec/messages';

const SUB_MESSAGE: Partial<Record<scheduler.Call.Type, keyof scheduler.Call>> = {
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

/** Why `call` is invalid, or undefined; `principal` is the authenticated principal, if any. */
export function validateSchedulerCall(call: scheduler.Call, principal: string | undefined): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    const subscribe = call.subscribe;
    if (!subscribe) return "Expecting 'subscribe' to be present";
    const infoId = subscribe.framework_info.id?.value;
    if (infoId !== call.framework_id?.value) return "'framework_id' differs from 'subscribe.framework_info.id'";
    return checkPrincipal(subscribe.framework_info.principal, principal);
  }
  if (!call.framework_id) return "Expecting 'framework_id' to be present";
  const field = SUB_MESSAGE[call.type];
  if (field && call[field] === undefined) return `Expecting '${field}' to be present`;
  switch (call.type) {
    case 'UPDATE_FRAMEWORK': {
      const info = call.update_framework?.framework_info;
      if (info?.id?.value !== call.framework_id.value)
        return "'framework_id' differs from 'update_framework.framework_info.id'";
      return checkPrincipal(info.principal, principal);
    }
    case 'ACKNOWLEDGE':
      return checkUuid(call.acknowledge?.uuid);
    case 'ACKNOWLEDGE_OPERATION_STATUS':
      if (!call.acknowledge_operation_status?.agent_id) return "Expecting 'agent_id' to be present";
      return checkUuid(call.acknowledge_operation_status.uuid);
    default:
      return undefined;
  }
}

function checkUuid(uuid: Bytes | undefined): string | undefined {
  const length = uuid === undefined ? 0 : bytesToBuffer(uuid).length;
  if (length !== 16) return `Invalid UUID: expected 16 bytes, got ${length}`;
  return undefined;
}

function checkPrincipal(frameworkPrincipal: string | undefined, authenticated: string | undefined): string | undefined {
  if (authenticated !== undefined && frameworkPrincipal !== undefined && frameworkPrincipal !== authenticated) {
    return `Authenticated principal '${authenticated}' does not match principal '${frameworkPrincipal}' set in 'FrameworkInfo'`;
  }
  return undefined;
}
