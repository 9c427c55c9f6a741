import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventEnvelope, WAITING_STAGE_KINDS, WORKFLOW_EVENTS_APP } from '@wfp/contracts';
import { Clock, CLOCK } from '@wfp/platform';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { AdmissionService } from './admission.service';
import { markStages, releaseEnded } from './flow-store';

/**
 * What flow control learns from the orchestrator's lifecycle events on the bus:
 * - `SUCCEEDED_WORKFLOW` / `FAILED_WORKFLOW` (every end: success, failure, abort) free the
 *   instance's slots;
 * - `STARTED_WORKFLOW_STAGE` of a workflow some `hold: active` rule starts tells whether the
 *   instance now acts (its slots count) or waits (`delay`, `wait_event`, `wait_for_event`: they
 *   do not). The stage kind comes from the workflow's config (asked once per workflow and
 *   replica: a workflow's stages never change).
 * The triggers that got room admit their queued starts. A failure throws: the events are retried.
 */
@Injectable()
export class InstanceEvents {
  private readonly stageKinds = new Map<string, string[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    private readonly admission: AdmissionService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The ids of the events it applies to (to fail them together on an error). */
  relevant(envelopes: EventEnvelope[], activeHoldWorkflows: ReadonlySet<string>): EventEnvelope[] {
    return envelopes.filter(
      (e) =>
        e.app === WORKFLOW_EVENTS_APP &&
        typeof e.payload.instanceID === 'string' &&
        (e.type === 'SUCCEEDED_WORKFLOW' || e.type === 'FAILED_WORKFLOW' || (e.type === 'STARTED_WORKFLOW_STAGE' && activeHoldWorkflows.has(String(e.payload.id)))),
    );
  }

  async apply(events: EventEnvelope[]): Promise<void> {
    const ends = events.filter((e) => e.type !== 'STARTED_WORKFLOW_STAGE');
    const stages: Array<{ instanceId: string; workflowId: string; stage: number; active: boolean }> = [];
    for (const e of events.filter((x) => x.type === 'STARTED_WORKFLOW_STAGE')) {
      const stage = Number(e.payload.number);
      const kinds = await this.kindsOf(String(e.payload.id));
      stages.push({ instanceId: String(e.payload.instanceID), workflowId: String(e.payload.id), stage, active: !WAITING_STAGE_KINDS.includes(kinds[stage] ?? '') });
    }
    if (ends.length === 0 && stages.length === 0) return;
    const roomIn = await this.dataSource.transaction(async (m) => [
      ...(await releaseEnded(m, ends.map((e) => ({ instanceId: String(e.payload.instanceID), workflowId: String(e.payload.id) })), this.clock.now())),
      ...(await markStages(m, stages, this.clock.now())),
    ]);
    this.admission.kick(new Set(roomIn));
  }

  private async kindsOf(workflowId: string): Promise<string[]> {
    const cached = this.stageKinds.get(workflowId);
    if (cached) return cached;
    const reply = await this.orchestrator.getWorkflow(workflowId);
    if (!reply.ok) throw new Error(`workflow ${workflowId}: ${reply.error.code} ${reply.error.message}`);
    const kinds = reply.data.config.stages.map((stage) => Object.keys(stage)[0] ?? '');
    this.stageKinds.set(workflowId, kinds);
    return kinds;
  }
}
