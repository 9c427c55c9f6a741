// Runs child processes ("units") and keeps them up: a unit that exits on its own is restarted
// after a backoff (1 s, 2 s, 4 s … at most 30 s; back to 1 s once it ran 30 s), logged, while the
// others keep running. A unit whose output says its port is taken, or that exits with 78
// (EX_CONFIG: invalid configuration), is not restarted — restarting cannot help: the
// supervisor reports it (`onFatal`) and the caller stops everything. `stop()` stops the units in `order`
// (services before the Postgres/NATS they use), each with its signal, then SIGKILL after a
// grace period.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const PORT_TAKEN = /EADDRINUSE|address already in use|already in use/i;
/** Exit code of a service whose configuration is invalid (libs/platform loadConfigOrExit). */
const EX_CONFIG = 78;

export function backoffDelay(restarts, { initialMs, maxMs }) {
  return Math.min(initialMs * 2 ** Math.max(0, restarts - 1), maxMs);
}

function seconds(ms) {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}

export class Supervisor {
  /**
   * @param {object} options
   * @param {(line: string) => void} [options.log] supervisor messages
   * @param {{initialMs: number, maxMs: number, resetAfterMs: number}} [options.backoff]
   * @param {(unit: string, reason: string) => void} [options.onFatal] a unit cannot run (port taken)
   */
  constructor({ log = (line) => console.error(line), backoff = {}, onFatal = () => undefined } = {}) {
    this.log = log;
    this.backoff = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 30_000, ...backoff };
    this.onFatal = onFatal;
    /** Called after a unit was restarted (set by the caller). */
    this.onRestart = () => undefined;
    this.units = new Map();
    this.stopping = false;
  }

  /**
   * Starts a unit now and keeps it running.
   * unit: { name, command, args, env?, cwd?, uid?, gid?, order? (lower stops first),
   *         stopSignal? ('SIGTERM'), stopTimeoutMs? (10000), output? ('inherit' | fd) }
   */
  add(unit) {
    const state = { unit, child: undefined, restarts: 0, timer: undefined, startedAt: 0, fatal: undefined };
    this.units.set(unit.name, state);
    this.#spawn(state);
    return state;
  }

  /** The running child of a unit (undefined while it waits to be restarted). */
  child(name) {
    return this.units.get(name)?.child;
  }

  #spawn(state) {
    const { unit } = state;
    const piped = unit.output === undefined || unit.output === 'inherit';
    const child = spawn(unit.command, unit.args ?? [], {
      cwd: unit.cwd,
      env: unit.env ?? process.env,
      // Own process group: Ctrl-C reaches the supervisor only, which stops the units in order.
      detached: true,
      stdio: piped ? ['ignore', 'pipe', 'pipe'] : ['ignore', unit.output, unit.output],
      ...(unit.uid !== undefined ? { uid: unit.uid, gid: unit.gid } : {}),
    });
    state.child = child;
    state.startedAt = Date.now();
    state.fatal = undefined;
    if (piped) {
      for (const [stream, sink] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          sink.write(`${line}\n`);
          if (line.trim()) state.lastLine = line;
          if (!state.fatal && PORT_TAKEN.test(line)) state.fatal = line;
        });
      }
    }
    child.once('error', (error) => {
      state.fatal ??= `${unit.command}: ${error.message}`;
    });
    child.once('exit', (code, signal) => {
      state.child = undefined;
      if (this.stopping) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (!state.fatal && code === EX_CONFIG) state.fatal = `invalid configuration: ${state.lastLine ?? '(see above)'}`;
      if (state.fatal) {
        this.log(`[start] ${unit.name} exited (${how}) and cannot run: ${state.fatal.trim().slice(0, 300)}`);
        this.onFatal(unit.name, state.fatal);
        return;
      }
      const ranMs = Date.now() - state.startedAt;
      if (ranMs >= this.backoff.resetAfterMs) state.restarts = 0;
      state.restarts += 1;
      const delay = backoffDelay(state.restarts, this.backoff);
      this.log(
        `[start] ${unit.name} exited (${how}) after ${seconds(ranMs)}; restarting in ${seconds(delay)} (restart #${state.restarts}); the other parts keep running`,
      );
      state.timer = setTimeout(() => {
        state.timer = undefined;
        if (this.stopping) return;
        this.log(`[start] restarting ${unit.name}`);
        this.#spawn(state);
        this.onRestart(unit.name);
      }, delay);
    });
  }

  /** Stops every unit (lowest `order` first), waiting for each group to exit. */
  async stop() {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    this.stopped = (async () => {
      const states = [...this.units.values()];
      for (const state of states) clearTimeout(state.timer);
      const orders = [...new Set(states.map((s) => s.unit.order ?? 0))].sort((a, b) => a - b);
      for (const order of orders) {
        await Promise.all(states.filter((s) => (s.unit.order ?? 0) === order).map((s) => this.#stopOne(s)));
      }
    })();
    return this.stopped;
  }

  async #stopOne(state) {
    const child = state.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(state.unit.stopSignal ?? 'SIGTERM');
    const timeoutMs = state.unit.stopTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      this.log(`[start] ${state.unit.name} did not stop within ${seconds(timeoutMs)}; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
