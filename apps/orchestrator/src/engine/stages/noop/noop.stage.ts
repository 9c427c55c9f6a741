import { StageDefinition } from '../../core/stage-kind';

/** `noop`: does nothing and succeeds (used by upstream tests and benchmarks). */
export const noopStage: StageDefinition = {
  kind: 'noop',
  checkStructure: () => undefined,
  resolve: () => ({ ok: true, input: {} }),
  start: () => ({ type: 'done' }),
};
