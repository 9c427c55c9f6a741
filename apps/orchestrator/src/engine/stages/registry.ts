import { StageActor, StageDefinition } from '../core/stage-kind';
import { StageDependencies, UNCONFIGURED } from './acting';
import { LedgerClient } from './ledger-client';
import { noopStage } from './noop/noop.stage';
import { delayStage } from './delay/delay.stage';
import { waitEventStage } from './wait-event/wait-event.stage';
import { waitForEventStage } from './wait-for-event/wait-for-event.stage';
import { waitForEventsStage } from './wait-for-events/wait-for-events.stage';
import { publishStage } from './publish/publish.stage';
import { createHttpActor, httpStage } from './http/http.stage';
import { createInterventionActor, interventionStage } from './intervention/intervention.stage';
import { createSendActor, sendStage } from './send/send.stage';
import { createUpdateActor, updateStage } from './update/update.stage';

/**
 * Every stage kind, registered in one place: add a folder and a line here for a new kind.
 * Definitions are pure and registered once; actors (the acting kinds' `act`) are built by the
 * runtime with their dependencies (HTTP, the interventions service, the ledger) and looked up by
 * kind name.
 */
export const STAGE_DEFINITIONS: ReadonlyMap<string, StageDefinition> = new Map(
  ([noopStage, delayStage, waitEventStage, waitForEventStage, waitForEventsStage, publishStage, httpStage, interventionStage, sendStage, updateStage] as unknown as StageDefinition[]).map(
    (definition) => [definition.kind, definition],
  ),
);

/** The acting kinds' actors with `deps` (unconfigured ones reject every call). */
export function buildStageActors(deps: StageDependencies = UNCONFIGURED): ReadonlyMap<string, StageActor> {
  const ledger = new LedgerClient(deps.ledger, deps.fetch);
  const actors = [createHttpActor(deps), createInterventionActor(deps), createSendActor(deps, ledger), createUpdateActor(deps, ledger)] as unknown as StageActor[];
  return new Map(actors.map((actor) => [actor.kind, actor]));
}
