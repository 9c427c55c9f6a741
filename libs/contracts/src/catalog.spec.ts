import { COMMAND_CATALOG } from './command-catalog';
import { EVENT_CATALOG } from './events/catalog';
import { COMMANDS } from './subjects';

describe('catalogs (the AsyncAPI document is generated from them)', () => {
  it('describe every command of every service', () => {
    const commands = Object.values(COMMANDS).flatMap((service) => Object.values(service) as string[]);
    expect(commands.filter((command) => !COMMAND_CATALOG[command])).toEqual([]);
    expect(Object.keys(COMMAND_CATALOG).filter((command) => !commands.includes(command))).toEqual([]);
  });

  it('list each event type once per app and version', () => {
    const keys = EVENT_CATALOG.map((e) => `${e.app ?? '*'}.${e.version ?? '*'}.${e.type}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
