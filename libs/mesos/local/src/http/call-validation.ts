import { mesos } from '@mesoflow/proto';
import { has } from '../proto-fields';

type Call = mesos.v1.scheduler.Call;

const T = mesos.v1.scheduler.Call.Type;

/** The sub-message each call type requires, as `validation::scheduler::call::validate` has it. */
const REQUIRED: Partial<Record<mesos.v1.scheduler.Call.Type, keyof Call>> = {
  [T.ACCEPT]: 'accept',
  [T.DECLINE]: 'decline',
  [T.ACCEPT_INVERSE_OFFERS]: 'accept_inverse_offers',
  [T.DECLINE_INVERSE_OFFERS]: 'decline_inverse_offers',
  [T.KILL]: 'kill',
  [T.SHUTDOWN]: 'shutdown',
  [T.ACKNOWLEDGE]: 'acknowledge',
  [T.ACKNOWLEDGE_OPERATION_STATUS]: 'acknowledge_operation_status',
  [T.RECONCILE]: 'reconcile',
  [T.RECONCILE_OPERATIONS]: 'reconcile_operations',
  [T.MESSAGE]: 'message',
  [T.REQUEST]: 'request',
  [T.UPDATE_FRAMEWORK]: 'update_framework',
};

/** The call's type, or `null` when unset or not a value this master knows. */
export function callType(call: Call): mesos.v1.scheduler.Call.Type | null {
  if (!has(call, 'type')) return null;
  return T[call.type] === undefined ? null : call.type;
}

/**
 * The master's call-level validation: the reason for `400 Failed to validate scheduler::Call:
 * …`, or `null`.
 * @param principal the authenticated principal, when HTTP authentication is on.
 */
export function callError(call: Call, principal: string | null): string | null {
  const type = callType(call);
  if (type === null) return "Expecting 'type' to be present";
  if (type === T.SUBSCRIBE) {
    if (!has(call, 'subscribe')) return "Expecting 'subscribe' to be present";
    const info = call.subscribe?.framework_info;
    const infoId = has(info, 'id') ? (info?.id?.value ?? '') : null;
    const callId = has(call, 'framework_id') ? (call.framework_id?.value ?? '') : null;
    if (infoId !== callId) return "'framework_id' differs from 'subscribe.framework_info.id'";
    if (principal !== null && has(info, 'principal') && info?.principal !== principal) {
      return `Authenticated principal '${principal}' does not match principal '${info?.principal ?? ''}' set in \`FrameworkInfo\``;
    }
    return null;
  }
  if (!has(call, 'framework_id')) return "Expecting 'framework_id' to be present";
  const required = REQUIRED[type];
  if (required !== undefined && !has(call, required)) return `Expecting '${required}' to be present`;
  if (type === T.ACKNOWLEDGE) {
    return (call.acknowledge?.uuid?.length ?? 0) === 16 ? null : 'Not a valid UUID';
  }
  if (type === T.ACKNOWLEDGE_OPERATION_STATUS) {
    if ((call.acknowledge_operation_status?.uuid?.length ?? 0) !== 16) return 'Not a valid UUID';
    if (!has(call.acknowledge_operation_status, 'agent_id')) return "Expecting 'agent_id' to be present";
    return null;
  }
  if (type === T.UPDATE_FRAMEWORK) {
    const info = call.update_framework?.framework_info;
    if (info?.id?.value !== call.framework_id?.value) {
      return "'framework_id' differs from 'update_framework.framework_info.id'";
    }
    if (principal !== null && has(info, 'principal') && info?.principal !== principal) {
      return `Authenticated principal '${principal}' does not match principal '${info?.principal ?? ''}' set in \`FrameworkInfo\``;
    }
  }
  return null;
}
