// bin/mesoflow: Flink's CLI for a Mesoflow session cluster.
//   mesoflow run [--detached] [-t remote] [-p N] [-m host:port] [-Dkey=value ...] program.(js|ts) [args]
//   mesoflow list | info <job> | cancel <job>
//   mesoflow jobgraph [-p N] [-Dkey=value ...] program.(js|ts) [args] -o job.graph
// Mesoflow options come from conf/mesoflow-conf.yaml (MESOFLOW_CONF_DIR), MESOFLOW_* variables
// and -D, as for the services. commander parses the command line: it is the common, well-kept
// choice for Node CLIs, and handles subcommands, help and `--` pass-through for program args.
import { isConfigError, loadConfig, parseDynamicProperties, type MesoflowConfig } from '@mesoflow/config';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { CliError } from './cli-error';
import { clusterEndpoints } from './cluster-endpoints';
import { writeJobGraph } from './commands/jobgraph';
import { cancelJob, jobInfo, listJobs } from './commands/jobs';
import { runProgram } from './commands/run';
import { JobServiceClient, JobState } from './remote/job-service-client';

/** The installation: bin/mesoflow sets it; from source it is the repository. */
const MESOFLOW_HOME = process.env['MESOFLOW_HOME'] ?? resolve(__dirname, '../../..');

interface CommonOptions {
  D: string[];
  jobmanager?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return Number(value);
}

/** The configuration with this command's `-D` options; they are also the job's options. */
function configOf(options: CommonOptions): { config: MesoflowConfig; dynamic: Record<string, string> } {
  const { properties } = parseDynamicProperties(options.D.map((property) => `-D${property}`));
  const config = loadConfig({ dynamicProperties: properties, service: 'cli' });
  for (const warning of config.warnings) process.stderr.write(`mesoflow: configuration warning: ${warning.message}\n`);
  return { config, dynamic: Object.fromEntries(properties.map(({ key, value }) => [key, value])) };
}

function withClient<T>(options: CommonOptions, use: (client: JobServiceClient) => Promise<T>): Promise<T> {
  const endpoints = clusterEndpoints(configOf(options).config, options.jobmanager);
  const client = JobServiceClient.forCluster(endpoints);
  return use(client).finally(() => client.close());
}

function clusterCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option('-D <key=value>', 'a Mesoflow option (repeatable)', collect, [])
    .option('-m, --jobmanager <host:port>', "the dispatcher gateway's gRPC address (default: rest.address or jobmanager.rpc.address, port dispatcher.grpc.port)");
}

function buildProgram(): Command {
  const program = new Command('mesoflow')
    .description('Runs and manages Mesoflow jobs on a session cluster on Mesos')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();

  clusterCommand(program, 'run', 'bundle a program, submit it and (unless --detached) follow it to its end')
    .argument('<program>', 'the program file (.js or .ts) that builds the pipeline and calls env.execute()')
    .argument('[args...]', "the program's own arguments")
    .option('-d, --detached', 'submit and return without waiting for the job to end')
    .option('-t, --target <target>', 'where the job runs; only remote (the session cluster) is supported', 'remote')
    .option('-p, --parallelism <n>', 'the default parallelism of the job (parallelism.default)', positiveInteger)
    .passThroughOptions()
    .action(async (file: string, args: string[], options: CommonOptions & { detached?: boolean; target: string; parallelism?: number }) => {
      if (options.target !== 'remote') throw new CliError(`-t/--target: '${options.target}' is not supported; expected 'remote' (the session cluster started by bin/mesos-appmaster.sh)`);
      const { config, dynamic } = configOf(options);
      const parallelism = options.parallelism ?? config.get('parallelism.default');
      const outcome = await runProgram({
        program: resolve(file),
        args,
        detached: options.detached === true,
        defaultParallelism: parallelism,
        jobConfig: { ...dynamic, 'parallelism.default': String(parallelism) },
        endpoints: clusterEndpoints(config, options.jobmanager),
        mesoflowHome: MESOFLOW_HOME,
        out: process.stdout,
      });
      // The program may still print its results; the exit code waits for it, the process too.
      if (outcome.state !== undefined && outcome.state !== JobState.FINISHED) process.exitCode = 1;
    });

  clusterCommand(program, 'list', 'list the jobs of the session cluster, newest first')
    .option('-n, --limit <n>', 'at most this many jobs', positiveInteger, 50)
    .action(async (options: CommonOptions & { limit: number }) => {
      process.stdout.write(`${await withClient(options, (client) => listJobs(client, options.limit))}\n`);
    });

  clusterCommand(program, 'info', "show a job's state, progress and results")
    .argument('<job>', 'the job id')
    .action(async (jobId: string, options: CommonOptions) => {
      process.stdout.write(`${await withClient(options, (client) => jobInfo(client, jobId))}\n`);
    });

  clusterCommand(program, 'cancel', 'cancel a job and wait until it has stopped')
    .argument('<job>', 'the job id')
    .action(async (jobId: string, options: CommonOptions) => {
      const end = await withClient(options, (client) => cancelJob(client, jobId, process.stdout));
      if (end.state !== JobState.CANCELED) process.exitCode = 1;
    });

  program
    .command('jobgraph')
    .description('plan a program and write it, bundle included, as a job graph file for bin/mesos-appmaster-job.sh')
    .argument('<program>', 'the program file (.js or .ts)')
    .argument('[args...]', "the program's own arguments")
    .requiredOption('-o, --output <file>', 'where to write the job graph')
    .option('-p, --parallelism <n>', 'the default parallelism of the job (parallelism.default)', positiveInteger)
    .option('-D <key=value>', 'a Mesoflow option (repeatable)', collect, [])
    // `-o` may come after the program (as in `jobgraph program.js -o job.graph`); every other option is the program's.
    .allowUnknownOption()
    .action(async (file: string, args: string[], options: CommonOptions & { output: string; parallelism?: number }) => {
      const { config } = configOf(options);
      const line = await writeJobGraph({
        program: resolve(file),
        args,
        output: resolve(options.output),
        defaultParallelism: options.parallelism ?? config.get('parallelism.default'),
        mesoflowHome: MESOFLOW_HOME,
      });
      process.stdout.write(`${line}\n`);
    });

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // commander printed the usage problem (or the help) already.
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    if (error instanceof CliError || isConfigError(error)) {
      process.stderr.write(`mesoflow: ${(error as Error).message}\n`);
      process.exit(error instanceof CliError ? error.exitCode : 2);
    }
    process.stderr.write(`mesoflow: unexpected error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
