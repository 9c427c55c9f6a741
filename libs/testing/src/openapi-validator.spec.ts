import { OpenApiResponseValidator } from './openapi-validator';
import { itWithVendorSpec } from './vendor-conformance';

describe('OpenApiResponseValidator on the project documents', () => {
  it('accepts a conforming Formance v1 body and rejects a wrong one', async () => {
    const validator = await OpenApiResponseValidator.load('formance-v1');
    expect(validator.validate('get', '/_info', 200, { version: '1.0.0' })).toEqual([]);
    expect(validator.validate('get', '/_info', 200, { version: 1 })).not.toEqual([]);
    expect(validator.validate('get', '/_info', 200, {})).not.toEqual([]);
    expect(validator.validate('get', '/workflows', 404, { errorCode: 'NOT_FOUND', errorMessage: 'x' })).toEqual([]);
    expect(validator.seen).toHaveLength(4);
  });

  it('validates Solvimon bodies and component schemas', async () => {
    const validator = await OpenApiResponseValidator.load('solvimon');
    expect(validator.validateComponent('ApiError', { type: 'INVALID_REQUEST', code: 'UNAUTHORISED', message: 'no' })).toEqual([]);
    expect(validator.validateComponent('ApiError', { code: 5 })).not.toEqual([]);
  });

  it('names the operation the document lacks', async () => {
    const validator = await OpenApiResponseValidator.load('engage');
    expect(() => validator.assertValid('get', '/nowhere', 200, {})).toThrow('the spec has no operation GET /nowhere');
    expect(validator.declares('get', '/interventions', 200)).toBe(true);
    expect(validator.declares('get', '/nowhere', 200)).toBe(false);
  });

  it('loads the events document', async () => {
    const validator = await OpenApiResponseValidator.load('events');
    expect(validator.validate('post', '/api/events', 202, { id: 'e1', duplicate: false })).toEqual([]);
  });
});

describe('OpenApiResponseValidator on the vendor files (SPECS_DIR)', () => {
  itWithVendorSpec('formance-orchestration-v1.yaml')('reads an OpenAPI 3.0 file, bigint amounts included, silently', async () => {
    const warn = jest.spyOn(console, 'warn');
    const validator = await OpenApiResponseValidator.loadVendor('formance-orchestration-v1.yaml');
    expect(validator.validate('get', '/_info', 200, { version: '1.0.0' })).toEqual([]);
    expect(validator.validate('get', '/_info', 200, { version: 1 })).not.toEqual([]);
    // Compiling every operation's response schema: no "unknown format" warning.
    for (const template of ['/instances/{instanceID}/stages/{number}/history', '/instances/{instanceID}/history', '/workflows']) {
      validator.check('get', template, 200, {});
    }
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  itWithVendorSpec('solvimon-workflow-triggers.yaml')('reads an OpenAPI 3.1 file', async () => {
    const validator = await OpenApiResponseValidator.loadVendor('solvimon-workflow-triggers.yaml');
    expect(validator.validateComponent('ApiError', { type: 'INVALID_REQUEST', code: 'UNAUTHORISED', message: 'no' })).toEqual([]);
    expect(validator.validateComponent('ApiError', { code: 5 })).not.toEqual([]);
  });
});
