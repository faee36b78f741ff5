/**
 * Mesos v1 message bodies in both media types the HTTP API speaks: binary protobuf and
 * Mesos' own JSON mapping.
 */
export {
  decodeMesos,
  encodeMesos,
  isMesosMediaType,
  MEDIA_TYPES,
  MesosCodecError,
  MesosCodecErrorCode,
  toMesosJson,
} from './codec';
export type { MesosMediaType, MesosMessageClass } from './codec';
