// Tests walk decoded JSON events (`JsonEvent`), whose fields are untyped by nature.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
import { waitFor } from '@mesoflow/testing';
import { startLocalMesos, type LocalMesos } from './index';
import { frameworkInfo, RawSubscription, subscribeCall, type JsonEvent } from './test-support/raw-scheduler';

describe('offers', () => {
  let mesosLocal: LocalMesos;
  const open: RawSubscription[] = [];

  beforeEach(async () => {
    mesosLocal = await startLocalMesos({
      agents: [{}, { resources: 'cpus:2;mem:1024;disk(ops):100;ports:[40000-40009]', attributes: 'rack:r2;level:3' }],
      resources: 'cpus:4;mem:8192;disk:20000;ports:[31000-32000];gpus:0;zones:{a,b}',
      attributes: 'rack:r1;zone:z2',
      allocationIntervalMs: 100,
    });
  });

  afterEach(async () => {
    for (const subscription of open.splice(0)) subscription.close();
    await mesosLocal.stop();
  });

  async function subscribe(info: Record<string, unknown> = frameworkInfo()): Promise<RawSubscription> {
    const subscription = await RawSubscription.open(mesosLocal.url, subscribeCall(info));
    open.push(subscription);
    await subscription.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    return subscription;
  }

  const byAgent = (offers: JsonEvent[], agentId: string) => offers.find((o) => o.agent_id.value === agentId) as JsonEvent;

  it('offers each agent once with its parsed resources, attributes, hostname and URL', async () => {
    const subscription = await subscribe();
    const offers = await subscription.offers();
    expect(offers).toHaveLength(2);
    const [first, second] = mesosLocal.agentIds;
    const a = byAgent(offers, first);
    expect(a.id.value).toMatch(new RegExp(`^${mesosLocal.masterId}-O\\d+$`));
    expect(a.framework_id.value).toBe(subscription.frameworkId);
    expect(a.hostname).toBe('127.0.0.1');
    expect(a.url).toEqual({ scheme: 'http', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' });
    expect(a.allocation_info).toBeUndefined();
    expect(a.resources).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 8192 }, role: '*' },
      { name: 'disk', type: 'SCALAR', scalar: { value: 20000 }, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' },
      { name: 'zones', type: 'SET', set: { item: ['a', 'b'] }, role: '*' },
    ]);
    expect(a.attributes).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'TEXT', text: { value: 'z2' } },
    ]);
    const b = byAgent(offers, second);
    expect(b.attributes).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r2' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
    ]);
    // disk(ops) is reserved for role 'ops': a '*' framework is not offered it.
    expect(b.resources.map((r: JsonEvent) => r.name)).toEqual(['cpus', 'mem', 'ports']);
  });

  it('gives MULTI_ROLE frameworks allocation_info and their reserved resources', async () => {
    const subscription = await subscribe(frameworkInfo({ roles: ['ops'], capabilities: [{ type: 'MULTI_ROLE' }] }));
    const offers = await subscription.offers();
    const b = byAgent(offers, mesosLocal.agentIds[1]);
    expect(b.allocation_info).toEqual({ role: 'ops' });
    for (const resource of b.resources) expect(resource.allocation_info).toEqual({ role: 'ops' });
    expect(b.resources.find((r: JsonEvent) => r.name === 'disk')).toMatchObject({ role: 'ops', scalar: { value: 100 } });
  });

  it('honours DECLINE refuse_seconds until REVIVE clears the filter', async () => {
    const subscription = await subscribe();
    const offers = await subscription.offers();
    const declined = await subscription.call(mesosLocal.url, {
      type: 'DECLINE',
      decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: 3600 } },
    });
    expect(declined.status).toBe(202);
    const quiet = subscription.events.length;
    await waitFor(() => (mesosLocal.state().frameworks as JsonEvent[])[0].offers.length === 0, { description: 'no outstanding offers' });
    // Several allocation intervals pass without a new offer.
    await allocationTicks(5);
    expect(subscription.events.slice(quiet).some((e) => e.type === 'OFFERS')).toBe(false);
    expect((await subscription.call(mesosLocal.url, { type: 'REVIVE' })).status).toBe(202);
    const revived = await subscription.offers(quiet);
    expect(revived).toHaveLength(2);
  });

  it('re-offers declined resources after a short refuse_seconds', async () => {
    const subscription = await subscribe();
    const offers = await subscription.offers();
    const declinedAt = Date.now();
    await subscription.call(mesosLocal.url, { type: 'DECLINE', decline: { offer_ids: [offers[0].id], filters: { refuse_seconds: 0.5 } } });
    const after = subscription.events.length;
    const again = await subscription.offers(after, 5_000);
    expect(again[0].agent_id).toEqual(offers[0].agent_id);
    expect(Date.now() - declinedAt).toBeGreaterThanOrEqual(450);
  });

  it('stops offering after SUPPRESS and resumes on REVIVE', async () => {
    const subscription = await subscribe();
    const offers = await subscription.offers();
    await subscription.call(mesosLocal.url, { type: 'SUPPRESS' });
    await subscription.call(mesosLocal.url, { type: 'DECLINE', decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: 0 } } });
    const after = subscription.events.length;
    // With refuse_seconds 0 only the suppression can hold offers back.
    await waitFor(() => (mesosLocal.state().frameworks as JsonEvent[])[0].offers.length === 0, { description: 'offers gone' });
    await allocationTicks(5);
    expect(subscription.events.slice(after).some((e) => e.type === 'OFFERS')).toBe(false);
    await subscription.call(mesosLocal.url, { type: 'REVIVE' });
    expect(await subscription.offers(after)).toHaveLength(2);
  });

  it('rescinds offers not used within the offer timeout', async () => {
    await mesosLocal.stop();
    mesosLocal = await startLocalMesos({ agents: 1, allocationIntervalMs: 100, offerTimeoutMs: 300 });
    const subscription = await subscribe();
    const [offer] = await subscription.offers();
    const rescind = await subscription.next((e) => e.type === 'RESCIND', 'RESCIND', 5_000);
    expect(rescind.rescind.offer_id).toEqual(offer.id);
    // The resources come back in a new offer.
    const again = await subscription.offers(subscription.events.indexOf(rescind));
    expect(again[0].id.value).not.toBe(offer.id.value);
  });

  it('discards outstanding offers silently when the framework re-subscribes', async () => {
    const subscription = await subscribe(frameworkInfo({ failover_timeout: 60 }));
    const offers = await subscription.offers();
    const second = await RawSubscription.open(mesosLocal.url, subscribeCall(frameworkInfo({ failover_timeout: 60 }), subscription.frameworkId));
    open.push(second);
    await second.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    await waitFor(() => subscription.ended, { description: 'old stream closed' });
    expect(subscription.events[subscription.events.length - 1]).toEqual({ type: 'ERROR', error: { message: 'Framework failed over' } });
    expect(second.events.some((e) => e.type === 'RESCIND')).toBe(false);
    const fresh = await second.offers();
    expect(fresh.map((o) => o.id.value)).not.toContain(offers[0].id.value);
  });
});

/**
 * Lets `count` allocation intervals (100 ms here) pass, for asserting that something does NOT
 * happen; a bounded wait on the clock, not a sleep standing in for an outcome.
 */
async function allocationTicks(count: number): Promise<void> {
  const until = Date.now() + count * 100;
  await waitFor(() => Date.now() >= until, { description: `${count} allocation intervals`, intervalMs: 20 });
}
