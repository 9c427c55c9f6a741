import { Client } from 'pg';
import { ObjectId } from 'bson';
import { NatsConnection } from 'nats';
import { EventEnvelope, eventsStreamName, eventSubject } from '@wfp/contracts';
import { OpenApiResponseValidator } from '@wfp/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Ids and tokens of apps/interventions/fixtures/seed.json. */
export const SEED = {
  twitter: '5f0000000000000000000001',
  vip: '5f0000000000000000000002',
  supervisor: { id: '5f00000000000000000000b1', token: 'supervisor-token' },
  alice: { id: '5f00000000000000000000b2', token: 'alice-token' },
  bob: { id: '5f00000000000000000000b3', token: 'bob-token' },
  disabled: { id: '5f00000000000000000000b4', token: 'disabled-token' },
  billing: '5f00000000000000000000c1',
  bug: '5f00000000000000000000c2',
  carol: '5f00000000000000000000e1',
  carolGroup: '5f00000000000000000000d1',
  dave: '5f00000000000000000000e2',
  vipContent: '6a0000000000000000000003',
};

const ROOT = join(__dirname, '..', '..', '..');

/** Runs the built seed command (`npm run seed` without the build) against the database; returns its output. */
export function seed(databaseUrl: string): string {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'apps', 'interventions', 'src', 'seed', 'main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`seed failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

/** A new thread in `sourceId` with one customer message from `identityId`; returns its ids. */
export async function customerMessage(
  databaseUrl: string,
  sourceId = SEED.twitter,
  identityId = SEED.carol,
): Promise<{ threadId: string; contentId: string }> {
  const threadId = new ObjectId().toHexString();
  const contentId = new ObjectId().toHexString();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`INSERT INTO interventions.threads (id, source_id) VALUES ($1, $2)`, [threadId, sourceId]);
    await db.query(
      `INSERT INTO interventions.contents (id, source_id, thread_id, identity_id, body, created_at) VALUES ($1, $2, $3, $4, 'help', now() - interval '1 minute')`,
      [contentId, sourceId, threadId, identityId],
    );
  } finally {
    await db.end();
  }
  return { threadId, contentId };
}

export interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  token?: string;
  bearer?: string;
  query?: string;
  form?: string;
  json?: unknown;
}

export function apiClient(baseUrl: string) {
  return async function call(method: string, path: string, options: CallOptions = {}): Promise<Res> {
    const params = new URLSearchParams(options.query ?? '');
    if (options.token) params.set('access_token', options.token);
    const qs = params.toString();
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = options.form;
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const res = await fetch(`${baseUrl}/1.0${path}${qs ? `?${qs}` : ''}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed };
  };
}

/** Problems of a 200 body against the project's Engage document. */
export function specErrors(validator: OpenApiResponseValidator, method: string, path: string, body: unknown): string[] {
  return validator.validate(method, path, 200, body);
}

/** Every event of one type in the namespace's stream. */
export async function streamEvents(nc: NatsConnection, namespace: string, type: string): Promise<EventEnvelope<Record<string, any>>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const jsm = await nc.jetstreamManager();
  const stream = eventsStreamName(namespace);
  const subject = eventSubject(namespace, 'interventions', 'v1', type);
  const info = await jsm.streams.info(stream);
  const found: EventEnvelope<Record<string, any>>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    if (msg && msg.subject === subject) found.push(msg.json());
  }
  return found;
}
