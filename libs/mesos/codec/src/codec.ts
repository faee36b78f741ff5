import { protoRoot } from '@mesoflow/proto';
import { Type, Writer } from 'protobufjs';
import { JsonMappingError, jsonToPlain, messageToJson, missingRequiredFields } from './json-mapping';

/** The two bodies the Mesos v1 HTTP API speaks; matched exactly, as the master does. */
export type MesosMediaType = 'application/json' | 'application/x-protobuf';

/** The media types, for `Content-Type` / `Accept` headers. */
export const MEDIA_TYPES: readonly MesosMediaType[] = ['application/json', 'application/x-protobuf'];

/** What a generated static message class offers that the codec uses. */
export interface MesosMessageClass<T> {
  getTypeUrl(prefix?: string): string;
  // Only `decode` drives inference: it returns the richest type (the class with its shape).
  encode(message: NoInfer<T>): Writer;
  decode(bytes: Uint8Array): T;
  fromObject(object: { [key: string]: unknown }): object;
}

/** Why a body could not be turned into a message. */
export enum MesosCodecErrorCode {
  INVALID_JSON = 'INVALID_JSON',
  JSON_MAPPING = 'JSON_MAPPING',
  MISSING_REQUIRED_FIELDS = 'MISSING_REQUIRED_FIELDS',
  INVALID_PROTOBUF = 'INVALID_PROTOBUF',
}

/** A body that is not a valid message; `message` reads like the Mesos master's 400 body. */
export class MesosCodecError extends Error {
  constructor(
    readonly code: MesosCodecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MesosCodecError';
  }
}

const reflected = new Map<MesosMessageClass<unknown>, Type>();

function reflectionOf(type: MesosMessageClass<unknown>): Type {
  let found = reflected.get(type);
  if (!found) {
    found = protoRoot.lookupType(type.getTypeUrl('').slice(1));
    found.fieldsArray.forEach((field) => field.resolve());
    reflected.set(type, found);
  }
  return found;
}

/** Returns true for the two media types Mesos accepts, compared exactly (no parameters). */
export function isMesosMediaType(value: string | undefined): value is MesosMediaType {
  return value === 'application/json' || value === 'application/x-protobuf';
}

/** Serializes a message (class instance or plain object) in the given media type. */
export function encodeMesos<T>(
  type: MesosMessageClass<T>,
  message: T | { [key: string]: unknown },
  mediaType: MesosMediaType,
): Buffer {
  if (mediaType === 'application/json') {
    return Buffer.from(JSON.stringify(messageToJson(reflectionOf(type), message as object)));
  }
  const instance = message instanceof (type as unknown as new () => T) ? message : type.fromObject(message as { [key: string]: unknown });
  return Buffer.from(type.encode(instance as T).finish());
}

/** Parses a body in the given media type; throws {@link MesosCodecError} with Mesos' wording. */
export function decodeMesos<T>(type: MesosMessageClass<T>, body: Uint8Array, mediaType: MesosMediaType): T {
  const reflection = reflectionOf(type);
  if (mediaType === 'application/x-protobuf') {
    try {
      return type.decode(body);
    } catch (error) {
      throw new MesosCodecError(
        MesosCodecErrorCode.INVALID_PROTOBUF,
        `Failed to parse body into ${reflection.name} protobuf: ${(error as Error).message}`,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    throw new MesosCodecError(MesosCodecErrorCode.INVALID_JSON, `Failed to parse body into JSON: ${(error as Error).message}`);
  }
  const prefix = `Failed to convert JSON into ${reflection.name} protobuf`;
  let plain: Record<string, unknown>;
  try {
    plain = jsonToPlain(reflection, json);
  } catch (error) {
    if (!(error instanceof JsonMappingError)) throw error;
    throw new MesosCodecError(MesosCodecErrorCode.JSON_MAPPING, `${prefix}: ${error.message}`);
  }
  const missing = missingRequiredFields(reflection, plain);
  if (missing.length > 0) {
    throw new MesosCodecError(
      MesosCodecErrorCode.MISSING_REQUIRED_FIELDS,
      `${prefix}: Missing required fields: ${missing.join(', ')}`,
    );
  }
  return type.fromObject(plain) as T;
}

/** Mesos' JSON form of a message, as an object (for operator endpoints and logs of shapes). */
export function toMesosJson<T>(type: MesosMessageClass<T>, message: T | object): Record<string, unknown> {
  return messageToJson(reflectionOf(type), message as object);
}
