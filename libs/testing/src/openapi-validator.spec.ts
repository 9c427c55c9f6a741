import { OpenApiResponseValidator } from './openapi-validator';

describe('OpenApiResponseValidator', () => {
  it('accepts a conforming Formance v1 body and rejects a wrong one (OpenAPI 3.0)', async () => {
    const validator = await OpenApiResponseValidator.load('formance-orchestration-v1.yaml');
    expect(validator.validate('get', '/_info', 200, { version: '1.0.0' })).toEqual([]);
    expect(validator.validate('get', '/_info', 200, { version: 1 })).not.toEqual([]);
    expect(validator.validate('get', '/_info', 200, {})).not.toEqual([]);
  });

  it('validates Solvimon bodies (OpenAPI 3.1) and component schemas', async () => {
    const validator = await OpenApiResponseValidator.load('solvimon-workflow-triggers.yaml');
    expect(validator.validateComponent('ApiError', { type: 'INVALID_REQUEST', code: 'UNAUTHORISED', message: 'no' })).toEqual([]);
    expect(validator.validateComponent('ApiError', { code: 5 })).not.toEqual([]);
  });

  it('names the operation the spec lacks', async () => {
    const validator = await OpenApiResponseValidator.load('engage-digital-interventions.yaml');
    expect(() => validator.assertValid('get', '/nowhere', 200, {})).toThrow('the spec has no operation GET /nowhere');
  });
});
