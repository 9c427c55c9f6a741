import { ActContext } from '../../core/stage-kind';
import { UNCONFIGURED } from '../acting';
import { FakeLedger } from '../../../../test/fake-ledger';
import { createSendActor, sendStage, SendInput } from './send.stage';

function context(key = 'run-1'): ActContext {
  return { instanceId: 'i1', stage: 0, attempt: 1, idempotencyKey: key, now: new Date(), signal: new AbortController().signal };
}

describe('send stage (against a fake Formance Ledger v2 API)', () => {
  const ledger = new FakeLedger();
  let stage: ReturnType<typeof createSendActor> & typeof sendStage;
  beforeAll(async () => {
    await ledger.start();
    stage = { ...sendStage, ...createSendActor({
      ...UNCONFIGURED,
      fetch,
      ledger: { baseUrl: ledger.url, clientId: FakeLedger.CLIENT_ID, clientSecret: FakeLedger.CLIENT_SECRET, timeoutMs: 5000 },
    }) };
  });
  afterAll(() => ledger.stop());

  function resolved(spec: Record<string, unknown>): SendInput {
    const result = stage.resolve(spec);
    if (!result.ok) throw new Error(result.error);
    return result.input;
  }
  const accounts = { source: { account: { id: 'users:1' } }, destination: { account: { id: 'merchants:2' } } };

  it('refuses wallets and payments at create (not supported) and checks the shape', () => {
    expect(stage.checkStructure({ ...accounts, amount: { asset: 'USD/2', amount: 100 } })).toBeUndefined();
    expect(stage.checkStructure({ source: { wallet: { id: 'w' } }, destination: accounts.destination, amount: { asset: 'USD', amount: 1 } })).toBe(
      'send: wallet sources are not supported (ledger accounts only; see docs/compatibility.md)',
    );
    expect(stage.checkStructure({ source: accounts.source, destination: { payment: { psp: 'stripe' } }, amount: { asset: 'USD', amount: 1 } })).toBe(
      'send: payment destinations are not supported (ledger accounts only; see docs/compatibility.md)',
    );
    expect(stage.checkStructure({ destination: accounts.destination, amount: { asset: 'USD', amount: 1 } })).toMatch(/'source' must be an object/);
    expect(stage.checkStructure({ ...accounts })).toMatch(/'amount' is required/);
    expect(stage.checkStructure({ ...accounts, amount: { asset: 'USD', amount: 'abc' } })).toMatch(/unable to parse 'abc'/);
    expect(stage.checkStructure({ ...accounts, amount: { asset: 'USD', amount: '${amount}' } })).toBeUndefined();
    expect(stage.checkStructure({ ...accounts, amount: { asset: 'usd', amount: 1 } })).toMatch(/invalid asset/);
    expect(stage.checkStructure({ ...accounts, amount: { asset: 'USD', amount: 1 }, timestamp: 'yesterday' })).toMatch(/invalid timestamp/);
    expect(stage.checkStructure({ ...accounts, amount: { asset: 'USD', amount: 1 }, metadata: { a: 1 } })).toMatch(/metadata/);
    expect(stage.checkStructure({ source: { account: { id: 'bad address!' } }, destination: accounts.destination, amount: { asset: 'USD', amount: 1 } })).toMatch(
      /invalid source.account.id/,
    );
  });

  it('resolves with the upstream defaults (ledger "default", throughAccount "world")', () => {
    expect(resolved({ ...accounts, amount: { asset: 'USD/2', amount: 100 } })).toEqual({
      source: { account: { id: 'users:1', ledger: 'default', throughAccount: 'world', allowOverdraft: false } },
      destination: { account: { id: 'merchants:2', ledger: 'default', throughAccount: 'world', allowOverdraft: false } },
      amount: { asset: 'USD/2', amount: '100' },
      metadata: {},
      retry: { attempts: 5, backoff: '1s', max_backoff: '1m0s' },
    });
  });

  it('posts one transaction with OAuth and the idempotency key; a retry with the same key never posts twice', async () => {
    const input = resolved({ ...accounts, amount: { asset: 'USD/2', amount: '123456789012345678901234567890' }, metadata: { order: 'o1' }, timestamp: '2026-01-01T00:00:00Z' });
    ledger.failNext(503, { errorCode: 'INTERNAL', errorMessage: 'try later' });
    expect(await stage.act(input, context('send-key'))).toEqual({ type: 'retryable', error: 'ledger: INTERNAL: try later' });
    const first = await stage.act(input, context('send-key'));
    const second = await stage.act(input, context('send-key'));
    expect(first).toEqual({ type: 'succeeded', output: { data: expect.objectContaining({ id: 0, reverted: false, metadata: { order: 'o1' } }) } });
    expect(second).toEqual(first);
    expect(ledger.transactions).toHaveLength(1);
    expect(ledger.requests.map((r) => [r.path, r.key, r.auth])).toEqual([
      ['/v2/default/transactions', 'send-key', 'Bearer token-1'],
      ['/v2/default/transactions', 'send-key', 'Bearer token-1'],
      ['/v2/default/transactions', 'send-key', 'Bearer token-1'],
    ]);
    expect(ledger.tokensIssued).toBe(1);
    // The amount travels as a JSON number of any size.
    expect(ledger.requests[1].raw).toContain('"amount":123456789012345678901234567890');
    expect(ledger.transactions[0].body).toMatchObject({
      postings: [{ source: 'users:1', destination: 'merchants:2', asset: 'USD/2' }],
      metadata: { order: 'o1' },
      timestamp: '2026-01-01T00:00:00.000Z',
    });
  });

  it('crosses ledgers through world with move-to/move-from metadata; overdraft uses Numscript', async () => {
    const before = ledger.transactions.length;
    const input = resolved({
      source: { account: { id: 'a', ledger: 'eu', allowOverdraft: true } },
      destination: { account: { id: 'b', ledger: 'us' } },
      amount: { asset: 'EUR', amount: 5 },
    });
    expect(await stage.act(input, context('cross'))).toEqual({
      type: 'succeeded',
      output: { data: expect.objectContaining({ id: before + 1 }), transactions: [{ ledger: 'eu', id: before }, { ledger: 'us', id: before + 1 }] },
    });
    const [out, into] = ledger.transactions.slice(before);
    expect(out.ledger).toBe('eu');
    expect(out.body).toMatchObject({ script: { plain: expect.stringContaining('source = @a allowing unbounded overdraft') }, metadata: { 'orchestration/move-to-ledger': 'us' } });
    expect(out.body.script).toMatchObject({ plain: expect.stringContaining('destination = @world') });
    expect(into).toMatchObject({ ledger: 'us', body: { postings: [{ source: 'world', destination: 'b', amount: 5, asset: 'EUR' }], metadata: { 'orchestration/move-from-ledger': 'eu' } } });
    expect(ledger.requests.slice(-2).map((r) => r.key)).toEqual(['cross:1', 'cross:2']);
    expect(stage.acting!.activity(input)).toMatchObject({ name: 'CreateTransaction', request: { ledger: 'eu', data: { metadata: { 'orchestration/move-to-ledger': 'us' } }, transactions: [{ ledger: 'eu' }, { ledger: 'us' }] } });
  });

  it("fails at once on the ledger's refusals; retries insufficient funds, 429 and refreshes a refused token", async () => {
    const input = resolved({ ...accounts, amount: { asset: 'USD', amount: 1 } });
    ledger.failNext(400, { errorCode: 'VALIDATION', errorMessage: 'bad posting' });
    expect(await stage.act(input, context('k-a'))).toEqual({ type: 'fatal', error: 'ledger: VALIDATION: bad posting' });
    ledger.failNext(400, { errorCode: 'INSUFFICIENT_FUND', errorMessage: 'balance too low' });
    expect(await stage.act(input, context('k-b'))).toEqual({ type: 'retryable', error: 'ledger: INSUFFICIENT_FUND: balance too low' });
    ledger.failNext(429);
    expect(await stage.act(input, context('k-c'))).toEqual({ type: 'retryable', error: 'ledger: HTTP 429' });
    ledger.failNext(401, { errorCode: 'AUTHENTICATION' });
    expect(await stage.act(input, context('k-d'))).toMatchObject({ type: 'retryable', error: expect.stringMatching(/HTTP 401/) });
    const tokens = ledger.tokensIssued;
    expect(await stage.act(input, context('k-d'))).toMatchObject({ type: 'succeeded' });
    expect(ledger.tokensIssued).toBe(tokens + 1);
  });

  it('never shows the client secret; wrong credentials and a missing ledger fail with a clear message', async () => {
    const wrong = { ...sendStage, ...createSendActor({ ...UNCONFIGURED, fetch, ledger: { baseUrl: ledger.url, clientId: 'x', clientSecret: 'nope-secret', timeoutMs: 5000 } }) };
    const input = resolved({ ...accounts, amount: { asset: 'USD', amount: 1 } });
    const result = await wrong.act(input, context('k-e'));
    expect(result).toEqual({ type: 'fatal', error: 'ledger authentication: HTTP 401 from the token endpoint (check the client credentials)' });
    expect(JSON.stringify(result)).not.toContain('nope-secret');
    const none = { ...sendStage, ...createSendActor({ ...UNCONFIGURED, fetch }) };
    expect(await none.act(input, context())).toEqual({ type: 'fatal', error: 'no ledger is configured (ORCHESTRATOR_LEDGER_URL)' });
  });
});
