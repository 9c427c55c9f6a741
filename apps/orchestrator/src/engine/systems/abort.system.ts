import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { abortInstance } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { InstanceLoader } from '../store/load-instances';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';
import { ActSystem } from './act.system';
import { applyMany } from './apply-many';

/**
 * Abort: a running instance and its open stage end with error "canceled", in one transaction
 * that also deletes its pending timer (a sleep, a retry, a lease), its waits and its buffered
 * events. Aborting a terminated instance is a VALIDATION error. A call in flight is aborted.
 */
@Injectable()
export class AbortSystem {
  constructor(
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    private readonly acts: ActSystem,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async abort(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const reply = await this.unit.transaction((tx) => this.abortIn(tx, id));
    if (reply.ok) this.cancelCall(id);
    return reply;
  }

  /** Abort inside a transaction the caller owns. */
  async abortIn(tx: EngineTransaction, id: string): Promise<Reply<Record<string, never>>> {
    return (await this.abortManyIn(tx, [id])).get(id)!;
  }

  /**
   * Aborts many instances in a transaction the caller owns (a bulk job's chunk): one load, one
   * write; a reply per id. Call `cancelCall` for each aborted one once it committed.
   */
  async abortManyIn(tx: EngineTransaction, ids: readonly string[]): Promise<Map<string, Reply<Record<string, never>>>> {
    const now = this.clock.now();
    return applyMany(tx, this.loader, ids, (instance) => {
      const t = abortInstance(instance, now, this.registry);
      return t === 'terminated' ? { code: 'VALIDATION', message: `instance ${instance.id} is already terminated` } : t;
    });
  }

  /** Aborts the instance's call in flight, if any (its result is only recorded in history). */
  cancelCall(id: string): void {
    this.acts.cancel(id);
  }
}
