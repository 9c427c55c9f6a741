import type { ConnectionOptions } from 'nats';

/**
 * NATS client options every connection of the platform uses, so that a client rides out the loss
 * of one server of a cluster: several seed URLs (plus the servers the cluster advertises), never
 * give up reconnecting, retry quickly with jitter (so replicas don't stampede one node), and
 * notice a silently dead server within ~10 s (ping every 5 s, 2 missed pongs). Messages published
 * while reconnecting are buffered by the client (up to its reconnect buffer).
 */
export function natsClientOptions(servers: string[], name?: string): ConnectionOptions {
  return {
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 5000,
    maxPingOut: 2,
    waitOnFirstConnect: true,
  };
}
