import { mesos } from '@mesoflow/proto';
import { callError } from './call-validation';

const call = (object: Record<string, unknown>) => mesos.v1.scheduler.Call.fromObject(object);
const info = { user: 'u', name: 'n' };

describe('callError', () => {
  it('requires a type, and framework IDs that agree on SUBSCRIBE', () => {
    expect(callError(call({}), null)).toBe("Expecting 'type' to be present");
    expect(callError(call({ type: 'SUBSCRIBE' }), null)).toBe("Expecting 'subscribe' to be present");
    expect(callError(call({ type: 'SUBSCRIBE', subscribe: { framework_info: info } }), null)).toBeNull();
    expect(callError(call({ type: 'SUBSCRIBE', framework_id: { value: 'f' }, subscribe: { framework_info: info } }), null)).toBe(
      "'framework_id' differs from 'subscribe.framework_info.id'",
    );
  });

  it('checks the authenticated principal against FrameworkInfo', () => {
    const subscribe = call({ type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, principal: 'p' } } });
    expect(callError(subscribe, 'p')).toBeNull();
    expect(callError(subscribe, 'q')).toBe("Authenticated principal 'q' does not match principal 'p' set in `FrameworkInfo`");
  });

  it('requires framework_id and the sub-message of other calls', () => {
    expect(callError(call({ type: 'ACCEPT' }), null)).toBe("Expecting 'framework_id' to be present");
    expect(callError(call({ type: 'ACCEPT', framework_id: { value: 'f' } }), null)).toBe("Expecting 'accept' to be present");
    expect(callError(call({ type: 'REVIVE', framework_id: { value: 'f' } }), null)).toBeNull();
    expect(callError(call({ type: 'UNKNOWN', framework_id: { value: 'f' } }), null)).toBeNull();
  });

  it('requires 16-byte acknowledgement uuids', () => {
    const ack = (uuid: Buffer) =>
      call({ type: 'ACKNOWLEDGE', framework_id: { value: 'f' }, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid } });
    expect(callError(ack(Buffer.alloc(15)), null)).toBe('Not a valid UUID');
    expect(callError(ack(Buffer.alloc(16)), null)).toBeNull();
  });
});
