import { z } from 'zod';
import { triggerIdRequestSchema } from './formance';

/**
 * flowState (`triggers.v1.triggers.flow-state`, extension): a trigger's flow-control state now —
 * per slot key the starts holding a slot and per queue key the starts waiting — read from the
 * triggers service's flow tables (docs/triggers.md#flow-control-policy).
 */
export const flowStateRequestSchema = triggerIdRequestSchema;
export type FlowStateRequest = z.infer<typeof flowStateRequestSchema>;

export const flowSlotKeySchema = z.object({
  /** Index of the `concurrency` rule; `-1` is the `singleton` slot. */
  rule: z.number().int(),
  /** The evaluated key (empty: the rule has no key, one bucket). */
  key: z.string(),
  /** Admitted starts holding a slot (instance running, or being started). */
  running: z.number().int(),
  /** Of those, the ones counted as acting (`hold: active`). */
  active: z.number().int(),
  /** Starts waiting in the queue whose key for this rule is `key`. */
  queued: z.number().int(),
  /**
   * `workflow`: the rule's slots are shared with the workflow's other triggers declaring the same
   * rule — `running`, `active` and `queued` then count every trigger sharing them (absent: the
   * trigger's own slots).
   */
  scope: z.literal('workflow').optional(),
});
export type FlowSlotKey = z.infer<typeof flowSlotKeySchema>;

export const flowQueueKeySchema = z.object({
  /** The admission key (first concurrency key, else the throttle key; empty: one bucket). */
  key: z.string(),
  /** Waiting for admission (concurrency, throttle) or for a debounce period. */
  queued: z.number().int(),
  /** Admitted, their instance being started. */
  starting: z.number().int(),
});
export type FlowQueueKey = z.infer<typeof flowQueueKeySchema>;

export const triggerFlowStateSchema = z.object({
  triggerID: z.string(),
  /** Per (rule, key): running and queued counts; keys with nothing running or queued are absent. */
  slots: z.array(flowSlotKeySchema),
  /** Per admission key: queued and starting counts. */
  queues: z.array(flowQueueKeySchema),
});
export type TriggerFlowState = z.infer<typeof triggerFlowStateSchema>;
