/**
 * The injection token of THE stage registry (`ReadonlyMap<kind, StageKind>`), built once by
 * runtime/stages.module.ts with the configured dependencies.
 */
export const STAGE_REGISTRY = Symbol('STAGE_REGISTRY');
