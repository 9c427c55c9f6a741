/**
 * The console's typed client of the platform's public APIs (Formance v1/v2 routes, /api/events,
 * Engage /1.0, Solvimon /v1) and the console's event stream. Types come from libs/contracts as
 * type-only imports (erased at build: no server code and no zod in the bundle).
 */
import type {
  BulkJob,
  Replay,
  InstanceHistory,
  Intervention,
  InterventionList,
  Schedule,
  ScheduleActionRecord,
  ScheduleDescription,
  StageHistory,
  Trigger,
  TriggerFlowState,
  TriggerOccurrence,
  TriggerTestResult,
  Workflow,
  WorkflowInstance,
  WorkflowTrigger,
} from '@wfp/contracts';

export type {
  BulkJob,
  Replay,
  InstanceHistory,
  Intervention,
  Schedule,
  ScheduleActionRecord,
  ScheduleDescription,
  StageHistory,
  Trigger,
  TriggerFlowState,
  TriggerOccurrence,
  TriggerTestResult,
  Workflow,
  WorkflowInstance,
  WorkflowTrigger,
};

/** A failed call: the HTTP status and the message of the API's own error body. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The token of the session (memory only): set by the login form when Formance auth is on. */
let accessToken: string | undefined;
const unauthorizedListeners = new Set<() => void>();

export function setAccessToken(token: string | undefined): void {
  accessToken = token;
}
export function getAccessToken(): string | undefined {
  return accessToken;
}
/** Called when a Formance route answers 401 (no token, or it expired). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The message of an error body in any of the platform's API formats. */
export function errorMessage(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['errorMessage', 'message', 'error_description', 'error']) {
      const value = b[key];
      if (typeof value === 'string' && value) return value;
      if (Array.isArray(value) && value.length) return value.join('; ');
    }
    if (Array.isArray(b.errors) && b.errors.length) {
      return (b.errors as Array<Record<string, unknown>>).map((e) => String(e.message ?? e.code ?? JSON.stringify(e))).join('; ');
    }
  }
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 500);
  return status === 401 ? 'unauthorized' : `HTTP ${status}`;
}

interface CallOptions {
  method?: string;
  json?: unknown;
  text?: { body: string; contentType: string };
  headers?: Record<string, string>;
  /** Formance routes carry the session token. */
  formance?: boolean;
}

async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text) {
    headers['Content-Type'] = options.text.contentType;
    body = options.text.body;
  }
  if (options.formance && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const res = await fetch(path, { method: options.method ?? 'GET', headers, body });
  const raw = await res.text();
  let parsed: unknown = raw;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    // not JSON: keep the text
  }
  if (!res.ok) {
    if (res.status === 401 && options.formance) unauthorizedListeners.forEach((listener) => listener());
    throw new ApiFailure(res.status, errorMessage(parsed, res.status), parsed);
  }
  return parsed as T;
}

/**
 * The variables this tab started instances with (memory only): the Formance instance routes do
 * not return an instance's variables, so the detail page shows these when it has them.
 */
export const startedVariables = new Map<string, Record<string, string>>();

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const O = '/api/orchestration';
const enc = encodeURIComponent;

export const api = {
  info: () => call<Record<string, unknown>>(`${O}/_info`),
  /** OAuth2 client credentials at the gateway's token endpoint. */
  token: (clientId: string, clientSecret: string) =>
    call<{ access_token: string; expires_in: number }>('/api/auth/oauth/token', {
      method: 'POST',
      json: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    }),

  listWorkflows: () => call<{ data: Workflow[] }>(`${O}/workflows`, { formance: true }).then((r) => r.data),
  getWorkflow: (id: string) => call<{ data: Workflow }>(`${O}/workflows/${enc(id)}`, { formance: true }).then((r) => r.data),
  /** The config as typed: JSON when it parses as JSON, else YAML (`text/vnd.yaml`, whose parser reports lines). */
  createWorkflow: (source: string) => {
    const isJson = parsesAsJson(source);
    return call<{ data: Workflow }>(`${O}/workflows`, {
      method: 'POST',
      formance: true,
      ...(isJson ? { text: { body: source, contentType: 'application/json' } } : { text: { body: source, contentType: 'text/vnd.yaml' } }),
    }).then((r) => r.data);
  },
  deleteWorkflow: (id: string) => call<void>(`${O}/workflows/${enc(id)}`, { method: 'DELETE', formance: true }),
  runWorkflow: (id: string, variables: Record<string, string>) =>
    call<{ data: WorkflowInstance }>(`${O}/workflows/${enc(id)}/instances`, { method: 'POST', json: variables, formance: true }).then((r) => {
      startedVariables.set(r.data.id, variables);
      return r.data;
    }),

  listInstances: (workflowID?: string, running?: boolean) => {
    const q = new URLSearchParams();
    if (workflowID) q.set('workflowID', workflowID);
    if (running) q.set('running', 'true');
    return call<{ data: WorkflowInstance[] }>(`${O}/instances?${q}`, { formance: true }).then((r) => r.data);
  },
  /** v2 search (our extension): by status and metadata `key=value` pairs (AND), the first 100, newest first by the caller. */
  searchInstances: (filter: { workflowID?: string; status?: string; metadata?: Array<[string, string]> }) => {
    const q = new URLSearchParams({ pageSize: '100' });
    if (filter.workflowID) q.set('workflowID', filter.workflowID);
    if (filter.status) q.set('status', filter.status);
    for (const [key, value] of filter.metadata ?? []) q.set(`metadata[${key}]`, value);
    return call<{ cursor: { data: WorkflowInstance[] } }>(`${O}/v2/instances?${q}`, { formance: true }).then((r) => r.cursor.data);
  },
  getInstance: (id: string) => call<{ data: WorkflowInstance }>(`${O}/instances/${enc(id)}`, { formance: true }).then((r) => r.data),
  instanceHistory: (id: string) =>
    call<{ data: InstanceHistory[] }>(`${O}/instances/${enc(id)}/history`, { formance: true }).then((r) => r.data),
  stageHistory: (id: string, stage: number) =>
    call<{ data: StageHistory[] }>(`${O}/instances/${enc(id)}/stages/${stage}/history`, { formance: true }).then((r) => r.data),
  sendEvent: (id: string, name: string) =>
    call<void>(`${O}/instances/${enc(id)}/events`, { method: 'POST', json: { name }, formance: true }),
  abort: (id: string) => call<void>(`${O}/instances/${enc(id)}/abort`, { method: 'PUT', formance: true }),

  listTriggers: () => call<{ data: Trigger[] }>(`${O}/triggers`, { formance: true }).then((r) => r.data),
  getTrigger: (id: string) => call<{ data: Trigger }>(`${O}/triggers/${enc(id)}`, { formance: true }).then((r) => r.data),
  createTrigger: (data: Record<string, unknown>) =>
    call<{ data: Trigger }>(`${O}/triggers`, { method: 'POST', json: data, formance: true }).then((r) => r.data),
  deleteTrigger: (id: string) => call<void>(`${O}/triggers/${enc(id)}`, { method: 'DELETE', formance: true }),
  occurrences: (id: string) =>
    call<{ data: TriggerOccurrence[] }>(`${O}/triggers/${enc(id)}/occurrences`, { formance: true }).then((r) => r.data),
  /** Flow control (extension): the trigger's running and queued starts per key, now. */
  flowState: (id: string) => call<{ data: TriggerFlowState }>(`${O}/v2/triggers/${enc(id)}/flow`, { formance: true }).then((r) => r.data),
  /** Formance v2 testTrigger: the triggers service evaluates the filter and vars against `event` (the payload). */
  testTrigger: (id: string, event: Record<string, unknown>) =>
    call<{ data: TriggerTestResult }>(`${O}/v2/triggers/${enc(id)}/test`, { method: 'POST', json: event, formance: true }).then((r) => r.data),

  /** Formance v2 schedules: every page of the cursor list (at most `maxPages` of 100). */
  listSchedules: async (maxPages = 10) => {
    const all: Schedule[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const q = cursor ? `cursor=${enc(cursor)}` : 'pageSize=100';
      const r = await call<{ cursor: { hasMore: boolean; next?: string; data: Schedule[] } }>(`${O}/v2/schedules?${q}`, { formance: true });
      all.push(...r.cursor.data);
      if (!r.cursor.hasMore || !r.cursor.next) break;
      cursor = r.cursor.next;
    }
    return all;
  },
  /** Next `next` fire times, running instances, waiting and missed ticks, the latest `recent` actions. */
  describeSchedule: (id: string, next: number, recent: number) =>
    call<{ data: ScheduleDescription }>(`${O}/v2/schedules/${enc(id)}/describe?next=${next}&recent=${recent}`, { formance: true }).then((r) => r.data),

  /** Bulk actions (our extension): the newest first page of jobs, one job, abort. */
  listBulkActions: () =>
    call<{ cursor: { hasMore: boolean; next?: string; data: BulkJob[] } }>(`${O}/v2/bulk-actions?pageSize=100`, { formance: true }).then((r) => r.cursor.data),
  abortBulkAction: (id: string) => call<{ data: BulkJob }>(`${O}/v2/bulk-actions/${enc(id)}/abort`, { method: 'PUT', formance: true }).then((r) => r.data),

  /** Event replays through triggers (our extension): the first page, create (dry run or not), abort. */
  listReplays: () => call<{ cursor: { data: Replay[] } }>(`${O}/v2/replays?pageSize=100`, { formance: true }).then((r) => r.cursor.data),
  createReplay: (body: { from: string; to?: string; triggers: string[] | 'all'; dry_run: boolean; filter?: string }) =>
    call<{ data: Replay }>(`${O}/v2/replays`, { method: 'POST', json: body, formance: true }).then((r) => r.data),
  abortReplay: (id: string) => call<{ data: Replay }>(`${O}/v2/replays/${enc(id)}/abort`, { method: 'PUT', formance: true }).then((r) => r.data),

  publishEvent: (envelope: Record<string, unknown>) =>
    call<{ id: string; duplicate: boolean }>('/api/events', { method: 'POST', json: envelope, formance: true }),

  /** Engage Digital: interventions visible to an access token. */
  listInterventions: (token: string, params: Record<string, string>) =>
    call<InterventionList>(`/1.0/interventions?${new URLSearchParams(params)}`, { headers: { Authorization: `Bearer ${token}` } }),

  /** Solvimon: search workflow-trigger records with an API key (and optional platform). */
  searchWorkflowTriggers: (apiKey: string, platformId: string, body: Record<string, unknown>, page: number, limit: number) =>
    call<{ data: WorkflowTrigger[]; page: number; limit: number; total_number_of_pages: number }>(
      `/v1/workflow-triggers/search?page=${page}&limit=${limit}`,
      { method: 'POST', json: body, headers: { 'X-API-KEY': apiKey, ...(platformId ? { 'x-platform-id': platformId } : {}) } },
    ),
};
