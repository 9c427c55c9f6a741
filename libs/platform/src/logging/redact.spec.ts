import { redactSecrets, redactText, redactUrl } from './redact';

describe('log redaction', () => {
  it('redacts credential query parameters of a URL, whatever their spelling', () => {
    expect(redactUrl('/1.0/interventions?access_token=abc&limit=5')).toBe('/1.0/interventions?access_token=[REDACTED]&limit=5');
    expect(redactUrl('/x?access_token%5B%5D=abc&client_secret=s&password=p&q=1')).toBe(
      '/x?access_token%5B%5D=[REDACTED]&client_secret=[REDACTED]&password=[REDACTED]&q=1',
    );
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });

  it('redacts values under secret keys in bodies and headers, and secrets inside strings', () => {
    expect(
      redactSecrets({
        headers: { authorization: 'Bearer x.y.z', 'X-API-KEY': 'k', accept: 'json' },
        body: { access_token: 't', client_secret: 's', nested: [{ password: 'p', name: 'n' }] },
        msg: 'GET /1.0/interventions?access_token=abc',
      }),
    ).toEqual({
      headers: { authorization: '[REDACTED]', 'X-API-KEY': '[REDACTED]', accept: 'json' },
      body: { access_token: '[REDACTED]', client_secret: '[REDACTED]', nested: [{ password: '[REDACTED]', name: 'n' }] },
      msg: 'GET /1.0/interventions?access_token=[REDACTED]',
    });
    expect(redactText('failed: Authorization: Bearer eyJhbGciOi.x.y')).toBe('failed: Authorization: Bearer [REDACTED]');
    expect(redactText('{"client_secret":"abc","x":1}')).toBe('{"client_secret":"[REDACTED]","x":1}');
  });
});
