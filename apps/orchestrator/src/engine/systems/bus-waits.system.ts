import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import { EventEnvelope } from '@wfp/contracts';
import { CLOCK, Clock, EventPublisher } from '@wfp/platform';
import { advance } from '../advance';
import { BusWaitCompleter } from '../bus-waits/bus-wait.consumer';
import { MatchedWait } from '../bus-waits/bus-wait-matcher';
import { run, sql } from '../db/engine-db';
import { writeTransitions } from '../db/write-transitions';
import { EngineWakeup } from '../engine-wakeup';
import { applyBusEvent } from '../outcomes/bus-wait-end';
import { Transition } from '../transition';
import { WorkflowsSystem } from './workflows.system';

const SQL = {
  instance: sql<{
    workflow_id: string;
    variables: Record<string, string>;
    created_at: Date;
    chain_depth: number;
    terminated: boolean;
    buffered: Array<{ id: string; name: string }> | null;
  }>(
    'bus-waits.instance',
    `SELECT i.workflow_id, i.variables, i.created_at, i.chain_depth, i.terminated,
            (SELECT json_agg(json_build_object('id', b.id::text, 'name', b.name) ORDER BY b.id)
               FROM orchestrator.buffered_events b WHERE b.instance_id = i.id) AS buffered
       FROM orchestrator.instances i WHERE i.id = $1`,
  ),
};

/**
 * Bus waits: completes a `wait_for_event` stage whose event the bus-wait consumer matched (and
 * claimed), in the consumer's inbox transaction — `on_event: continue` goes on inline (the
 * payload saved under `save_as`), `succeed` ends the instance successfully; the deadline's timer
 * goes with the stage.
 */
@Injectable()
export class BusWaitsSystem implements BusWaitCompleter {
  constructor(
    private readonly workflows: WorkflowsSystem,
    private readonly publisher: EventPublisher,
    private readonly wakeup: EngineWakeup,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async completeBusWait(manager: EntityManager, matched: MatchedWait, envelope: EventEnvelope): Promise<void> {
    // The consumer's transaction runs on TypeORM's pg connection: the engine writes through it.
    const client = (manager.queryRunner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const [row] = await run(client, SQL.instance, [matched.wait.instance_id]);
    if (!row || row.terminated) return;
    const stages = await this.workflows.stagesOf(client, [row.workflow_id]);
    const t = new Transition(
      {
        id: matched.wait.instance_id,
        workflowId: row.workflow_id,
        stages: stages.get(row.workflow_id) ?? [],
        variables: row.variables,
        createdAt: row.created_at,
        buffered: row.buffered ? [...row.buffered] : [],
        chainDepth: row.chain_depth,
      },
      this.clock.now(),
      false,
    );
    const next = applyBusEvent(t, matched.wait.stage, matched.wait.on_event, envelope.payload);
    if (next) advance(t, next);
    await writeTransitions(client, [t]);
  }

  afterBusWaitsCommitted(): void {
    this.publisher.flush();
    this.wakeup.wake();
  }
}
