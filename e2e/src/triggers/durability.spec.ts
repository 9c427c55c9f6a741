import { SDK } from '@formance/formance-sdk';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { Bus, CLIENT_ID, CLIENT_SECRET, sdkFor } from './helpers';

describe('trigger matching survives restarts and orchestrator outages', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;
  let bus: Bus;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'trg_durable',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    sdk = sdkFor(platform);
    bus = await Bus.connect(platform.namespace);
  }, 90_000);

  afterAll(async () => {
    await bus?.close();
    await platform?.stop();
  });

  const occurrencesOf = async (triggerId: string) =>
    (await sdk.orchestration.v1.listTriggersOccurrences({ triggerID: triggerId })).listTriggersOccurrencesResponse!.data;

  it('matches events published while the triggers service was down, once', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ noop: {} }] })).createWorkflowResponse!.data;
    const trigger = (await v1.createTrigger({ event: 'while.down', workflowID: workflow.id })).createTriggerResponse!.data;
    await platform.stopService('triggers', 'SIGKILL');
    const envelope = bus.envelope('tests', 'v1', 'while.down', { n: 1 });
    await bus.publish(envelope);
    await platform.startService('triggers');
    const list = await eventually(async () => {
      const found = await occurrencesOf(trigger.id);
      return found.length ? found : undefined;
    }, { what: 'the occurrence after the restart', timeoutMs: 20_000 });
    expect(list).toHaveLength(1);
    expect(list[0].workflowInstanceID).toBeDefined();
  }, 60_000);

  it('retries while the orchestrator is down and starts the workflow once it is back', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ noop: {} }] })).createWorkflowResponse!.data;
    const trigger = (await v1.createTrigger({ event: 'orchestrator.down', workflowID: workflow.id })).createTriggerResponse!.data;
    await platform.stopService('orchestrator', 'SIGKILL');
    await bus.publish(bus.envelope('tests', 'v1', 'orchestrator.down', { n: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await occurrencesOf(trigger.id)).toEqual([]);
    await platform.startService('orchestrator');
    const list = await eventually(async () => {
      const found = await occurrencesOf(trigger.id);
      return found.length ? found : undefined;
    }, { what: 'the occurrence after the orchestrator came back', timeoutMs: 45_000, intervalMs: 200 });
    expect(list).toHaveLength(1);
    const runs = (await v1.listInstances({ workflowID: workflow.id })).listRunsResponse!.data;
    expect(runs.map((r) => r.id)).toEqual([list[0].workflowInstanceID]);
  }, 90_000);
});
