import { fail, ok, Reply, ReplyError } from '@wfp/contracts';
import { InstanceSnapshot, Transition } from '../core/transition';
import { InstanceLoader } from '../store/load-instances';
import { EngineTransaction } from '../store/unit-of-work';

/**
 * One command over many instances in a transaction the caller owns (an API call: one id; a bulk
 * job's chunk: many): the one loader locks and loads them, `command` decides each (a transition to
 * commit, or why not), the transitions are written in one statement. A reply per id.
 */
export async function applyMany(
  tx: EngineTransaction,
  loader: InstanceLoader,
  ids: readonly string[],
  command: (instance: InstanceSnapshot) => Transition | ReplyError,
  /** Reads what `command` needs beyond the snapshot, once the locks are held. */
  afterLock?: (locked: readonly string[]) => Promise<void>,
): Promise<Map<string, Reply<Record<string, never>>>> {
  const instances = await loader.lockAndLoad(tx.client, ids);
  if (afterLock) await afterLock([...instances.keys()]);
  const replies = new Map<string, Reply<Record<string, never>>>();
  const batch: Transition[] = [];
  for (const id of ids) {
    const instance = instances.get(id);
    const decided = instance ? command(instance) : undefined;
    if (!decided) replies.set(id, fail('NOT_FOUND', `instance ${id} not found`));
    else if (decided instanceof Transition) {
      batch.push(decided);
      replies.set(id, ok({}));
    } else replies.set(id, { ok: false, error: decided });
  }
  await tx.write(batch);
  return replies;
}
