// bin/mesos-local: a local Mesos master and agents for development, demos and tests.
import pino from 'pino';
import { LocalMesosError, LocalMesosErrorCode, startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { CliUsageError, parseCliArgs, USAGE } from './cli-args';

/** Exit statuses: 2 for a bad command line (as getopt-style tools do), 1 for a failed start. */
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

const USAGE_CODES = new Set([
  LocalMesosErrorCode.INVALID_OPTION,
  LocalMesosErrorCode.INVALID_RESOURCES,
  LocalMesosErrorCode.INVALID_ATTRIBUTES,
  LocalMesosErrorCode.INVALID_CREDENTIALS,
]);

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`mesos-local: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = pino({ level: command.logLevel, base: { service: 'mesos-local' } });
  let cluster: LocalMesos;
  try {
    cluster = await startLocalMesos({ ...command.options, logger });
  } catch (error) {
    if (error instanceof LocalMesosError && USAGE_CODES.has(error.code)) {
      process.stderr.write(`mesos-local: ${error.message}\n`);
      return EXIT_USAGE;
    }
    logger.fatal({ err: error }, 'The local Mesos cluster could not start');
    return EXIT_FAILURE;
  }
  logger.info({ url: cluster.url, agents: cluster.agentIds }, `Local Mesos is ready at '${cluster.url}'`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info(`Received ${signal}; stopping every task and closing the master`);
      cluster.stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'Stopping the local Mesos cluster failed');
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mesos-local: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
