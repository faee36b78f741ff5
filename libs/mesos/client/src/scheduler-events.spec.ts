import { encodeMesos, decodeMesos } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { toSchedulerEvent, type SchedulerEvent, type SchedulerEventMap } from './scheduler-events';

import MesosEvent = mesos.v1.scheduler.Event;

function decodeJson(json: object): MesosEvent {
  return decodeMesos(MesosEvent, Buffer.from(JSON.stringify(json)), 'application/json');
}

/** What a scheduler might do with an event: the switch must narrow every payload. */
function describe_(event: SchedulerEvent): string {
  switch (event.type) {
    case 'SUBSCRIBED':
      return `subscribed ${event.subscribed.framework_id.value}`;
    case 'OFFERS':
      return `offers ${(event.offers.offers ?? []).map((offer) => offer.id.value).join(',')}`;
    case 'INVERSE_OFFERS':
      return `inverse offers ${(event.inverse_offers.inverse_offers ?? []).length}`;
    case 'RESCIND':
      return `rescind ${event.rescind.offer_id.value}`;
    case 'RESCIND_INVERSE_OFFER':
      return `rescind inverse ${event.rescind_inverse_offer.inverse_offer_id.value}`;
    case 'UPDATE':
      return `update ${event.update.status.task_id.value}`;
    case 'UPDATE_OPERATION_STATUS':
      return `operation ${event.update_operation_status.status.state}`;
    case 'MESSAGE':
      return `message from ${event.message.executor_id.value}`;
    case 'FAILURE':
      return `failure of ${event.failure.agent_id?.value ?? '?'}`;
    case 'ERROR':
      return `error ${event.error.message}`;
    case 'HEARTBEAT':
      return 'heartbeat';
    case 'UNKNOWN':
      return `unknown ${event.typeNumber}: ${event.reason}`;
  }
}

describe('toSchedulerEvent', () => {
  it.each<[object, string]>([
    [
      { type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 } },
      'subscribed fw-1',
    ],
    [
      {
        type: 'OFFERS',
        offers: {
          offers: [
            { id: { value: 'o1' }, framework_id: { value: 'fw-1' }, agent_id: { value: 'a1' }, hostname: 'h1' },
          ],
        },
      },
      'offers o1',
    ],
    [{ type: 'RESCIND', rescind: { offer_id: { value: 'o1' } } }, 'rescind o1'],
    [{ type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: 'i1' } } }, 'rescind inverse i1'],
    [
      {
        type: 'UPDATE',
        update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', uuid: 'q2y0l1S2T6mW1e4gqG0b2Q==' } },
      },
      'update t1',
    ],
    [
      { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: { state: 'OPERATION_FINISHED' } } },
      `operation ${mesos.v1.OperationState.OPERATION_FINISHED}`,
    ],
    [
      { type: 'MESSAGE', message: { agent_id: { value: 'a1' }, executor_id: { value: 'e1' }, data: 'aGk=' } },
      'message from e1',
    ],
    [{ type: 'FAILURE', failure: { agent_id: { value: 'a1' } } }, 'failure of a1'],
    [{ type: 'FAILURE' }, 'failure of ?'],
    [{ type: 'ERROR', error: { message: 'Framework has been removed' } }, 'error Framework has been removed'],
    [{ type: 'HEARTBEAT' }, 'heartbeat'],
    [{ type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: [] } }, 'inverse offers 0'],
  ])('types %j', (json, expected) => {
    expect(describe_(toSchedulerEvent(decodeJson(json)))).toBe(expected);
  });

  it('types protobuf-decoded events the same way', () => {
    const bytes = encodeMesos(
      MesosEvent,
      { type: MesosEvent.Type.UPDATE, update: { status: { task_id: { value: 't9' }, state: mesos.v1.TaskState.TASK_FINISHED } } },
      'application/x-protobuf',
    );
    const event = toSchedulerEvent(decodeMesos(MesosEvent, bytes, 'application/x-protobuf'));
    expect(describe_(event)).toBe('update t9');
  });

  it('turns an unknown JSON type name (dropped by the codec) into UNKNOWN', () => {
    const event = toSchedulerEvent(decodeJson({ type: 'SOMETHING_NEW', something_new: {} }));
    expect(event).toMatchObject({ type: 'UNKNOWN', typeNumber: 0 });
  });

  it('turns a type number newer than our protos into UNKNOWN with that number', () => {
    const event = toSchedulerEvent(MesosEvent.create({ type: 42 as MesosEvent.Type }));
    expect(event).toMatchObject({ type: 'UNKNOWN', typeNumber: 42 });
  });

  it('turns a known type without its payload into UNKNOWN rather than a half-typed event', () => {
    const event = toSchedulerEvent(decodeJson({ type: 'OFFERS' }));
    expect(event.type).toBe('UNKNOWN');
    expect(describe_(event)).toMatch(/OFFERS event without its payload/);
  });

  it('maps each type name to its event type', () => {
    // Compile-time check: the map entry for a name is the narrowed event.
    const offers: SchedulerEventMap['OFFERS']['offers'] = { offers: [] };
    const heartbeat: SchedulerEventMap['HEARTBEAT'] = { type: 'HEARTBEAT' };
    expect(offers.offers).toEqual([]);
    expect(heartbeat.type).toBe('HEARTBEAT');
  });
});
