import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
export const CLI_MAIN = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
export const CLI_BIN = join(ROOT, 'apps', 'cli', 'bin', 'wfp.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs the built `wfp` with only the environment given (plus PATH): no variable leaks in from the test's shell. */
export function wfp(args: string[], env: Record<string, string>, options: { entry?: string; command?: string[] } = {}): Promise<CliRun> {
  const command = options.command ?? [process.execPath, options.entry ?? CLI_MAIN];
  const child = spawn(command[0], [...command.slice(1), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`not JSON (exit ${code}):\n${stdout}\n--- stderr ---\n${stderr}`);
          }
        },
      }),
    ),
  );
}
