import { ActContext } from '../../core/stage-kind';
import { UNCONFIGURED } from '../acting';
import { FakeLedger } from '../../../../test/fake-ledger';
import { createUpdateActor, updateStage, UpdateInput } from './update.stage';

function context(key: string): ActContext {
  return { instanceId: 'i1', stage: 0, attempt: 1, idempotencyKey: key, now: new Date(), signal: new AbortController().signal };
}

describe('update stage (against a fake Formance Ledger v2 API)', () => {
  const ledger = new FakeLedger();
  let stage: ReturnType<typeof createUpdateActor> & typeof updateStage;
  beforeAll(async () => {
    await ledger.start();
    stage = { ...updateStage, ...createUpdateActor({
      ...UNCONFIGURED,
      fetch,
      ledger: { baseUrl: ledger.url, clientId: FakeLedger.CLIENT_ID, clientSecret: FakeLedger.CLIENT_SECRET, timeoutMs: 5000 },
    }) };
  });
  afterAll(() => ledger.stop());

  function resolved(spec: Record<string, unknown>): UpdateInput {
    const result = stage.resolve(spec);
    if (!result.ok) throw new Error(result.error);
    return result.input;
  }

  it('checks the shape at create', () => {
    expect(stage.checkStructure({ account: { id: 'users:${id}', metadata: { tier: '${tier}' } } })).toBeUndefined();
    expect(stage.checkStructure({})).toMatch(/'account' is required/);
    expect(stage.checkStructure({ account: { id: 'a' } })).toMatch(/'account.metadata' is required/);
    expect(stage.checkStructure({ account: { id: 'a', metadata: { n: 1 } } })).toMatch(/object of strings/);
    expect(stage.checkStructure({ account: { id: 'a b', metadata: {} } })).toMatch(/invalid account id/);
    expect(stage.checkStructure({ account: { id: 'a', ledger: 'bad/ledger', metadata: {} } })).toMatch(/invalid ledger/);
  });

  it('adds account metadata on ledger "main" by default, idempotently', async () => {
    const input = resolved({ account: { id: 'users:1', metadata: { tier: 'gold' } } });
    expect(input).toEqual({ account: { id: 'users:1', ledger: 'main', metadata: { tier: 'gold' } }, retry: { attempts: 5, backoff: '1s', max_backoff: '1m0s' } });
    ledger.failNext(502);
    expect(await stage.act(input, context('u1'))).toEqual({ type: 'retryable', error: 'ledger: HTTP 502' });
    expect(await stage.act(input, context('u1'))).toEqual({ type: 'succeeded', output: {} });
    expect(ledger.metadata.get('main/users:1')).toEqual({ tier: 'gold' });
    expect(ledger.requests.map((r) => [r.path, r.key])).toEqual([
      ['/v2/main/accounts/users%3A1/metadata', 'u1'],
      ['/v2/main/accounts/users%3A1/metadata', 'u1'],
    ]);
    expect(stage.acting!.activity(input)).toEqual({ name: 'AddAccountMetadata', request: { id: 'users:1', ledger: 'main', metadata: { tier: 'gold' } } });
  });
});
