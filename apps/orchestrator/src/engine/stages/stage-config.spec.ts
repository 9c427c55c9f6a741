import { loadOrchestratorConfig } from '../../config';

describe('acting stages configuration', () => {
  it('defaults: any host, the built-in system actor, no ledger', () => {
    const config = loadOrchestratorConfig({});
    expect(config.ORCHESTRATOR_HTTP_ALLOWED_HOSTS).toBeUndefined();
    expect(config.ORCHESTRATOR_INTERVENTIONS_ACTOR_ID).toBeUndefined();
    expect(config.ORCHESTRATOR_LEDGER_URL).toBeUndefined();
    expect(config.ORCHESTRATOR_LEDGER_TIMEOUT_MS).toBe(10_000);
  });

  it('parses the allow-list and the ledger settings; names the bad variable', () => {
    const config = loadOrchestratorConfig({
      ORCHESTRATOR_HTTP_ALLOWED_HOSTS: 'hooks.example.com, *.internal.example.com',
      ORCHESTRATOR_LEDGER_URL: 'https://ledger.example.com',
      ORCHESTRATOR_LEDGER_CLIENT_ID: 'orchestrator',
      ORCHESTRATOR_LEDGER_CLIENT_SECRET: 'secret',
    });
    expect(config.ORCHESTRATOR_HTTP_ALLOWED_HOSTS).toEqual(['hooks.example.com', '*.internal.example.com']);
    expect(config.ORCHESTRATOR_LEDGER_URL).toBe('https://ledger.example.com');
    expect(() => loadOrchestratorConfig({ ORCHESTRATOR_INTERVENTIONS_ACTOR_ID: 'bob' })).toThrow(/ORCHESTRATOR_INTERVENTIONS_ACTOR_ID: must be a 24-hex user id/);
    expect(() => loadOrchestratorConfig({ ORCHESTRATOR_LEDGER_URL: 'ftp://x' })).toThrow(/ORCHESTRATOR_LEDGER_URL/);
  });
});
