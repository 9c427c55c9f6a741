import {
  COMMANDS,
  commandSubject,
  eventEnvelopeSchema,
  eventsStreamName,
  eventSubject,
  fail,
  healthReplyDataSchema,
  infoReplyDataSchema,
  natsNamespaceSchema,
  ok,
  queueGroup,
  replySchema,
  startInstanceRequestSchema,
} from './index';

const validEnvelope = {
  id: '8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11',
  idempotency_key: 'intervention-42-opened',
  date: '2026-11-23T10:00:00Z',
  app: 'interventions',
  version: 'v1',
  type: 'intervention.opened',
  payload: { id: '42', source_id: 'abc' },
};

describe('event envelope', () => {
  it('accepts a complete envelope', () => {
    expect(eventEnvelopeSchema.parse(validEnvelope)).toEqual(validEnvelope);
  });

  it.each([
    ['id', { id: '' }],
    ['date', { date: 'yesterday' }],
    ['app with a dot', { app: 'inter.ventions' }],
    ['type with a wildcard', { type: 'intervention.*' }],
    ['type with spaces', { type: 'intervention opened' }],
    ['payload not an object', { payload: 'hello' }],
    ['version missing', { version: undefined }],
  ])('rejects an invalid %s', (_, change) => {
    expect(eventEnvelopeSchema.safeParse({ ...validEnvelope, ...change }).success).toBe(false);
  });
});

describe('replies', () => {
  const schema = replySchema(infoReplyDataSchema);

  it('accepts ok and error replies', () => {
    expect(schema.parse(ok({ version: '1.2.3' }))).toEqual({ ok: true, data: { version: '1.2.3' } });
    expect(schema.parse(fail('NOT_FOUND', 'no such workflow', { id: 'x' }))).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no such workflow', details: { id: 'x' } },
    });
  });

  it('rejects data that does not match, unknown error codes and a bare value', () => {
    expect(schema.safeParse({ ok: true, data: { version: 3 } }).success).toBe(false);
    expect(schema.safeParse({ ok: false, error: { code: 'TEAPOT', message: 'x' } }).success).toBe(false);
    expect(schema.safeParse({ version: '1.2.3' }).success).toBe(false);
  });

  it('validates health replies', () => {
    const health = { service: 'triggers', version: '0.1.0', status: 'up', dependencies: { postgres: { status: 'up' } } };
    expect(healthReplyDataSchema.parse(health)).toEqual(health);
    expect(healthReplyDataSchema.safeParse({ ...health, status: 'sideways' }).success).toBe(false);
  });
});

describe('commands', () => {
  it('start instance: variables must be strings, the key is optional', () => {
    expect(startInstanceRequestSchema.parse({ workflowId: 'w1' })).toEqual({ workflowId: 'w1', variables: {} });
    expect(startInstanceRequestSchema.safeParse({ workflowId: 'w1', variables: { n: 1 } }).success).toBe(false);
    expect(startInstanceRequestSchema.safeParse({ workflowId: 'w1', idempotencyKey: '' }).success).toBe(false);
  });
});

describe('subjects', () => {
  it('versions every command name and prefixes it with the namespace on the wire', () => {
    for (const service of Object.values(COMMANDS)) {
      for (const name of Object.values(service)) expect(name).toMatch(/^[a-z]+\.v\d+\.[a-zA-Z.-]+$/);
    }
    expect(commandSubject('prod', COMMANDS.orchestrator.info)).toBe('prod.orchestrator.v1.info');
    expect(queueGroup('prod', 'orchestrator')).toBe('prod.orchestrator');
  });

  it('puts events under <namespace>.events.<app>.<version>.<type> in one stream per namespace', () => {
    expect(eventSubject('prod', 'interventions', 'v1', 'intervention.opened')).toBe(
      'prod.events.interventions.v1.intervention.opened',
    );
    expect(eventsStreamName('prod')).toBe('prod_EVENTS');
  });

  it('accepts namespaces that are one subject token only', () => {
    expect(natsNamespaceSchema.safeParse('t_run-1').success).toBe(true);
    expect(natsNamespaceSchema.safeParse('a.b').success).toBe(false);
    expect(natsNamespaceSchema.safeParse('a>').success).toBe(false);
    expect(natsNamespaceSchema.safeParse('').success).toBe(false);
  });
});
