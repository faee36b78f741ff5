export {
  DEFAULT_MAX_RECORD_BYTES,
  RecordIoDecoder,
  decodeRecordStream,
  type RecordIoDecoderOptions,
} from './decoder';
export { encodeRecord, encodeRecords } from './encoder';
export { RecordIoError, RecordIoErrorCode } from './recordio-error';
