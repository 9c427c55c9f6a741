import { cancelOnFieldName, cancelOnSchema } from '@wfp/contracts';
import { compile, compileErrorMessage } from '@wfp/expressions';
import { StageDefinition } from './stage-kind';

/** The stage kinds by name (stages/registry.ts builds it once; the core only reads it). */
export type StageRegistry = ReadonlyMap<string, StageDefinition>;

/** A stage of a config: its single key (the kind) and its spec. */
export function decodeStage(registry: StageRegistry, stage: unknown): { kind: StageDefinition; spec: Record<string, unknown> } | { error: string } {
  if (stage === null || typeof stage !== 'object' || Array.isArray(stage)) return { error: 'a stage must be an object' };
  const keys = Object.keys(stage);
  if (keys.length === 0) return { error: 'empty specification' };
  if (keys.length > 1) return { error: 'a specification should have only one name' };
  const kind = registry.get(keys[0]);
  if (!kind) return { error: `unable to resolve schema ${keys[0]}` };
  const spec = (stage as Record<string, unknown>)[keys[0]];
  if (spec === null || spec === undefined) return { kind, spec: {} };
  if (typeof spec !== 'object' || Array.isArray(spec)) return { error: `${keys[0]}: the stage must be an object` };
  return { kind, spec: spec as Record<string, unknown> };
}

/**
 * Structural validation at create: `{name?: string, stages?: [{<kind>: {...}}]}`. Returns the
 * normalised config to store (stages `[]` when absent) or an error message.
 */
export function checkWorkflowConfig(registry: StageRegistry, config: unknown): { ok: true; config: Record<string, unknown> } | { ok: false; error: string } {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return { ok: false, error: 'the workflow config must be an object' };
  }
  const value = { ...(config as Record<string, unknown>) };
  if (value.name !== undefined && value.name !== null && typeof value.name !== 'string') {
    return { ok: false, error: "'name' must be a string" };
  }
  if (value.stages === undefined || value.stages === null) value.stages = [];
  if (!Array.isArray(value.stages)) return { ok: false, error: "'stages' must be an array" };
  for (const [index, stage] of (value.stages as unknown[]).entries()) {
    const decoded = decodeStage(registry, stage);
    if ('error' in decoded) return { ok: false, error: `stage ${index}: ${decoded.error}` };
    const problem = decoded.kind.checkStructure(decoded.spec);
    if (problem) return { ok: false, error: `stage ${index}: ${problem}` };
  }
  if (value.cancel_on !== undefined) {
    const problem = cancelOnProblem(value.cancel_on);
    if (problem) return { ok: false, error: problem };
  }
  return { ok: true, config: value };
}

/** Why a `cancel_on` value is refused (the field named, e.g. `cancel_on[0].within: …`), or undefined. */
export function cancelOnProblem(cancelOn: unknown): string | undefined {
  const parsed = cancelOnSchema.safeParse(cancelOn);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${cancelOnFieldName(issue.path)}: ${issue.message}`;
  }
  for (const [index, matcher] of parsed.data.entries()) {
    if (!matcher.if) continue;
    try {
      compile(matcher.if);
    } catch (error) {
      return `cancel_on[${index}].if: ${compileErrorMessage(matcher.if, error)}`;
    }
  }
  return undefined;
}

/** Replaces every `${name}` in every string leaf (not keys); a missing variable becomes "". */
export function interpolate(value: unknown, variables: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([^}]+)\}/g, (_, name: string) => variables[name] ?? '');
  if (Array.isArray(value)) return value.map((item) => interpolate(item, variables));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, variables)]));
  }
  return value;
}

/** A stage reached at run time: decoded, interpolated and resolved (or why not). */
export type CheckedStage =
  | { ok: true; kind: string; definition: StageDefinition; input: Record<string, unknown> }
  | { ok: false; kind: string; error: string };

export function checkedStage(registry: StageRegistry, stage: unknown, variables: Record<string, string>): CheckedStage {
  const decoded = decodeStage(registry, interpolate(stage, variables));
  if ('error' in decoded) {
    const kind = stage && typeof stage === 'object' ? Object.keys(stage)[0] ?? 'unknown' : 'unknown';
    return { ok: false, kind, error: decoded.error };
  }
  let resolved;
  try {
    resolved = decoded.kind.resolve(decoded.spec);
  } catch (error) {
    resolved = { ok: false as const, error: `${decoded.kind.kind}: ${(error as Error).message}` };
  }
  if (!resolved.ok) return { ok: false, kind: decoded.kind.kind, error: resolved.error };
  return { ok: true, kind: decoded.kind.kind, definition: decoded.kind, input: resolved.input };
}
