import { INTERVENTIONS_COMMANDS } from '@wfp/contracts';
import { ActContext } from '../../core/stage-kind';
import { InterventionsCommand, UNCONFIGURED } from '../acting';
import { createInterventionActor, interventionStage, InterventionInput } from './intervention.stage';

function context(): ActContext {
  return { instanceId: 'i1', stage: 1, attempt: 1, idempotencyKey: 'run-key', now: new Date(), signal: new AbortController().signal };
}

/**
 * The stage's own logic (shape, classification of the service's answers). The service side is
 * tested in apps/interventions (system-action.spec.ts) and end to end in e2e/src/workflows.
 */
describe('intervention stage', () => {
  const sent: Array<{ command: string; payload: Record<string, unknown> }> = [];
  let answer: () => ReturnType<InterventionsCommand>;
  const command: InterventionsCommand = (cmd, payload) => {
    sent.push({ command: cmd, payload });
    return answer();
  };
  const stage = { ...interventionStage, ...createInterventionActor({ ...UNCONFIGURED, interventions: command }) };
  const configured = { ...interventionStage, ...createInterventionActor({ ...UNCONFIGURED, interventions: command, interventionsActorUserId: '5f00000000000000000000b1' }) };
  beforeEach(() => (sent.length = 0));

  function resolved(spec: Record<string, unknown>): InterventionInput {
    const result = stage.resolve(spec);
    if (!result.ok) throw new Error(result.error);
    return result.input;
  }

  it('checks every action shape at create', () => {
    expect(stage.checkStructure({ id: '${intervention_id}', action: 'reassign', user_id: '${supervisor_id}' })).toBeUndefined();
    expect(stage.checkStructure({ id: 'x', action: 'categorize', category_ids: ['5f00000000000000000000c1'] })).toBeUndefined();
    expect(stage.checkStructure({ id: 'x', action: 'close' })).toBeUndefined();
    expect(stage.checkStructure({ id: 'x', action: 'set_custom_fields', custom_fields: { k: 'v', n: 1 } })).toBeUndefined();
    expect(stage.checkStructure({ action: 'close' })).toBe("intervention: 'id' is required");
    expect(stage.checkStructure({ id: 'x' })).toBe("intervention: 'action' is required");
    expect(stage.checkStructure({ id: 'x', action: 'delete' })).toMatch(/'action' must be one of reassign, categorize, close, set_custom_fields/);
    expect(stage.checkStructure({ id: 'x', action: 'reassign' })).toBe("intervention: 'user_id' is required");
    expect(stage.checkStructure({ id: 'x', action: 'categorize', category_ids: 'c1' })).toMatch(/array of category ids/);
    expect(stage.checkStructure({ id: 'x', action: 'set_custom_fields', custom_fields: { k: [] } })).toMatch(/custom field 'k'/);
    expect(stage.checkStructure({ id: 'x', action: 'close', user_id: 'u' })).toMatch(/'user_id' does not apply to action close/);
  });

  it('validates the interpolated action when reached', () => {
    expect(stage.resolve({ id: 'x', action: 'reassign', user_id: '' })).toEqual({ ok: false, error: "intervention: 'user_id' is required" });
    expect(stage.resolve({ id: '', action: 'close' })).toEqual({ ok: false, error: "intervention: 'id' is required" });
    expect(resolved({ id: 'x', action: 'close' })).toEqual({ id: 'x', action: 'close', retry: { attempts: 5, backoff: '1s', max_backoff: '1m0s' } });
  });

  it('sends the system action with the stage run key (and the configured actor)', async () => {
    answer = async () => ({ ok: true, data: { id: 'x', user_id: 'sup', status: 'Opened', closed: false, category_ids: [] } });
    const result = await stage.act(resolved({ id: 'x', action: 'reassign', user_id: 'sup' }), context());
    expect(result).toEqual({ type: 'succeeded', output: { id: 'x', user_id: 'sup', status: 'Opened', closed: false, category_ids: [] } });
    await configured.act(resolved({ id: 'x', action: 'set_custom_fields', custom_fields: { k: 'v' } }), context());
    expect(sent).toEqual([
      { command: INTERVENTIONS_COMMANDS.systemAction, payload: { id: 'x', action: 'reassign', user_id: 'sup', idempotency_key: 'run-key' } },
      {
        command: INTERVENTIONS_COMMANDS.systemAction,
        payload: { id: 'x', action: 'set_custom_fields', custom_field_values: { k: 'v' }, idempotency_key: 'run-key', actor_user_id: '5f00000000000000000000b1' },
      },
    ]);
  });

  it("fails at once on a rule's refusal; retries transport failures and conflicts", async () => {
    const input = resolved({ id: 'x', action: 'close' });
    for (const code of ['FORBIDDEN', 'NOT_FOUND', 'UNPROCESSABLE']) {
      answer = async () => ({ ok: false, error: { code, message: 'Intervention has no agent reply' } });
      expect(await stage.act(input, context())).toEqual({ type: 'fatal', error: 'Intervention has no agent reply' });
    }
    answer = async () => ({ ok: false, error: { code: 'CONFLICT', message: 'modified concurrently' } });
    expect(await stage.act(input, context())).toEqual({ type: 'retryable', error: 'CONFLICT: modified concurrently' });
    answer = () => Promise.reject(Object.assign(new Error('no reply within 5000 ms'), { name: 'ServiceUnavailableError' }));
    expect(await stage.act(input, context())).toEqual({ type: 'retryable', error: 'interventions service: no reply within 5000 ms' });
  });
});
