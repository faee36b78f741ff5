import { mesos } from '@mesoflow/proto';

import MesosEvent = mesos.v1.scheduler.Event;

/** SUBSCRIBED: the subscription is live; carries the framework ID and the heartbeat interval. */
export interface SubscribedEvent {
  type: 'SUBSCRIBED';
  subscribed: MesosEvent.Subscribed.$Properties;
}
/** OFFERS: resources offered to the framework (one offer per agent and role). */
export interface OffersEvent {
  type: 'OFFERS';
  offers: MesosEvent.Offers.$Properties;
}
/** INVERSE_OFFERS: requests to vacate agents for maintenance. */
export interface InverseOffersEvent {
  type: 'INVERSE_OFFERS';
  inverse_offers: MesosEvent.InverseOffers.$Properties;
}
/** RESCIND: an offer is void. */
export interface RescindEvent {
  type: 'RESCIND';
  rescind: MesosEvent.Rescind.$Properties;
}
/** RESCIND_INVERSE_OFFER: an inverse offer is void. */
export interface RescindInverseOfferEvent {
  type: 'RESCIND_INVERSE_OFFER';
  rescind_inverse_offer: MesosEvent.RescindInverseOffer.$Properties;
}
/** UPDATE: a task status update; acknowledge it when `status.uuid` is set. */
export interface UpdateEvent {
  type: 'UPDATE';
  update: MesosEvent.Update.$Properties;
}
/** UPDATE_OPERATION_STATUS: feedback on an offer operation that carried an `id`. */
export interface UpdateOperationStatusEvent {
  type: 'UPDATE_OPERATION_STATUS';
  update_operation_status: MesosEvent.UpdateOperationStatus.$Properties;
}
/** MESSAGE: opaque data from an executor (unreliable). */
export interface MessageEvent {
  type: 'MESSAGE';
  message: MesosEvent.Message.$Properties;
}
/** FAILURE: an agent was removed, or a custom executor terminated. */
export interface FailureEvent {
  type: 'FAILURE';
  failure: MesosEvent.Failure.$Properties;
}
/** ERROR: the master refused or ended the subscription; the client stops after delivering it. */
export interface ErrorEvent {
  type: 'ERROR';
  error: MesosEvent.Error.$Properties;
}
/** HEARTBEAT: the stream is alive. */
export interface HeartbeatEvent {
  type: 'HEARTBEAT';
}
/**
 * An event this client cannot type: an event type newer than our protos (decoded as unset or
 * as a number we do not know), or a known type without its payload. Ignoring it is safe.
 */
export interface UnknownEvent {
  type: 'UNKNOWN';
  /** The type number received (0 when unset or unrecognised). */
  typeNumber: number;
  /** Why the event is not typed. */
  reason: string;
  /** The decoded envelope, for whoever wants to look. */
  event: MesosEvent;
}

/** A scheduler event as a discriminated union on `type`: `switch (event.type)` narrows the payload. */
export type SchedulerEvent =
  | SubscribedEvent
  | OffersEvent
  | InverseOffersEvent
  | RescindEvent
  | RescindInverseOfferEvent
  | UpdateEvent
  | UpdateOperationStatusEvent
  | MessageEvent
  | FailureEvent
  | ErrorEvent
  | HeartbeatEvent
  | UnknownEvent;

/** The `type` names of {@link SchedulerEvent}. */
export type SchedulerEventType = SchedulerEvent['type'];

/** Each event type name mapped to its event, e.g. `SchedulerEventMap['OFFERS']` is {@link OffersEvent}. */
export type SchedulerEventMap = { [E in SchedulerEvent as E['type']]: E };

function missing(event: MesosEvent, name: string): UnknownEvent {
  return { type: 'UNKNOWN', typeNumber: event.type, reason: `a ${name} event without its payload`, event };
}

/**
 * Types a decoded event envelope. Never throws: what cannot be typed becomes {@link UnknownEvent}.
 * @param event the envelope as decoded by `@mesoflow/mesos-codec`.
 */
export function toSchedulerEvent(event: MesosEvent): SchedulerEvent {
  const T = MesosEvent.Type;
  const type = event.type ?? T.UNKNOWN;
  switch (type) {
    case T.SUBSCRIBED:
      return event.subscribed ? { type: 'SUBSCRIBED', subscribed: event.subscribed } : missing(event, 'SUBSCRIBED');
    case T.OFFERS:
      return event.offers ? { type: 'OFFERS', offers: event.offers } : missing(event, 'OFFERS');
    case T.INVERSE_OFFERS:
      return event.inverse_offers
        ? { type: 'INVERSE_OFFERS', inverse_offers: event.inverse_offers }
        : missing(event, 'INVERSE_OFFERS');
    case T.RESCIND:
      return event.rescind ? { type: 'RESCIND', rescind: event.rescind } : missing(event, 'RESCIND');
    case T.RESCIND_INVERSE_OFFER:
      return event.rescind_inverse_offer
        ? { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: event.rescind_inverse_offer }
        : missing(event, 'RESCIND_INVERSE_OFFER');
    case T.UPDATE:
      return event.update ? { type: 'UPDATE', update: event.update } : missing(event, 'UPDATE');
    case T.UPDATE_OPERATION_STATUS:
      return event.update_operation_status
        ? { type: 'UPDATE_OPERATION_STATUS', update_operation_status: event.update_operation_status }
        : missing(event, 'UPDATE_OPERATION_STATUS');
    case T.MESSAGE:
      return event.message ? { type: 'MESSAGE', message: event.message } : missing(event, 'MESSAGE');
    case T.FAILURE:
      // Every field of Failure is optional, so an absent payload is an empty one.
      return { type: 'FAILURE', failure: event.failure ?? {} };
    case T.ERROR:
      return { type: 'ERROR', error: event.error ?? { message: '(the master sent no message)' } };
    case T.HEARTBEAT:
      return { type: 'HEARTBEAT' };
    case T.UNKNOWN:
      return { type: 'UNKNOWN', typeNumber: 0, reason: 'the event type is unset or not known to our protos', event };
    default: {
      const typeNumber: number = type;
      return { type: 'UNKNOWN', typeNumber, reason: `event type ${typeNumber} is not known to this client`, event };
    }
  }
}
