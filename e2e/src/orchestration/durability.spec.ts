import { SDK } from '@formance/formance-sdk';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { sdkFor } from './helpers';

describe('orchestrator durability (kill -9 and restart)', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'orch_kill',
      services: ['orchestrator', 'gateway'],
      env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    sdk = sdkFor(platform, false);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const instance = async (id: string) => (await sdk.orchestration.v1.getInstance({ instanceID: id })).getWorkflowInstanceResponse!.data;

  it('a delay interrupted by kill -9 ends at its original due time after restart', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ delay: { duration: '6s' } }, { noop: {} }] })).createWorkflowResponse!.data;
    const run = (await v1.runWorkflow({ workflowID: workflow.id })).runWorkflowResponse!.data;
    const started = await eventually(async () => (await instance(run.id)).status?.[0]);
    await platform.stopService('orchestrator', 'SIGKILL');
    await platform.startService('orchestrator');
    const done = await eventually(async () => ((await instance(run.id)).terminated ? instance(run.id) : undefined), { timeoutMs: 20_000 });
    expect(done.error).toBeUndefined();
    const due = started.startedAt.getTime() + 6000;
    const ended = done.status![0].terminatedAt!.getTime();
    expect(ended).toBeGreaterThanOrEqual(due);
    expect(ended - due).toBeLessThan(1500);
  }, 60_000);

  it('a wait_event interrupted by kill -9 is still completed by a later sendEvent', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ wait_event: { event: 'resume' } }] })).createWorkflowResponse!.data;
    const run = (await v1.runWorkflow({ workflowID: workflow.id })).runWorkflowResponse!.data;
    await eventually(async () => (await instance(run.id)).status?.length === 1);
    await platform.stopService('orchestrator', 'SIGKILL');
    await platform.startService('orchestrator');
    expect((await v1.sendEvent({ instanceID: run.id, requestBody: { name: 'resume' } })).statusCode).toBe(204);
    const done = await eventually(async () => ((await instance(run.id)).terminated ? instance(run.id) : undefined));
    expect(done.error).toBeUndefined();
  }, 60_000);
});
