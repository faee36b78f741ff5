// Tests walk decoded JSON events (`JsonEvent`), whose fields are untyped by nature.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument */
import { waitFor } from '@mesoflow/testing';
import { startLocalMesos, type LocalMesos } from './index';
import {
  ackCall,
  commandTask,
  frameworkInfo,
  launchCall,
  post,
  RawSubscription,
  subscribeCall,
  type JsonEvent,
} from './test-support/raw-scheduler';

describe('framework and agent lifecycle', () => {
  let mesosLocal: LocalMesos;
  const open: RawSubscription[] = [];

  beforeEach(async () => {
    mesosLocal = await startLocalMesos({
      agents: 2,
      allocationIntervalMs: 100,
      agentPingTimeoutMs: 100,
      maxAgentPingTimeouts: 2,
      statusUpdateRetryMs: 300,
    });
  });

  afterEach(async () => {
    for (const subscription of open.splice(0)) subscription.close();
    await mesosLocal.stop();
  });

  async function subscribe(info: Record<string, unknown>, frameworkId?: string): Promise<RawSubscription> {
    const subscription = await RawSubscription.open(mesosLocal.url, subscribeCall(info, frameworkId));
    open.push(subscription);
    await subscription.next((e) => e.type === 'SUBSCRIBED' || e.type === 'ERROR', 'SUBSCRIBED or ERROR');
    return subscription;
  }

  /** Launches a long-running task and acknowledges it up to TASK_RUNNING. */
  async function runningTask(subscription: RawSubscription, taskId: string, agentId = mesosLocal.agentIds[0]): Promise<void> {
    const event = await subscription.next(
      (e) => e.type === 'OFFERS' && e.offers.offers.some((o: JsonEvent) => o.agent_id.value === agentId),
      'an offer',
    );
    const offer = event.offers.offers.find((o: JsonEvent) => o.agent_id.value === agentId) as JsonEvent;
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask(taskId, agentId, 'sleep 60')]));
    for (const state of ['TASK_STARTING', 'TASK_RUNNING']) {
      await subscription.call(mesosLocal.url, ackCall(await subscription.update(taskId, state)));
    }
  }

  const frameworkState = (id: string) =>
    (mesosLocal.state().frameworks as JsonEvent[]).find((f) => f.id === id) ??
    (mesosLocal.state().completed_frameworks as JsonEvent[]).find((f) => f.id === id);

  it('keeps tasks across a failover within failover_timeout, with a new stream ID', async () => {
    const first = await subscribe(frameworkInfo({ failover_timeout: 30 }));
    await runningTask(first, 'keep-me');
    const frameworkId = first.frameworkId;
    first.close();
    await waitFor(() => frameworkState(frameworkId)?.connected === false, { description: 'framework disconnected' });
    expect(frameworkState(frameworkId)?.tasks).toHaveLength(1);
    const second = await subscribe(frameworkInfo({ failover_timeout: 30 }), frameworkId);
    expect(second.frameworkId).toBe(frameworkId);
    expect(second.streamId).not.toBe(first.streamId);
    await second.call(mesosLocal.url, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'keep-me' } }] } });
    expect(await second.update('keep-me', 'TASK_RUNNING')).toMatchObject({ reason: 'REASON_RECONCILIATION' });
  });

  it('does not start the failover timer when a new subscription supersedes the old one', async () => {
    const first = await subscribe(frameworkInfo({ failover_timeout: 0.2 }));
    const frameworkId = first.frameworkId;
    const second = await subscribe(frameworkInfo({ failover_timeout: 0.2 }), frameworkId);
    await waitFor(() => first.ended, { description: 'superseded stream closed' });
    expect(first.events[first.events.length - 1]).toEqual({ type: 'ERROR', error: { message: 'Framework failed over' } });
    // Well past the old stream's failover timeout the framework is still there and connected.
    const until = Date.now() + 600;
    await waitFor(() => Date.now() >= until, { description: 'three failover timeouts', intervalMs: 50 });
    expect(frameworkState(frameworkId)).toMatchObject({ connected: true, active: true });
    expect((await second.call(mesosLocal.url, { type: 'REVIVE' })).status).toBe(202);
  });

  it('removes a framework after its failover timeout: tasks killed, ID refused', async () => {
    const first = await subscribe(frameworkInfo({ failover_timeout: 0.3 }));
    await runningTask(first, 'doomed');
    const frameworkId = first.frameworkId;
    first.close();
    await waitFor(() => (mesosLocal.state().completed_frameworks as JsonEvent[]).some((f) => f.id === frameworkId), {
      description: 'framework completed',
    });
    const completed = frameworkState(frameworkId) as JsonEvent;
    expect(completed.completed_tasks).toEqual([expect.objectContaining({ id: 'doomed', state: 'TASK_KILLED' })]);
    const again = await subscribe(frameworkInfo({ failover_timeout: 0.3 }), frameworkId);
    await waitFor(() => again.ended, { description: 'refused stream closed' });
    expect(again.events).toEqual([{ type: 'ERROR', error: { message: 'Framework has been removed' } }]);
  });

  it('TEARDOWN closes the stream without an ERROR and removes the framework', async () => {
    const subscription = await subscribe(frameworkInfo({ failover_timeout: 3600 }));
    await runningTask(subscription, 'torn');
    const response = await subscription.call(mesosLocal.url, { type: 'TEARDOWN' });
    expect(response.status).toBe(202);
    await waitFor(() => subscription.ended, { description: 'stream closed' });
    expect(subscription.events.some((e) => e.type === 'ERROR')).toBe(false);
    expect(frameworkState(subscription.frameworkId)?.completed_tasks).toEqual([expect.objectContaining({ id: 'torn', state: 'TASK_KILLED' })]);
    const slave = (mesosLocal.state().slaves as JsonEvent[]).find((s) => s.id === mesosLocal.agentIds[0]) as JsonEvent;
    expect(slave.used_resources.cpus).toBe(0);
  });

  it('removeAgent: TASK_LOST / REASON_AGENT_REMOVED, FAILURE, and no more offers from it', async () => {
    const subscription = await subscribe(frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
    await runningTask(subscription, 'on-removed');
    const agentId = mesosLocal.agentIds[0];
    await mesosLocal.removeAgent(agentId);
    const lost = await subscription.update('on-removed', 'TASK_LOST');
    expect(lost).toMatchObject({ reason: 'REASON_AGENT_REMOVED', source: 'SOURCE_MASTER', message: 'Agent 127.0.0.1 removed: agent unregistered' });
    expect(lost.uuid).toBeUndefined();
    await subscription.next((e) => e.type === 'FAILURE' && e.failure.agent_id.value === agentId, 'FAILURE');
    expect((mesosLocal.state().slaves as JsonEvent[]).map((s) => s.id)).toEqual([mesosLocal.agentIds[1]]);
    await expect(mesosLocal.reconnectAgent(agentId)).rejects.toThrow(/cannot re-register/);
  });

  it('disconnectAgent → unreachable (TASK_UNREACHABLE for partition-aware), reconnect → REASON_AGENT_REREGISTERED', async () => {
    const subscription = await subscribe(frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
    await runningTask(subscription, 'partitioned');
    const agentId = mesosLocal.agentIds[0];
    await mesosLocal.disconnectAgent(agentId);
    const unreachable = await subscription.update('partitioned', 'TASK_UNREACHABLE');
    expect(unreachable).toMatchObject({ reason: 'REASON_AGENT_REMOVED', source: 'SOURCE_MASTER' });
    expect(unreachable.unreachable_time.nanoseconds).toBeGreaterThan(0);
    await subscription.next((e) => e.type === 'FAILURE', 'FAILURE');
    expect(mesosLocal.state().unreachable_slaves).toBe(1);
    const marker = subscription.events.length;
    await mesosLocal.reconnectAgent(agentId);
    const back = await subscription.next((e) => e.type === 'UPDATE' && e.update.status.reason === 'REASON_AGENT_REREGISTERED', 're-registered', 5_000, marker);
    expect(back.update.status).toMatchObject({ state: 'TASK_RUNNING', message: 'Unreachable agent re-reregistered' });
  });

  it('non-partition-aware frameworks see TASK_LOST for an unreachable agent', async () => {
    const subscription = await subscribe(frameworkInfo());
    await runningTask(subscription, 'lost-then-back');
    await mesosLocal.disconnectAgent(mesosLocal.agentIds[0]);
    expect(await subscription.update('lost-then-back', 'TASK_LOST')).toMatchObject({ reason: 'REASON_AGENT_REMOVED' });
  });

  it('restartMaster: streams break, agents re-register with their tasks, frameworks re-subscribe', async () => {
    const first = await subscribe(frameworkInfo({ failover_timeout: 3600 }));
    await runningTask(first, 'survivor');
    const frameworkId = first.frameworkId;
    const oldMasterId = mesosLocal.masterId;
    await mesosLocal.restartMaster();
    expect(mesosLocal.masterId).not.toBe(oldMasterId);
    await waitFor(() => first.ended, { description: 'old stream broken' });
    // Until the framework re-subscribes, its calls are refused.
    const refused = await post(mesosLocal.url, { type: 'REVIVE', framework_id: { value: frameworkId } }, { streamId: first.streamId });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const second = await subscribe(frameworkInfo({ failover_timeout: 3600 }), frameworkId);
    expect(second.events[0].type).toBe('SUBSCRIBED');
    await second.call(mesosLocal.url, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'survivor' } }] } });
    expect(await second.update('survivor', 'TASK_RUNNING')).toMatchObject({ reason: 'REASON_RECONCILIATION' });
    const framework = frameworkState(frameworkId) as JsonEvent;
    expect(framework.tasks.map((t: JsonEvent) => t.id)).toEqual(['survivor']);
  });

  it('restartMaster leaves explicit reconciliation unanswered while agents are still re-registering', async () => {
    await mesosLocal.stop();
    mesosLocal = await startLocalMesos({ agents: 1, allocationIntervalMs: 100, agentReregisterDelayMs: 1_000 });
    const first = await subscribe(frameworkInfo({ failover_timeout: 3600 }));
    await runningTask(first, 'waiting');
    const frameworkId = first.frameworkId;
    await mesosLocal.restartMaster();
    const second = await subscribe(frameworkInfo({ failover_timeout: 3600 }), frameworkId);
    const marker = second.events.length;
    await second.call(mesosLocal.url, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'waiting' } }] } });
    expect(second.events.slice(marker).some((e) => e.type === 'UPDATE')).toBe(false);
    expect((mesosLocal.state().recovered_slaves as JsonEvent[]).length).toBe(1);
    // Once the agent is back, the same question gets its answer.
    await waitFor(() => (mesosLocal.state().slaves as JsonEvent[]).length === 1, { description: 'agent re-registered', timeoutMs: 5_000 });
    await second.call(mesosLocal.url, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'waiting' } }] } });
    expect((await second.update('waiting', 'TASK_RUNNING')).reason).toBe('REASON_RECONCILIATION');
  });

  it('restartMaster with downtime refuses connections until the new master serves', async () => {
    const restarted = mesosLocal.restartMaster({ downtimeMs: 400 });
    await waitFor(
      () => post(mesosLocal.url, '', { method: 'GET', path: '/health', contentType: null }).then(() => false, () => true),
      { description: 'connection refused while the master is down' },
    );
    await restarted;
    expect((await post(mesosLocal.url, '', { method: 'GET', path: '/health', contentType: null })).status).toBe(200);
  });

  it('offers the HTTP test controls under /__test/', async () => {
    const subscription = await subscribe(frameworkInfo({ failover_timeout: 60 }));
    const dropped = await post(mesosLocal.url, '', { path: `/__test/frameworks/${subscription.frameworkId}/drop-stream`, contentType: null });
    expect(dropped.status).toBe(200);
    await waitFor(() => subscription.ended, { description: 'stream dropped' });
    const unknown = await post(mesosLocal.url, '', { path: '/__test/agents/nope/remove', contentType: null });
    expect(unknown.status).toBe(404);
    const removed = await post(mesosLocal.url, '', { path: `/__test/agents/${mesosLocal.agentIds[1]}/remove`, contentType: null });
    expect(removed.status).toBe(200);
    expect((mesosLocal.state().slaves as JsonEvent[]).map((s) => s.id)).toEqual([mesosLocal.agentIds[0]]);
  });

  it('/state has the operator API shape', async () => {
    const subscription = await subscribe(frameworkInfo({ name: 'shape', roles: ['r1'], capabilities: [{ type: 'MULTI_ROLE' }] }));
    await runningTask(subscription, 'shaped');
    const state = mesosLocal.state();
    expect(state).toMatchObject({
      version: '1.11.0',
      id: mesosLocal.masterId,
      pid: `master@127.0.0.1:${mesosLocal.port}`,
      leader: `master@127.0.0.1:${mesosLocal.port}`,
      leader_info: { id: mesosLocal.masterId, port: mesosLocal.port, hostname: '127.0.0.1' },
      activated_slaves: 2,
      unreachable_slaves: 0,
      flags: expect.objectContaining({ port: String(mesosLocal.port) }),
    });
    const slave = (state.slaves as JsonEvent[])[0];
    expect(slave).toMatchObject({
      id: mesosLocal.agentIds[0],
      hostname: '127.0.0.1',
      pid: 'slave(1)@127.0.0.1:5051',
      resources: { cpus: 4, gpus: 0, mem: 8192, disk: 20000, ports: '[31000-32000]' },
      used_resources: { cpus: 0.1, mem: 32 },
      attributes: {},
      active: true,
    });
    const framework = (state.frameworks as JsonEvent[])[0];
    expect(framework).toMatchObject({
      id: subscription.frameworkId,
      name: 'shape',
      active: true,
      connected: true,
      roles: ['r1'],
      capabilities: ['MULTI_ROLE'],
      user: 'tester',
      failover_timeout: 0,
      checkpoint: false,
    });
    expect(framework.tasks[0]).toMatchObject({
      id: 'shaped',
      framework_id: subscription.frameworkId,
      executor_id: '',
      slave_id: mesosLocal.agentIds[0],
      state: 'TASK_RUNNING',
      role: 'r1',
      resources: { cpus: 0.1, mem: 32 },
      statuses: [expect.objectContaining({ state: 'TASK_STARTING' }), expect.objectContaining({ state: 'TASK_RUNNING' })],
    });
    const viaHttp = JSON.parse((await post(mesosLocal.url, '', { method: 'GET', path: '/master/state', contentType: null })).body);
    expect(viaHttp.id).toBe(mesosLocal.masterId);
  });
});
