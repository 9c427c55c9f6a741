import type { Command } from 'commander';
import { ApiClient } from '../api-client';
import { cliConfig } from '../cli-config';
import { createOutput, Output } from '../output';

/** What every command gets: the API client and the output, from the global options. */
export interface CommandContext {
  api: ApiClient;
  out: Output;
}

export function contextOf(command: Command): CommandContext {
  const globals = command.optsWithGlobals<{ url?: string; json?: boolean }>();
  return { api: new ApiClient(cliConfig(process.env, { url: globals.url })), out: createOutput(Boolean(globals.json)) };
}
