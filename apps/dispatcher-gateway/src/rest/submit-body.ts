import { GatewayError, GatewayErrorCode } from '../errors';
import type { SubmitInput } from '../jobs/submit-request';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(message: string): GatewayError {
  return new GatewayError(GatewayErrorCode.INVALID_ARGUMENT, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalid(`Field '${field}' must be a string`);
  return value;
}

/**
 * A REST submit body (`{submissionId, jobName, jobGraph (base64), bundle: {uri, sha256}, config,
 * programArgs}`) as a {@link SubmitInput}; INVALID_ARGUMENT naming the field that is wrong.
 */
export function submitInputOfJson(body: unknown): SubmitInput {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object');
  const jobGraphText = optionalString(body, 'jobGraph').replace(/\s+/g, '');
  if (!BASE64.test(jobGraphText) || jobGraphText.length % 4 === 1) throw invalid("Field 'jobGraph' must be the encoded job graph in base64");
  let bundle: SubmitInput['bundle'];
  if (body['bundle'] !== undefined && body['bundle'] !== null) {
    if (!isRecord(body['bundle'])) throw invalid("Field 'bundle' must be an object {uri, sha256}");
    bundle = { uri: optionalString(body['bundle'], 'uri'), sha256: optionalString(body['bundle'], 'sha256') };
  }
  const config: Record<string, string> = {};
  if (body['config'] !== undefined && body['config'] !== null) {
    if (!isRecord(body['config'])) throw invalid("Field 'config' must be an object of strings");
    for (const [key, value] of Object.entries(body['config'])) {
      if (typeof value !== 'string') throw invalid(`Field 'config.${key}' must be a string`);
      config[key] = value;
    }
  }
  const args = body['programArgs'] ?? [];
  if (!Array.isArray(args) || !args.every((arg): arg is string => typeof arg === 'string')) throw invalid("Field 'programArgs' must be an array of strings");
  return {
    submissionId: optionalString(body, 'submissionId'),
    jobName: optionalString(body, 'jobName'),
    jobGraph: new Uint8Array(Buffer.from(jobGraphText, 'base64')),
    bundle,
    config,
    programArgs: args,
  };
}
