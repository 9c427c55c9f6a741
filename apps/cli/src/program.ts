/**
 * The `wfp` command line: its commands and global options (--url, --json), and how an error
 * ends it (one line on stderr, the exit code of its kind: exit-codes.ts).
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_URL } from './cli-config';
import { CliError, EXIT } from './exit-codes';
import { eventsCommand } from './commands/events';
import { instancesCommand } from './commands/instances';
import { runCommand } from './commands/run';
import { triggersCommand } from './commands/triggers';
import { workflowsCommand } from './commands/workflows';

export function buildProgram(version: string): Command {
  const program = new Command('wfp')
    .description('Command-line client of the workflow platform (Formance Orchestration v1 and POST /api/events of the gateway)')
    .version(version)
    .option('--url <url>', `the gateway (env WFP_URL, default ${DEFAULT_URL})`)
    .option('--json', 'print results as JSON (for scripts)')
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nEnvironment: WFP_URL, WFP_CLIENT_ID + WFP_CLIENT_SECRET (OAuth2 client credentials), WFP_TOKEN.\n' +
        'Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 unauthorized, 5 gateway unavailable, 6 conflict, 7 timeout.',
    );
  for (const command of [workflowsCommand(), runCommand(), instancesCommand(), triggersCommand(), eventsCommand()]) program.addCommand(command);
  // Every (sub)command: usage errors throw instead of exiting, so one place decides the code.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function runCli(argv: string[], version: string): Promise<number> {
  const program = buildProgram(version);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too (their text is already printed).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`wfp: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`wfp: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
