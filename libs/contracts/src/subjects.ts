import { ORCHESTRATOR_COMMANDS } from './orchestrator/commands';
import { TRIGGERS_COMMANDS } from './triggers/commands';
import { SCHEDULES_COMMANDS } from './schedules/commands';
import { INTERVENTIONS_COMMANDS } from './interventions/commands';

/**
 * Every NATS subject of the platform, in one place. Command names are versioned
 * (`<service>.v1.<command>`); on the wire they are prefixed by the deployment's namespace:
 * `<namespace>.<service>.v1.<command>`.
 */
export const COMMANDS = {
  orchestrator: ORCHESTRATOR_COMMANDS,
  /** The triggers service also serves the schedules. */
  triggers: { ...TRIGGERS_COMMANDS, ...SCHEDULES_COMMANDS },
  interventions: INTERVENTIONS_COMMANDS,
} as const;

export type ServiceName = keyof typeof COMMANDS;
export const SERVICE_NAMES = Object.keys(COMMANDS) as ServiceName[];

/** The subject a command is published on in a namespace. */
export function commandSubject(namespace: string, command: string): string {
  return `${namespace}.${command}`;
}

/** The queue group of a service: its replicas share the load of its commands. */
export function queueGroup(namespace: string, service: ServiceName): string {
  return `${namespace}.${service}`;
}

/** Domain events live under `<namespace>.events.>`. */
export function eventsSubjectRoot(namespace: string): string {
  return `${namespace}.events`;
}

/** Subject of one event: `<namespace>.events.<app>.<version>.<type>`. */
export function eventSubject(namespace: string, app: string, version: string, type: string): string {
  return `${eventsSubjectRoot(namespace)}.${app}.${version}.${type}`;
}

/** The JetStream stream holding every domain event of a namespace (stream names allow no dots). */
export function eventsStreamName(namespace: string): string {
  return `${namespace.replace(/[^A-Za-z0-9_-]/g, '_')}_EVENTS`;
}

/** NATS message header carrying the HTTP request id to the service that handles a command. */
export const REQUEST_ID_HEADER = 'x-request-id';
