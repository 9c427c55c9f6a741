import { StageKind } from '../core/stage-kind';
import { StageDependencies, UNCONFIGURED } from './acting';
import { LedgerClient } from './ledger-client';
import { noopStage } from './noop/noop.stage';
import { delayStage } from './delay/delay.stage';
import { waitEventStage } from './wait-event/wait-event.stage';
import { waitForEventStage } from './wait-for-event/wait-for-event.stage';
import { publishStage } from './publish/publish.stage';
import { createHttpStage } from './http/http.stage';
import { createInterventionStage } from './intervention/intervention.stage';
import { createSendStage } from './send/send.stage';
import { createUpdateStage } from './update/update.stage';

/**
 * Every stage kind, registered in one place: add a folder and a line here for a new kind.
 * Acting kinds take their dependencies (HTTP, the interventions service, the ledger) for `act`;
 * the runtime builds the registry once with its configured ones (runtime/stages.module.ts), pure
 * tests with none (`act` then rejects).
 */
export function buildStageKinds(deps: StageDependencies = UNCONFIGURED): ReadonlyMap<string, StageKind> {
  const ledger = new LedgerClient(deps.ledger, deps.fetch);
  const kinds = [
    noopStage,
    delayStage,
    waitEventStage,
    waitForEventStage,
    publishStage,
    createHttpStage(deps),
    createInterventionStage(deps),
    createSendStage(deps, ledger),
    createUpdateStage(deps, ledger),
  ] as unknown as StageKind[];
  return new Map(kinds.map((kind) => [kind.kind, kind]));
}
