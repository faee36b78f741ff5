import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { decodeMesos, isMesosMediaType, MesosCodecError } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { authenticateBasic, type Credential } from '../credentials';
import type { Master } from '../master/master';
import { has } from '../proto-fields';
import { SubscriptionStream } from '../master/subscription';
import type { LocalMesosMetrics } from '../metrics';
import { callError, callType } from './call-validation';
import { negotiateEventMediaType } from './media';
import type { Leadership } from '../zk/leader-watch';
import { sendText, sendToLeader } from './responses';

const T = mesos.v1.scheduler.Call.Type;

/** What the scheduler endpoint needs. */
export interface SchedulerEndpointContext {
  readonly master: Master;
  readonly credentials: readonly Credential[] | null;
  readonly metrics: LocalMesosMetrics;
  readonly logger: Logger;
  /** Whether this master leads; a standby redirects scheduler calls to the leader. */
  leadership(): Leadership;
}

/**
 * `POST /api/v1/scheduler` (and `/master/api/v1/scheduler`), checked in the master's order:
 * authentication (401), leadership (307 to the leader, 503 without one), method (405),
 * Content-Type (400/415), body (400), call validation (400), Accept (406), the stream ID rules
 * (400), framework lookup (400/403), then dispatch (200 stream, 202, 200/400/403 for
 * UPDATE_FRAMEWORK, 501 for UNKNOWN).
 */
export function handleSchedulerRequest(req: IncomingMessage, res: ServerResponse, body: Buffer, context: SchedulerEndpointContext): void {
  const { master, credentials } = context;
  let principal: string | null = null;
  if (credentials !== null) {
    principal = authenticateBasic(req.headers.authorization, credentials);
    if (principal === null) {
      return sendText(res, 401, '401 Unauthorized.', { 'WWW-Authenticate': 'Basic realm="mesos-master-scheduler"' });
    }
  }
  const leadership = context.leadership();
  if (leadership.kind !== 'leading') return sendToLeader(res, leadership, req.url ?? '');
  if (req.method !== 'POST') {
    return sendText(res, 405, `Expecting one of { 'POST' }, but received '${req.method ?? ''}'`, { Allow: 'POST' });
  }
  const contentType = req.headers['content-type'];
  if (contentType === undefined) return sendText(res, 400, "Expecting 'Content-Type' to be present");
  if (!isMesosMediaType(contentType)) {
    return sendText(res, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
  }
  let call: mesos.v1.scheduler.Call;
  try {
    call = decodeMesos(mesos.v1.scheduler.Call, body, contentType);
  } catch (error) {
    if (error instanceof MesosCodecError) return sendText(res, 400, error.message);
    throw error;
  }
  const invalid = callError(call, principal);
  if (invalid !== null) return sendText(res, 400, `Failed to validate scheduler::Call: ${invalid}`);
  const type = callType(call) as mesos.v1.scheduler.Call.Type;
  const streamIdHeader = req.headers['mesos-stream-id'];

  if (type === T.SUBSCRIBE || type === T.RECONCILE_OPERATIONS) {
    const mediaType = negotiateEventMediaType(req.headers.accept);
    if (mediaType === null) {
      return sendText(res, 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    }
    if (type === T.SUBSCRIBE) {
      if (streamIdHeader !== undefined) {
        return sendText(res, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      }
      const subscribe = call.subscribe as mesos.v1.scheduler.Call.Subscribe;
      if (principal !== null && !has(subscribe.framework_info, 'principal')) {
        subscribe.framework_info.principal = principal;
      }
      const stream = new SubscriptionStream(res, randomUUID(), mediaType, context.master.config.heartbeatIntervalSeconds * 1000);
      context.metrics.calls.inc({ type: 'SUBSCRIBE' });
      master.subscribe(stream, subscribe);
      return;
    }
  }

  const frameworkId = call.framework_id?.value ?? '';
  const lookup = master.lookupFramework(frameworkId);
  if (lookup.kind === 'unknown') return sendText(res, 400, 'Framework cannot be found');
  if (principal !== null && principal !== master.frameworkPrincipal(frameworkId)) {
    return sendText(
      res,
      400,
      `Authenticated principal '${principal}' does not match principal '${master.frameworkPrincipal(frameworkId) ?? ''}' set in \`FrameworkInfo\``,
    );
  }
  if (lookup.kind === 'not-subscribed') return sendText(res, 403, 'Framework is not subscribed');
  if (streamIdHeader === undefined) {
    return sendText(res, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  }
  if (streamIdHeader !== lookup.streamId) {
    return sendText(
      res,
      400,
      `The stream ID '${String(streamIdHeader)}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
    );
  }
  context.metrics.calls.inc({ type: T[type] });
  const framework = lookup.framework;
  switch (type) {
    case T.TEARDOWN:
      sendText(res, 202, '');
      master.removeFramework(framework);
      return;
    case T.ACCEPT:
      sendText(res, 202, '');
      return master.accept(framework, call.accept as mesos.v1.scheduler.Call.Accept);
    case T.DECLINE:
      sendText(res, 202, '');
      return master.decline(framework, call.decline as mesos.v1.scheduler.Call.Decline);
    case T.REVIVE:
      sendText(res, 202, '');
      return master.revive(framework, call.revive);
    case T.SUPPRESS:
      sendText(res, 202, '');
      return master.suppress(framework, call.suppress);
    case T.KILL:
      sendText(res, 202, '');
      return master.kill(framework, call.kill as mesos.v1.scheduler.Call.Kill);
    case T.SHUTDOWN:
      sendText(res, 202, '');
      return master.shutdown(framework, call.shutdown as mesos.v1.scheduler.Call.Shutdown);
    case T.ACKNOWLEDGE:
      sendText(res, 202, '');
      return master.acknowledge(framework, call.acknowledge as mesos.v1.scheduler.Call.Acknowledge);
    case T.RECONCILE:
      sendText(res, 202, '');
      return master.reconcile(framework, call.reconcile as mesos.v1.scheduler.Call.Reconcile);
    case T.MESSAGE:
      sendText(res, 202, '');
      return master.message(framework, call.message as mesos.v1.scheduler.Call.Message);
    case T.UPDATE_FRAMEWORK: {
      const result = master.updateFramework(framework, call.update_framework as mesos.v1.scheduler.Call.UpdateFramework);
      return sendText(res, result.status, result.message);
    }
    case T.REQUEST:
    case T.ACCEPT_INVERSE_OFFERS:
    case T.DECLINE_INVERSE_OFFERS:
    case T.ACKNOWLEDGE_OPERATION_STATUS:
    case T.RECONCILE_OPERATIONS:
      // No inverse offers or offer operations exist here; the allocator ignores requests.
      return sendText(res, 202, '');
    case T.UNKNOWN:
      return sendText(res, 501, '');
  }
}
