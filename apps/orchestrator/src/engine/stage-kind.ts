/** What a stage does when it starts. */
export type StageOutcome =
  | { type: 'done' }
  | { type: 'failed'; error: string }
  /** Complete the stage at `until` (a durable timer). */
  | { type: 'sleep'; until: Date }
  /** Complete the stage when an event named `event` is sent to the instance. */
  | { type: 'wait'; event: string };

export type Resolved<T> = { ok: true; input: T } | { ok: false; error: string };

/**
 * A stage kind (plug-in): its structural check at workflow creation, its resolution and full
 * validation when reached (after variable interpolation), and what starting it does.
 */
export interface StageKind<T extends Record<string, unknown> = Record<string, unknown>> {
  /** The key in the workflow config, e.g. `wait_event`. */
  readonly kind: string;
  /** Structural check of the stage's (uninterpolated) spec; returns an error message or undefined. */
  checkStructure(spec: Record<string, unknown>): string | undefined;
  /** Full validation once variables are interpolated; `input` is what /history shows. */
  resolve(spec: Record<string, unknown>): Resolved<T>;
  start(input: T, context: { now: Date }): StageOutcome;
}

/** `RunDelay` for `delay`, `RunWaitEvent` for `wait_event` (Formance's history names). */
export function historyName(kind: string): string {
  return 'Run' + kind.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** True when a string still contains a `${...}` placeholder (checked only at run time). */
export function isTemplated(value: string): boolean {
  return /\$\{[^}]+\}/.test(value);
}
