// Tests walk decoded JSON events (`JsonEvent`), whose fields are untyped by nature.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument */
import { waitFor } from '@mesoflow/testing';
import { startLocalMesos, type LocalMesos } from './index';
import {
  ackCall,
  commandTask,
  frameworkInfo,
  launchCall,
  RawSubscription,
  subscribeCall,
  type JsonEvent,
} from './test-support/raw-scheduler';

describe('tasks', () => {
  let mesosLocal: LocalMesos;
  let subscription: RawSubscription;
  let agentId: string;

  async function start(info: Record<string, unknown> = frameworkInfo(), retryMs = 10_000): Promise<void> {
    mesosLocal = await startLocalMesos({ agents: 2, allocationIntervalMs: 100, statusUpdateRetryMs: retryMs });
    subscription = await RawSubscription.open(mesosLocal.url, subscribeCall(info));
    await subscription.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    agentId = mesosLocal.agentIds[0];
  }

  afterEach(async () => {
    subscription?.close();
    await mesosLocal?.stop();
  });

  async function offerOf(agent: string, from = 0): Promise<JsonEvent> {
    const event = await subscription.next(
      (e) => e.type === 'OFFERS' && e.offers.offers.some((o: JsonEvent) => o.agent_id.value === agent),
      `an offer from agent '${agent}'`,
      10_000,
      from,
    );
    return event.offers.offers.find((o: JsonEvent) => o.agent_id.value === agent) as JsonEvent;
  }

  async function ackThrough(taskId: string, state: string): Promise<JsonEvent> {
    const status = await subscription.update(taskId, state);
    expect((await subscription.call(mesosLocal.url, ackCall(status))).status).toBe(202);
    return status;
  }

  it('runs `echo hi` through STARTING, RUNNING and FINISHED, each with a uuid, then forgets it', async () => {
    await start();
    const offer = await offerOf(agentId);
    const accepted = await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('echo-1', agentId, 'echo hi')]));
    expect(accepted.status).toBe(202);
    const starting = await ackThrough('echo-1', 'TASK_STARTING');
    expect(starting).toMatchObject({ source: 'SOURCE_EXECUTOR', agent_id: { value: agentId }, executor_id: { value: 'echo-1' } });
    expect(Buffer.from(starting.uuid as string, 'base64')).toHaveLength(16);
    expect(typeof starting.timestamp).toBe('number');
    const running = await ackThrough('echo-1', 'TASK_RUNNING');
    expect(running.container_status.container_id.value).toMatch(/^[0-9a-f-]{36}$/);
    const finished = await ackThrough('echo-1', 'TASK_FINISHED');
    expect(finished.message).toBe('Command exited with status 0');
    expect(subscription.updatesOf('echo-1').map((s) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    // The acknowledged terminal update retires the task and frees its resources.
    await waitFor(
      () => {
        const framework = (mesosLocal.state().frameworks as JsonEvent[])[0];
        return framework.tasks.length === 0 && framework.completed_tasks.some((t: JsonEvent) => t.id === 'echo-1' && t.state === 'TASK_FINISHED');
      },
      { description: 'task completed in /state' },
    );
  });

  it('keeps resources used until the task is terminal and offers the rest', async () => {
    await start();
    const offer = await offerOf(agentId);
    const task = commandTask('sleeper', agentId, 'sleep 30', {
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 512 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } },
      ],
    });
    const marker = subscription.events.length;
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [task], { refuse_seconds: 0 }));
    const next = await offerOf(agentId, marker);
    const cpus = next.resources.find((r: JsonEvent) => r.name === 'cpus');
    const ports = next.resources.find((r: JsonEvent) => r.name === 'ports');
    expect(cpus.scalar.value).toBe(2.5);
    expect(ports.ranges.range).toEqual([{ begin: 31002, end: 32000 }]);
    const slave = (mesosLocal.state().slaves as JsonEvent[]).find((s) => s.id === agentId) as JsonEvent;
    expect(slave.used_resources).toMatchObject({ cpus: 1.5, mem: 512, ports: '[31000-31001]' });
  });

  it('retries an unacknowledged update with the same uuid and stops once acknowledged', async () => {
    await start(frameworkInfo(), 200);
    const offer = await offerOf(agentId);
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('retry-1', agentId, 'sleep 30')]));
    await waitFor(() => subscription.updatesOf('retry-1').length >= 2, { description: 'a retried TASK_STARTING' });
    const [first, second] = subscription.updatesOf('retry-1');
    expect(second).toEqual(first);
    expect(first.state).toBe('TASK_STARTING');
    await subscription.call(mesosLocal.url, ackCall(first));
    const running = await subscription.update('retry-1', 'TASK_RUNNING');
    await subscription.call(mesosLocal.url, ackCall(running));
    const count = subscription.updatesOf('retry-1').length;
    // Several retry intervals later nothing more arrived for the acknowledged updates.
    const until = Date.now() + 800;
    await waitFor(() => Date.now() >= until, { description: 'four retry intervals', intervalMs: 50 });
    expect(subscription.updatesOf('retry-1')).toHaveLength(count);
  });

  it('reports a failing command as TASK_FAILED with its exit status', async () => {
    await start();
    const offer = await offerOf(agentId);
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('fails', agentId, 'exit 3')]));
    await ackThrough('fails', 'TASK_STARTING');
    await ackThrough('fails', 'TASK_RUNNING');
    const failed = await ackThrough('fails', 'TASK_FAILED');
    expect(failed.message).toBe('Command exited with status 3');
  });

  describe('invalid ACCEPT calls', () => {
    it('TASK_LOST / REASON_INVALID_OFFERS, without uuid, for unknown offers', async () => {
      await start();
      await subscription.call(mesosLocal.url, launchCall(['no-such-offer'], [commandTask('lost-1', agentId, 'true')]));
      const status = await subscription.update('lost-1', 'TASK_LOST');
      expect(status).toMatchObject({
        source: 'SOURCE_MASTER',
        reason: 'REASON_INVALID_OFFERS',
        message: 'Task launched with invalid offers: Offer no-such-offer is no longer valid',
      });
      expect(status.uuid).toBeUndefined();
    });

    it('TASK_DROPPED for partition-aware frameworks, and offers from two agents are refused', async () => {
      await start(frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
      const offers = await subscription.offers();
      expect(offers).toHaveLength(2);
      await subscription.call(mesosLocal.url, launchCall(offers.map((o) => o.id.value), [commandTask('two-agents', agentId, 'true')]));
      const status = await subscription.update('two-agents', 'TASK_DROPPED');
      expect(status.reason).toBe('REASON_INVALID_OFFERS');
      expect(status.message).toMatch(/^Task launched with invalid offers: Aggregated offers must belong to one single agent/);
    });

    it('TASK_ERROR / REASON_TASK_INVALID for bad tasks, in the master order', async () => {
      await start();
      const offer = await offerOf(agentId);
      const tasks = [
        commandTask('ok-1', agentId, 'sleep 30'),
        commandTask('ok-1', agentId, 'true'),
        commandTask('bad/id', agentId, 'true'),
        commandTask('no-resources', agentId, 'true', { resources: [] }),
        { ...commandTask('no-command', agentId, 'true'), command: undefined },
        commandTask('too-big', agentId, 'true', { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 64 } }] }),
        commandTask('wrong-agent', 'other-agent', 'true'),
      ];
      await subscription.call(mesosLocal.url, launchCall([offer.id.value], tasks));
      await subscription.update('ok-1', 'TASK_STARTING');
      const errors = await waitFor(
        () => {
          const list = subscription.events.filter((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_ERROR');
          return list.length === 6 ? list.map((e) => e.update.status as JsonEvent) : null;
        },
        { description: 'six TASK_ERROR updates' },
      );
      for (const status of errors) {
        expect(status).toMatchObject({ source: 'SOURCE_MASTER', reason: 'REASON_TASK_INVALID' });
        expect(status.uuid).toBeUndefined();
      }
      const message = (id: string) => errors.find((s) => s.task_id.value === id)?.message;
      expect(message('ok-1')).toBe('Task has duplicate ID: ok-1');
      expect(message('bad/id')).toBe("'bad/id' contains invalid characters");
      expect(message('no-resources')).toBe('Task uses no resources');
      expect(message('no-command')).toBe('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
      expect(message('too-big')).toMatch(/^Total resources cpus\(allocated: \*\):64 required by task and its executor is more than available cpus\(allocated: \*\):/);
      expect(message('wrong-agent')).toBe(`Task uses invalid agent other-agent while agent ${agentId} is expected`);
    });
  });

  it('kills a task with its grace period: TASK_KILLING (when capable) then TASK_KILLED', async () => {
    await start(frameworkInfo({ capabilities: [{ type: 'TASK_KILLING_STATE' }] }));
    const offer = await offerOf(agentId);
    // The task ignores SIGTERM, so the kill needs the SIGKILL after the grace period.
    await subscription.call(
      mesosLocal.url,
      launchCall([offer.id.value], [commandTask('stubborn', agentId, "trap '' TERM; sleep 30")]),
    );
    await ackThrough('stubborn', 'TASK_STARTING');
    await ackThrough('stubborn', 'TASK_RUNNING');
    const killedAt = Date.now();
    await subscription.call(mesosLocal.url, {
      type: 'KILL',
      kill: { task_id: { value: 'stubborn' }, agent_id: { value: agentId }, kill_policy: { grace_period: { nanoseconds: 500_000_000 } } },
    });
    await ackThrough('stubborn', 'TASK_KILLING');
    const killed = await ackThrough('stubborn', 'TASK_KILLED');
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(450);
    expect(killed.source).toBe('SOURCE_EXECUTOR');
  });

  it('does not send TASK_KILLING to frameworks without TASK_KILLING_STATE', async () => {
    await start();
    const offer = await offerOf(agentId);
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('plain-kill', agentId, 'sleep 30')]));
    await ackThrough('plain-kill', 'TASK_STARTING');
    await ackThrough('plain-kill', 'TASK_RUNNING');
    await subscription.call(mesosLocal.url, { type: 'KILL', kill: { task_id: { value: 'plain-kill' } } });
    await ackThrough('plain-kill', 'TASK_KILLED');
    expect(subscription.updatesOf('plain-kill').map((s) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });

  it('answers KILL of an unknown task like an explicit reconciliation', async () => {
    await start();
    await subscription.call(mesosLocal.url, { type: 'KILL', kill: { task_id: { value: 'ghost' } } });
    const status = await subscription.update('ghost', 'TASK_LOST');
    expect(status).toMatchObject({ reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Task is unknown', source: 'SOURCE_MASTER' });
  });

  it('SHUTDOWN of a command executor kills its task', async () => {
    await start();
    const offer = await offerOf(agentId);
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('shut', agentId, 'sleep 30')]));
    await ackThrough('shut', 'TASK_STARTING');
    await ackThrough('shut', 'TASK_RUNNING');
    await subscription.call(mesosLocal.url, { type: 'SHUTDOWN', shutdown: { executor_id: { value: 'shut' }, agent_id: { value: agentId } } });
    await ackThrough('shut', 'TASK_KILLED');
  });

  describe('reconciliation', () => {
    it('implicit: the latest state of every task, without uuid', async () => {
      await start();
      const offer = await offerOf(agentId);
      await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('r1', agentId, 'sleep 30'), commandTask('r2', agentId, 'sleep 30')]));
      await ackThrough('r1', 'TASK_STARTING');
      await ackThrough('r1', 'TASK_RUNNING');
      await ackThrough('r2', 'TASK_STARTING');
      await ackThrough('r2', 'TASK_RUNNING');
      const marker = subscription.events.length;
      await subscription.call(mesosLocal.url, { type: 'RECONCILE', reconcile: {} });
      const answers = await waitFor(
        () => {
          const list = subscription.events.slice(marker).filter((e) => e.type === 'UPDATE').map((e) => e.update.status as JsonEvent);
          return list.length === 2 ? list : null;
        },
        { description: 'two reconciliation answers' },
      );
      for (const status of answers) {
        expect(status).toMatchObject({ state: 'TASK_RUNNING', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Latest task state' });
        expect(status.uuid).toBeUndefined();
      }
      expect(answers.map((s) => s.task_id.value).sort()).toEqual(['r1', 'r2']);
    });

    it('explicit: known tasks, tasks unknown to a registered agent and unknown agents', async () => {
      await start(frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
      const offer = await offerOf(agentId);
      await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('known', agentId, 'sleep 30')]));
      await ackThrough('known', 'TASK_STARTING');
      await subscription.call(mesosLocal.url, {
        type: 'RECONCILE',
        reconcile: {
          tasks: [
            { task_id: { value: 'known' }, agent_id: { value: agentId } },
            { task_id: { value: 'gone' }, agent_id: { value: agentId } },
            { task_id: { value: 'nowhere' }, agent_id: { value: 'no-such-agent' } },
          ],
        },
      });
      const known = await subscription.next(
        (e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'known' && e.update.status.reason === 'REASON_RECONCILIATION',
        'answer for known',
      );
      expect(['TASK_STARTING', 'TASK_RUNNING']).toContain(known.update.status.state);
      expect(await subscription.update('gone', 'TASK_GONE')).toMatchObject({ message: 'Reconciliation: Task is unknown to the agent' });
      expect(await subscription.update('nowhere', 'TASK_UNKNOWN')).toMatchObject({ message: 'Reconciliation: Task is unknown' });
    });
  });

  it('resends unacknowledged updates right away when the framework re-subscribes', async () => {
    await start(frameworkInfo({ failover_timeout: 60 }));
    const offer = await offerOf(agentId);
    await subscription.call(mesosLocal.url, launchCall([offer.id.value], [commandTask('resend', agentId, 'sleep 30')]));
    const starting = await subscription.update('resend', 'TASK_STARTING');
    const frameworkId = subscription.frameworkId;
    subscription.close();
    subscription = await RawSubscription.open(mesosLocal.url, subscribeCall(frameworkInfo({ failover_timeout: 60 }), frameworkId));
    const again = await subscription.update('resend', 'TASK_STARTING', 2_000);
    expect(again.uuid).toBe(starting.uuid);
  });
});
