import { encodeMesos, type MesosMediaType } from '@mesoflow/mesos-codec';
import { encodeRecord } from '@mesoflow/mesos-recordio';
import { mesos } from '@mesoflow/proto';

/** A scheduler event as the master builds it. */
export type SchedulerEvent = mesos.v1.scheduler.Event.$Properties;

/**
 * One event, framed as a RecordIO record at most once per media type: retries of a status
 * update and events fanned out to several streams reuse the same bytes.
 */
export class EventRecord {
  private json: Buffer | null = null;
  private protobuf: Buffer | null = null;

  /** @param event the event; it must not change after the first encoding. */
  constructor(readonly event: SchedulerEvent) {}

  /** The framed record for a stream of the given media type. */
  bytes(mediaType: MesosMediaType): Buffer {
    if (mediaType === 'application/json') {
      return (this.json ??= encodeRecord(encodeMesos(mesos.v1.scheduler.Event, this.event, mediaType)));
    }
    return (this.protobuf ??= encodeRecord(encodeMesos(mesos.v1.scheduler.Event, this.event, mediaType)));
  }
}

const E = mesos.v1.scheduler.Event.Type;

/** A HEARTBEAT, shared by every stream. */
export const HEARTBEAT = new EventRecord({ type: E.HEARTBEAT });

/** An ERROR event with Mesos' message. */
export function errorEvent(message: string): EventRecord {
  return new EventRecord({ type: E.ERROR, error: { message } });
}

/** An UPDATE event carrying one status. */
export function updateEvent(status: mesos.v1.TaskStatus.$Properties): EventRecord {
  return new EventRecord({ type: E.UPDATE, update: { status } });
}
