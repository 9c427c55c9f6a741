/**
 * `wfp events publish <type> --payload @event.json`: publishes an event on the bus through
 * `POST /api/events` (subject `<namespace>.events.<app>.<version>.<type>`), where triggers match it.
 */
import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { readPayload } from '../input-files';
import { contextOf } from './context';

export function eventsCommand(): Command {
  const events = new Command('events').description('events on the bus');
  events
    .command('publish <type>')
    .description('publish an event (triggers on <type> match it)')
    .option('-p, --payload <json>', 'the payload: @file.json, - for stdin, or JSON text', '{}')
    .option('--app <app>', 'the publishing app (subject part)', 'cli')
    .option('--app-version <version>', 'the event version (subject part)', 'v1')
    .option('--id <id>', 'the event id (the same id again is dropped as a duplicate)')
    .action(async (type: string, options: { payload: string; app: string; appVersion: string; id?: string }, command: Command) => {
      const { api, out } = contextOf(command);
      const payload = readPayload(options.payload);
      if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new CliError(EXIT.usage, '--payload: expected a JSON object');
      const answer = await api.request<{ id: string; duplicate: boolean }>('POST', '/api/events', {
        body: { app: options.app, version: options.appVersion, type, payload, ...(options.id ? { id: options.id } : {}) },
      });
      out.result({ ...answer, type }, (a) => `event ${a.id} published (${type})${a.duplicate ? ': a duplicate, dropped' : ''}`);
    });
  return events;
}
