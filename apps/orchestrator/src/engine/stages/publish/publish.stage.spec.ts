import { checkWorkflowConfig, decodeStage, interpolate } from '../../core/stage-resolution';
import { STAGE_DEFINITIONS } from '../registry';

const registry = STAGE_DEFINITIONS;
import { publishStage } from './publish.stage';

describe('publish stage', () => {
  it('checks the structure at create', () => {
    expect(publishStage.checkStructure({ type: 'escalation.created', payload: { id: '${intervention_id}' } })).toBeUndefined();
    expect(publishStage.checkStructure({ type: '${event_type}' })).toBeUndefined();
    expect(publishStage.checkStructure({})).toBe("publish: 'type' is required");
    expect(publishStage.checkStructure({ type: 'bad type' })).toMatch(/invalid event type 'bad type'/);
    expect(publishStage.checkStructure({ type: 'a..b' })).toMatch(/invalid event type/);
    expect(publishStage.checkStructure({ type: 'SUCCEEDED_WORKFLOW' })).toMatch(/lifecycle event/);
    expect(publishStage.checkStructure({ type: 'x', payload: [1] })).toBe("publish: 'payload' must be an object");
    expect(publishStage.checkStructure({ type: 'x', data: {} })).toMatch(/unknown field 'data'/);
  });

  it('emits the interpolated payload (every string leaf, nested too)', () => {
    const stage = { publish: { type: 'escalation.created', payload: { intervention_id: '${id}', nested: { who: 'sup ${sup}' }, n: 3, list: ['${id}'] } } };
    expect(checkWorkflowConfig(registry, { stages: [stage] })).toMatchObject({ ok: true });
    const decoded = decodeStage(registry, interpolate(stage, { id: 'i1', sup: 's1' }));
    if ('error' in decoded) throw new Error(decoded.error);
    const resolved = decoded.kind.resolve(decoded.spec);
    if (!resolved.ok) throw new Error(resolved.error);
    expect(decoded.kind.start(resolved.input, { now: new Date(), instanceId: 'i', stage: 0, variables: {} })).toEqual({
      type: 'emit',
      event: { type: 'escalation.created', payload: { intervention_id: 'i1', nested: { who: 'sup s1' }, n: 3, list: ['i1'] } },
    });
  });

  it('validates the interpolated type when reached', () => {
    expect(publishStage.resolve({ type: '' })).toEqual({ ok: false, error: "publish: 'type' is required" });
    expect(publishStage.resolve({ type: 'has space' })).toMatchObject({ ok: false });
    expect(publishStage.resolve({ type: 'ok.type' })).toEqual({ ok: true, input: { type: 'ok.type', payload: {} } });
  });
});
