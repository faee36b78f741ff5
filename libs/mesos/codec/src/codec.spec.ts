import { mesos } from '@mesoflow/proto';
import { decodeMesos, encodeMesos, MesosCodecError, MesosCodecErrorCode, MesosMessageClass, toMesosJson } from './codec';

const { Call, Event } = mesos.v1.scheduler;

function decodeJson<T>(type: MesosMessageClass<T>, json: unknown): T {
  return decodeMesos(type, Buffer.from(JSON.stringify(json)), 'application/json');
}

function codecError(run: () => unknown): MesosCodecError {
  try {
    run();
  } catch (error) {
    if (error instanceof MesosCodecError) return error;
    throw error;
  }
  throw new Error('expected a MesosCodecError');
}

const subscribe = {
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'root', name: 'mesoflow', capabilities: [{ type: 'PARTITION_AWARE' }] } },
};

describe('Mesos JSON mapping', () => {
  it('writes snake_case names, enum names and the explicit defaults Mesos writes', () => {
    const json = JSON.parse(encodeMesos(Call, subscribe, 'application/json').toString());
    expect(json).toEqual({
      type: 'SUBSCRIBE',
      subscribe: {
        framework_info: {
          user: 'root',
          name: 'mesoflow',
          capabilities: [{ type: 'PARTITION_AWARE' }],
          failover_timeout: 0,
          checkpoint: false,
        },
      },
    });
  });

  it('does not write deprecated fields with defaults unless set', () => {
    const json = toMesosJson(mesos.v1.FrameworkInfo, { user: 'u', name: 'n' });
    expect(json).not.toHaveProperty('role');
    expect(toMesosJson(mesos.v1.FrameworkInfo, { user: 'u', name: 'n', role: 'dev' })).toHaveProperty('role', 'dev');
  });

  it('reads null as absent, ignores unknown keys and accepts a lone value for a repeated field', () => {
    const call = decodeJson(Call, {
      type: 'DECLINE',
      framework_id: { value: 'f-1' },
      decline: { offer_ids: { value: 'o-1' }, filters: null },
      someFutureField: 1,
    });
    expect(call.decline?.offer_ids?.map((id) => id.value)).toEqual(['o-1']);
    expect(call.decline?.filters).toBeNull();
    // Unset proto2 optional with a default reads as the default.
    expect(mesos.v1.Filters.fromObject({}).refuse_seconds).toBe(5);
  });

  it('maps bytes as base64, tolerating missing padding and whitespace', () => {
    const uuid = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]);
    const encoded = JSON.parse(
      encodeMesos(Call, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid } }, 'application/json').toString(),
    );
    expect(encoded.acknowledge.uuid).toBe('3q2+7wE=');
    const decoded = decodeJson(Call, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: '3q2+\n7wE' } });
    expect(Buffer.from(decoded.acknowledge!.uuid)).toEqual(uuid);
  });

  it('writes infinite doubles as strings and reads them and numeric strings back', () => {
    const json = toMesosJson(mesos.v1.Value.Scalar, { value: Infinity });
    expect(json).toEqual({ value: 'Infinity' });
    expect(decodeJson(mesos.v1.Value.Scalar, { value: '-Infinity' }).value).toBe(-Infinity);
    expect(decodeJson(mesos.v1.Value.Scalar, { value: '2.5' }).value).toBe(2.5);
    expect(decodeJson(mesos.v1.Value.Range, { begin: '31000', end: 32000 })).toMatchObject({ begin: 31000, end: 32000 });
  });

  it('names every missing required field, nested ones with their path', () => {
    const error = codecError(() => decodeJson(Call, { subscribe: { framework_info: { name: 'x' } } }));
    expect(error.code).toBe(MesosCodecErrorCode.MISSING_REQUIRED_FIELDS);
    expect(error.message).toBe(
      'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user',
    );
  });

  it('rejects an enum given as a number, and an array for a single field', () => {
    expect(codecError(() => decodeJson(Call, { type: 1 })).message).toBe(
      "Failed to convert JSON into Call protobuf: Expecting a JSON string for field 'type'",
    );
    expect(codecError(() => decodeJson(Call, { type: 'KILL', kill: [] })).message).toBe(
      "Failed to convert JSON into Call protobuf: Not expecting a JSON array for field 'kill'",
    );
  });

  it('drops an unknown enum name in an optional field', () => {
    const call = decodeJson(Call, { type: 'NO_SUCH_CALL' });
    expect(Object.prototype.hasOwnProperty.call(call, 'type')).toBe(false);
  });

  it('reports a body that is not JSON', () => {
    const error = codecError(() => decodeMesos(Call, Buffer.from('{nope'), 'application/json'));
    expect(error.code).toBe(MesosCodecErrorCode.INVALID_JSON);
    expect(error.message).toMatch(/^Failed to parse body into JSON: /);
  });
});

describe('binary protobuf', () => {
  it('round-trips a plain object through the wire format', () => {
    const bytes = encodeMesos(Call, subscribe, 'application/x-protobuf');
    const call = decodeMesos(Call, bytes, 'application/x-protobuf');
    expect(call.type).toBe(Call.Type.SUBSCRIBE);
    expect(call.subscribe?.framework_info.name).toBe('mesoflow');
  });

  it('decodes the same event from either encoding', () => {
    const event = {
      type: 'OFFERS',
      offers: {
        offers: [
          {
            id: { value: 'o-1' },
            framework_id: { value: 'f' },
            agent_id: { value: 'a' },
            hostname: 'h',
            resources: [
              { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
              { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
            ],
          },
        ],
      },
    };
    const fromJson = decodeMesos(Event, encodeMesos(Event, event, 'application/json'), 'application/json');
    const fromProto = decodeMesos(Event, encodeMesos(Event, event, 'application/x-protobuf'), 'application/x-protobuf');
    expect(Event.toObject(fromJson)).toEqual(Event.toObject(fromProto));
    expect(fromProto.offers?.offers?.[0]?.resources?.[1]?.ranges?.range?.[0]?.end).toBe(32000);
  });

  it('reports bytes that are not a message', () => {
    const error = codecError(() => decodeMesos(Call, Buffer.from([0x0a, 0xff]), 'application/x-protobuf'));
    expect(error.code).toBe(MesosCodecErrorCode.INVALID_PROTOBUF);
    expect(error.message).toMatch(/^Failed to parse body into Call protobuf: /);
  });
});
