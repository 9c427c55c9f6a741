/**
 * Injection tokens of the stage kinds, provided once by runtime/stages.module.ts:
 * `STAGE_REGISTRY` — the definitions (`ReadonlyMap<kind, StageDefinition>`, pure);
 * `STAGE_ACTORS` — the acting kinds' actors with their configured dependencies.
 */
export const STAGE_REGISTRY = Symbol('STAGE_REGISTRY');
export const STAGE_ACTORS = Symbol('STAGE_ACTORS');
