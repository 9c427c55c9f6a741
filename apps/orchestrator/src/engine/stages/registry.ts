import { StageKind } from '../stage-kind';
import { noopStage } from './noop/noop.stage';
import { delayStage } from './delay/delay.stage';
import { waitEventStage } from './wait-event/wait-event.stage';

/** Every stage kind, registered in one place: add a folder and a line here for a new kind. */
export const STAGE_KINDS: ReadonlyMap<string, StageKind> = new Map(
  ([noopStage, delayStage, waitEventStage] as StageKind[]).map((kind) => [kind.kind, kind]),
);
