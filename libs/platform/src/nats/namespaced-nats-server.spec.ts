import { ServerNats } from '@nestjs/microservices';
import { NamespacedNatsServer } from './namespaced-nats-server';

describe('NamespacedNatsServer.getRouteFromPattern', () => {
  it('gives the route ServerNats gives, without its JSON.parse attempt on command names', () => {
    const server = new NamespacedNatsServer({ namespace: 'test', servers: ['nats://127.0.0.1:1'] });
    const base = (pattern: string) => (ServerNats.prototype as unknown as { getRouteFromPattern(p: string): string }).getRouteFromPattern.call(server, pattern);
    const parse = jest.spyOn(JSON, 'parse');
    expect(server.getRouteFromPattern('orchestrator.v1.instances.get')).toBe('orchestrator.v1.instances.get');
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    for (const pattern of ['orchestrator.v1.instances.get', 'triggers.v1:x-y_z', 'true', 'null', 'false', '123', '-1', '"quoted"', '{"cmd":"sum"}', '["a"]', ' spaced', 'a b', '']) {
      expect(server.getRouteFromPattern(pattern)).toBe(base(pattern));
    }
  });
});
