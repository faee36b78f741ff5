/**
 * Wire-level fidelity checks for our transcription of the Mesos v1 protos.
 *
 * Every expected number and byte below is taken from Apache Mesos'
 * include/mesos/v1/mesos.proto and include/mesos/v1/scheduler/scheduler.proto
 * (field numbers, enum values, defaults), never from our own .proto files, so
 * a renumbering or a typo in proto/mesos/v1/** fails here.
 */
import { mesos } from './generated/protos';

const { v1 } = mesos;
const { Call, Event } = v1.scheduler;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('mesos.v1.scheduler.Call', () => {
  it('puts framework_id in field 1 (tag 0x0a, length-delimited)', () => {
    const bytes = Call.encode({ framework_id: { value: 'abc' } }).finish();
    // 0a 05 | FrameworkID { 0a 03 "abc" }
    expect(hex(bytes)).toBe('0a050a03616263');
  });

  it('puts type in field 2 as a varint', () => {
    expect(hex(Call.encode({ type: Call.Type.TEARDOWN }).finish())).toBe('1002');
  });

  it('puts update_framework in field 19 (two-byte tag 0x9a 0x01)', () => {
    const bytes = Call.encode({
      update_framework: { framework_info: { user: 'u', name: 'n' } },
    }).finish();
    // 9a 01 0a | Subscribe-like { 0a 06 FrameworkInfo { 0a 01 "u" 12 01 "n" } }
    expect(hex(bytes)).toBe('9a01080a060a017512016e');
  });

  it('has the Mesos Call.Type numbers', () => {
    expect({ ...Call.Type }).toMatchObject({
      UNKNOWN: 0,
      SUBSCRIBE: 1,
      TEARDOWN: 2,
      ACCEPT: 3,
      DECLINE: 4,
      REVIVE: 5,
      KILL: 6,
      SHUTDOWN: 7,
      ACKNOWLEDGE: 8,
      RECONCILE: 9,
      MESSAGE: 10,
      REQUEST: 11,
      SUPPRESS: 12,
      ACCEPT_INVERSE_OFFERS: 13,
      DECLINE_INVERSE_OFFERS: 14,
      ACKNOWLEDGE_OPERATION_STATUS: 15,
      RECONCILE_OPERATIONS: 16,
      UPDATE_FRAMEWORK: 17,
    });
  });

  it('round-trips a SUBSCRIBE to Mesos-style snake_case JSON', () => {
    const call = Call.fromObject({
      type: 'SUBSCRIBE',
      subscribe: {
        framework_info: {
          user: 'root',
          name: 'mesoflow',
          roles: ['flow'],
          capabilities: [{ type: 'MULTI_ROLE' }],
        },
        suppressed_roles: ['flow'],
      },
    });
    const json = Call.toObject(Call.decode(Call.encode(call).finish()), {
      enums: String,
      bytes: String,
      longs: Number,
    });
    expect(json).toEqual({
      type: 'SUBSCRIBE',
      subscribe: {
        framework_info: {
          user: 'root',
          name: 'mesoflow',
          roles: ['flow'],
          capabilities: [{ type: 'MULTI_ROLE' }],
        },
        suppressed_roles: ['flow'],
      },
    });
  });
});

describe('mesos.v1.scheduler.Event', () => {
  it('has the Mesos Event.Type numbers', () => {
    expect({ ...Event.Type }).toMatchObject({
      UNKNOWN: 0,
      SUBSCRIBED: 1,
      OFFERS: 2,
      RESCIND: 3,
      UPDATE: 4,
      MESSAGE: 5,
      FAILURE: 6,
      ERROR: 7,
      HEARTBEAT: 8,
      INVERSE_OFFERS: 9,
      RESCIND_INVERSE_OFFER: 10,
      UPDATE_OPERATION_STATUS: 11,
    });
  });

  it('decodes a HEARTBEAT written by hand (field 1 varint 8)', () => {
    expect(Event.decode(Uint8Array.from([0x08, 0x08])).type).toBe(Event.Type.HEARTBEAT);
  });

  it('decodes an OFFERS event with SCALAR and RANGES resources', () => {
    const bytes = Event.encode(
      Event.fromObject({
        type: 'OFFERS',
        offers: {
          offers: [
            {
              id: { value: 'O1' },
              framework_id: { value: 'F' },
              agent_id: { value: 'S0' },
              hostname: 'h',
              resources: [
                { name: 'cpus', type: 'SCALAR', scalar: { value: 2.5 } },
                { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
              ],
            },
          ],
        },
      }),
    ).finish();
    // Event.offers is field 3: tag 0x1a.
    expect(bytes[2]).toBe(0x1a);
    const json = Event.toObject(Event.decode(bytes), { enums: String, longs: Number });
    expect(json['offers']['offers'][0]['resources']).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2.5 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ]);
  });
});

describe('mesos.v1 messages', () => {
  it('encodes TaskStatus.state as field 2 varint (TASK_RUNNING = 1)', () => {
    const bytes = v1.TaskStatus.encode({
      task_id: { value: 't' },
      state: v1.TaskState.TASK_RUNNING,
    }).finish();
    expect(hex(bytes)).toBe('0a030a01741001');
  });

  it('has the Mesos TaskState numbers', () => {
    expect({ ...v1.TaskState }).toMatchObject({
      TASK_STARTING: 0,
      TASK_RUNNING: 1,
      TASK_FINISHED: 2,
      TASK_FAILED: 3,
      TASK_KILLED: 4,
      TASK_LOST: 5,
      TASK_STAGING: 6,
      TASK_ERROR: 7,
      TASK_KILLING: 8,
      TASK_DROPPED: 9,
      TASK_UNREACHABLE: 10,
      TASK_GONE: 11,
      TASK_GONE_BY_OPERATOR: 12,
      TASK_UNKNOWN: 13,
    });
  });

  it('has the Mesos TaskStatus.Reason and Source numbers', () => {
    expect({ ...v1.TaskStatus.Reason }).toMatchObject({
      REASON_COMMAND_EXECUTOR_FAILED: 0,
      REASON_EXECUTOR_TERMINATED: 1,
      REASON_INVALID_OFFERS: 6,
      REASON_CONTAINER_LIMITATION_MEMORY: 8,
      REASON_RECONCILIATION: 9,
      REASON_AGENT_DISCONNECTED: 10,
      REASON_AGENT_REMOVED: 11,
      REASON_TASK_INVALID: 14,
      REASON_CONTAINER_LAUNCH_FAILED: 21,
      REASON_TASK_HEALTH_CHECK_STATUS_UPDATED: 29,
      REASON_TASK_KILLED_DURING_LAUNCH: 30,
      REASON_AGENT_REREGISTERED: 32,
      REASON_MAX_COMPLETION_TIME_REACHED: 33,
      REASON_AGENT_DRAINING: 34,
    });
    expect(Object.keys(v1.TaskStatus.Reason)).toHaveLength(35);
    expect({ ...v1.TaskStatus.Source }).toEqual({
      SOURCE_MASTER: 0,
      SOURCE_AGENT: 1,
      SOURCE_EXECUTOR: 2,
    });
  });

  it('numbers Attribute.text 5 and Attribute.set 6', () => {
    const text = v1.Attribute.encode({
      name: 'a',
      type: v1.Value.Type.TEXT,
      text: { value: 'x' },
    }).finish();
    expect(hex(text)).toBe('0a016110032a030a0178');
    const set = v1.Attribute.encode({ name: 'a', type: v1.Value.Type.SET, set: { item: ['x'] } }).finish();
    expect(hex(set)).toBe('0a016110023203' + '0a0178');
  });

  it('numbers Resource.provider_id 12 and reservations 13', () => {
    const bytes = v1.Resource.encode({
      name: 'disk',
      type: v1.Value.Type.SCALAR,
      provider_id: { value: 'p' },
      reservations: [{ type: v1.Resource.ReservationInfo.Type.DYNAMIC, role: 'r' }],
    }).finish();
    // name(1) type(2) provider_id(12: 0x62) reservations(13: 0x6a { role(3) type(4) })
    expect(hex(bytes)).toBe('0a046469736b1000' + '62030a0170' + '6a05' + '1a0172' + '2002');
  });

  it('keeps OperationStatus.uuid a UUID message (field 5, nested field 1)', () => {
    const bytes = v1.OperationStatus.encode({
      state: v1.OperationState.OPERATION_FINISHED,
      uuid: { value: Uint8Array.from([0xab]) },
    }).finish();
    expect(hex(bytes)).toBe('1002' + '2a030a01ab');
  });

  it('has the Mesos Offer.Operation.Type numbers', () => {
    expect({ ...v1.Offer.Operation.Type }).toEqual({
      UNKNOWN: 0,
      LAUNCH: 1,
      RESERVE: 2,
      UNRESERVE: 3,
      CREATE: 4,
      DESTROY: 5,
      LAUNCH_GROUP: 6,
      GROW_VOLUME: 11,
      SHRINK_VOLUME: 12,
      CREATE_DISK: 13,
      DESTROY_DISK: 14,
    });
  });

  it('applies the Mesos proto2 defaults to absent fields', () => {
    const empty = new Uint8Array(0);
    expect(v1.Filters.decode(empty).refuse_seconds).toBe(5);
    expect(v1.CommandInfo.decode(empty).shell).toBe(true);
    expect(v1.CommandInfo.URI.decode(Uint8Array.from([0x0a, 0x00])).extract).toBe(true);
    expect(v1.Environment.Variable.decode(Uint8Array.from([0x0a, 0x00])).type).toBe(
      v1.Environment.Variable.Type.VALUE,
    );
    expect(v1.HealthCheck.decode(empty).consecutive_failures).toBe(3);
    expect(v1.AgentInfo.decode(Uint8Array.from([0x0a, 0x00])).port).toBe(5051);
    expect(v1.ContainerInfo.DockerInfo.decode(Uint8Array.from([0x0a, 0x00])).network).toBe(
      v1.ContainerInfo.DockerInfo.Network.HOST,
    );
  });
});
