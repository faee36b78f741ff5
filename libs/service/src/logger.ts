import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';

/** Options for {@link createServiceLogger}. */
export interface ServiceLoggerOptions {
  /** The service's name, written on every line as `service`. */
  service: string;
  /** @default 'info' */
  level?: LevelWithSilent;
  /** Where the JSON lines go. @default standard output */
  destination?: DestinationStream;
}

/**
 * The root pino logger of a service: JSON lines with an ISO time and the service's name.
 * Classes take a child of it (`logger.child({ component: 'ArtifactStore' })`).
 */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * Nest's own start-up chatter (modules loaded, routes mapped): useful when debugging start-up,
 * noise otherwise, so it is written at debug level.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

/**
 * Nest's `LoggerService` written through pino, so the framework's lines are JSON like ours.
 * Nest passes the context (the class name) as the last argument and, for errors, a stack
 * before it; both become fields.
 */
export class NestPinoLogger implements LoggerService {
  /** @param logger the service's root logger. */
  constructor(private readonly logger: Logger) {}

  /** Nest's `log` level, written as info (debug for the framework's start-up lines). */
  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    this.write(context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  /** Written as error; a stack passed by Nest becomes the `stack` field. */
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  /** Written as warn. */
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  /** Written as debug. */
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  /** Written as trace. */
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  /** Written as fatal. */
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const context = contextOf(params);
    if (context !== undefined) fields['context'] = context;
    const stack = params.find((param) => typeof param === 'string' && param.includes('\n    at '));
    if (stack !== undefined) fields['stack'] = stack;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'string') {
      this.logger[level](fields, message);
    } else {
      this.logger[level]({ ...fields, value: message }, 'Nest logged a value');
    }
  }
}

function contextOf(params: unknown[]): string | undefined {
  const last = params.at(-1);
  return typeof last === 'string' && !last.includes('\n') ? last : undefined;
}
