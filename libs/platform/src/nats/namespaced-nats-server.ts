import { NatsOptions, ServerNats } from '@nestjs/microservices';
import { commandSubject } from '@wfp/contracts';
import { coalesceWrites } from './coalesced-writes';

type NatsClient = Parameters<ServerNats['bindEvents']>[0];
type ServerNatsOptions = NonNullable<NatsOptions['options']>;
type Subscription = ReturnType<NatsClient['subscribe']>;

/** A name that is not a JSON text (`orchestrator.v1.instances.get`; JSON literals are only true, false, null). */
const NOT_JSON = /^(?!(?:true|false|null)$)[A-Za-z_][\w.:-]*$/;

/**
 * The built-in NestJS NATS transport, with every `@MessagePattern` subscribed under the
 * deployment's namespace: a handler for `orchestrator.v1.info` listens on
 * `<namespace>.orchestrator.v1.info`, in the service's queue group.
 */
export class NamespacedNatsServer extends ServerNats {
  private readonly namespace: string;
  private readonly defaultQueue?: string;

  constructor(options: ServerNatsOptions & { namespace: string }) {
    const { namespace, ...natsOptions } = options;
    super(natsOptions);
    this.namespace = namespace;
    this.defaultQueue = natsOptions.queue;
  }

  /**
   * Reports "listening" only once the server has every subscription (a flush round trip). The
   * replies of one event-loop turn are written to NATS together (`coalesceWrites`).
   */
  override start(callback: () => void): void {
    const client = (this as unknown as { natsClient: NatsClient }).natsClient;
    coalesceWrites(client as unknown as Parameters<typeof coalesceWrites>[0]);
    this.bindEvents(client);
    client.flush().then(
      () => callback(),
      (error: unknown) => (callback as (err?: unknown) => void)(error),
    );
  }

  /**
   * The route of a message's channel (our handler patterns). ServerNats first tries
   * `JSON.parse(pattern)` for object patterns: on a command name that throws a SyntaxError
   * (stack trace included) on every message; a name that cannot be JSON is its own route, as the
   * base class would conclude.
   */
  override getRouteFromPattern(pattern: string): string {
    return NOT_JSON.test(pattern) ? pattern : super.getRouteFromPattern(pattern);
  }

  override bindEvents(client: NatsClient): void {
    // ServerNats keeps its subscriptions (closed on shutdown) in a private array.
    const subscriptions = (this as unknown as { subscriptions: Subscription[] }).subscriptions;
    for (const [pattern, handlerRef] of this.messageHandlers) {
      const queue = (handlerRef.extras?.queue as string | undefined) ?? this.defaultQueue;
      const subscription = client.subscribe(commandSubject(this.namespace, pattern), {
        queue,
        // The handler is looked up by its un-prefixed pattern.
        callback: this.getMessageHandler(pattern).bind(this),
      });
      subscriptions.push(subscription);
    }
  }
}
