/**
 * Chaos run (issue 9 §6): N events through a trigger into workflows while every part of the
 * platform is crashed and restarted, then a count of what was lost, duplicated or left stuck.
 *
 *   npm run chaos                      # 10,000 events, 2 rounds of faults
 *   npm run chaos -- --events 500 --rounds 1 --rate 50
 *
 * What it does:
 * 1. Starts its own Postgres (initdb/pg_ctl) and nats-server (JetStream) on free ports with data in
 *    a temp dir — never the shared 5432/4222 — and the four services (built `dist/`) against them.
 * 2. Through the public HTTP API: a `noop` workflow and a `delay: 1s` workflow, and two Formance
 *    triggers on the same event type (`chaos.tick`), each with `vars: {eid: "event.eid"}`.
 * 3. Publishes N events through `POST /api/events` at `--rate`/s (each with its own id, retried
 *    with the same id until 202, as a careful client does), while a reader polls the API, and
 *    meanwhile, round after round: kill -9 and restart each service in turn, then crash (SIGKILL)
 *    and restart NATS, then crash (`pg_ctl -m immediate`) and restart Postgres.
 * 4. Waits for quiescence (JetStream consumer drained, no running instance, counts stable) up to
 *    `--recovery-timeout` seconds after the last fault, and reports:
 *    - lost: accepted events (202) lacking their instance of a workflow (one per trigger);
 *    - duplicates: extra instances for the same (workflow, event);
 *    - stuck: instances not terminated at quiescence / the recovery deadline;
 *    - failed: instances terminated with an error; dead-lettered events (every consumer's table);
 *    - every non-2xx / connection error seen by the clients, per status; recovery times.
 *    Exit status 0 only for 0 lost / 0 duplicates / 0 stuck (and every event accepted).
 *
 * Verification: the running-instances list (`GET /api/orchestration/instances?running=true`), a
 * sample of instances (`GET /api/orchestration/instances/{id}`) and the triggers consumer state on
 * JetStream are read through public contracts. The per-event counts (which event has which
 * instance) are read with SQL from the orchestrator's and triggers' schemas: no API lists 20,000
 * instances with their variables in one reply (command replies travel over NATS, 1 MB max), and
 * listing occurrences asks the orchestrator for each instance one by one.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { ALL_SERVICES, matchingBacklog, PlatformUnderTest, ServiceName } from '@wfp/testing';
import { ChaosNats, ChaosPostgres } from './infra';

interface Options {
  events: number;
  rounds: number;
  rate: number;
  concurrency: number;
  pauseMs: number;
  gapMs: number;
  recoveryTimeoutS: number;
  keep: boolean;
  out?: string;
  targets: string[];
}

const ALL_TARGETS = ['orchestrator', 'triggers', 'interventions', 'gateway', 'nats', 'postgres'] as const;

function parseArgs(argv: string[]): Options {
  const options: Options = { events: 10_000, rounds: 2, rate: 100, concurrency: 16, pauseMs: 1000, gapMs: 3000, recoveryTimeoutS: 600, keep: false, targets: [...ALL_TARGETS] };
  const numeric: Record<string, keyof Options> = {
    '--events': 'events',
    '--rounds': 'rounds',
    '--rate': 'rate',
    '--concurrency': 'concurrency',
    '--pause-ms': 'pauseMs',
    '--gap-ms': 'gapMs',
    '--recovery-timeout': 'recoveryTimeoutS',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--keep') options.keep = true;
    else if (flag === '--out') options.out = inline ?? argv[++i];
    else if (flag === '--targets') {
      options.targets = (inline ?? argv[++i]).split(',').filter(Boolean);
      const unknown = options.targets.filter((t) => !(ALL_TARGETS as readonly string[]).includes(t));
      if (unknown.length) throw new Error(`--targets: unknown ${unknown.join(', ')} (known: ${ALL_TARGETS.join(', ')})`);
    }
    else if (numeric[flag]) {
      const value = Number(inline ?? argv[++i]);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number`);
      (options as unknown as Record<string, number>)[numeric[flag]] = value;
    } else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'npm run chaos -- [--events 10000] [--rounds 2] [--rate 100] [--concurrency 16] [--pause-ms 1000] [--gap-ms 3000] [--recovery-timeout 600] [--targets orchestrator,triggers,interventions,gateway,nats,postgres] [--keep] [--out result.json]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** What the HTTP clients saw. */
class ClientStats {
  readonly statuses = new Map<string, number>();
  /** Non-2xx answers and connection errors by the fault in progress (`steady` between faults). */
  readonly failuresByPhase = new Map<string, number>();
  /** A few distinct 5xx answers (route, status, message) to document their cause. */
  readonly fiveXxSamples = new Map<string, number>();
  phase = 'steady';
  requests = 0;

  record(kind: string, outcome: string, route?: string, message?: string): void {
    this.requests++;
    const key = `${kind} ${outcome}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (!/^[23]\d\d$/.test(outcome)) {
      const phaseKey = `${this.phase}: ${key}`;
      this.failuresByPhase.set(phaseKey, (this.failuresByPhase.get(phaseKey) ?? 0) + 1);
    }
    if (/^5\d\d$/.test(outcome)) {
      const sample = `${route} ${outcome} during ${this.phase}: ${String(message).slice(0, 160)}`;
      if (this.fiveXxSamples.size < 30 || this.fiveXxSamples.has(sample)) this.fiveXxSamples.set(sample, (this.fiveXxSamples.get(sample) ?? 0) + 1);
    }
  }

  count(predicate: (outcome: string) => boolean): number {
    let total = 0;
    for (const [key, n] of this.statuses) if (predicate(key.split(' ')[1])) total += n;
    return total;
  }
}

interface HttpResult {
  status: number;
  body: unknown;
}

function httpClient(baseUrl: string, stats: ClientStats) {
  return async function http(kind: string, method: string, path: string, body?: unknown): Promise<HttpResult | undefined> {
    try {
      const res = await fetch(baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      const message = (parsed as { errorMessage?: string; message?: string } | undefined)?.errorMessage ?? (parsed as { message?: string })?.message ?? text;
      stats.record(kind, String(res.status), `${method} ${path.replace(/[0-9a-f-]{36}/g, ':id').replace(/\?.*$/, '')}`, message);
      return { status: res.status, body: parsed };
    } catch (error) {
      const name = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection-error';
      stats.record(kind, name);
      return undefined;
    }
  };
}

interface FaultRecord {
  round: number;
  target: string;
  /** kill → ready again (ms). */
  outageMs: number;
  at: string;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'wfp-chaos-'));
  log(`temp dir ${dir}; ${options.events} events at ${options.rate}/s, ${options.rounds} round(s) of faults`);
  const startedAt = new Date();
  const pg = await ChaosPostgres.create(join(dir, 'postgres'));
  const nats = await ChaosNats.create(join(dir, 'nats'));
  log(`own Postgres on :${pg.port}, own NATS on :${nats.port}`);
  process.env.TEST_DATABASE_URL = pg.url;
  process.env.TEST_NATS_URL = nats.url;

  let platform: PlatformUnderTest | undefined;
  let exitCode = 1;
  const interrupted = () => {
    log('interrupted: stopping the services, NATS and Postgres');
    void Promise.allSettled([platform?.stop(), nats.stop()]).then(() => {
      pg.stop();
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    platform = await PlatformUnderTest.start({ label: 'chaos', env: { LOG_LEVEL: 'info' } });
    const p = platform;
    log(`platform up at ${p.url} (namespace ${p.namespace})`);
    const stats = new ClientStats();
    const http = httpClient(p.url, stats);

    // --- setup through the public API ---
    async function create(path: string, body: unknown): Promise<string> {
      for (let attempt = 1; attempt <= 20; attempt++) {
        const res = await http('setup', 'POST', path, body);
        if (res?.status === 201) return (res.body as { data: { id: string } }).data.id;
        await sleep(500);
      }
      throw new Error(`could not create ${path}`);
    }
    const noopWorkflow = await create('/api/orchestration/workflows', { name: 'chaos-noop', stages: [{ noop: {} }] });
    const delayWorkflow = await create('/api/orchestration/workflows', { name: 'chaos-delay', stages: [{ delay: { duration: '1s' } }] });
    const workflows = [noopWorkflow, delayWorkflow];
    const triggers: string[] = [];
    for (const workflowID of workflows) {
      triggers.push(await create('/api/orchestration/triggers', { name: `chaos-${workflowID}`, event: 'chaos.tick', workflowID, vars: { eid: 'event.eid' } }));
    }
    log(`workflows ${workflows.join(', ')}; triggers ${triggers.join(', ')}`);

    // --- publishers: N events, paced, each retried with its own id until accepted ---
    const accepted = new Set<string>();
    const rejected: Array<{ id: string; status: number; body: unknown }> = [];
    let nextSeq = 0;
    const publishStart = Date.now();
    let lastAcceptedAt = publishStart;
    async function publisher(): Promise<void> {
      for (;;) {
        const seq = nextSeq++;
        if (seq >= options.events) return;
        const due = publishStart + (seq * 1000) / Math.max(options.rate, 0.001);
        if (due > Date.now()) await sleep(due - Date.now());
        const id = randomUUID();
        const envelope = { id, app: 'chaos', version: 'v1', type: 'chaos.tick', payload: { eid: id, seq } };
        for (let attempt = 1; ; attempt++) {
          const res = await http('publish', 'POST', '/api/events', envelope);
          if (res?.status === 202) {
            accepted.add(id);
            lastAcceptedAt = Date.now();
            break;
          }
          if (res && res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
            rejected.push({ id, status: res.status, body: res.body });
            break;
          }
          await sleep(Math.min(2000, 100 * attempt));
        }
        if ((seq + 1) % 1000 === 0) log(`published ${seq + 1}/${options.events}`);
      }
    }
    const publishers = Promise.all(Array.from({ length: options.concurrency }, () => publisher())).then(() => {
      log(`publishing done: ${accepted.size} accepted, ${rejected.length} rejected, in ${((Date.now() - publishStart) / 1000).toFixed(1)} s`);
    });

    // --- a reader: what an API client polling the platform sees meanwhile ---
    let reading = true;
    const reader = (async () => {
      while (reading) {
        await http('read', 'GET', `/api/orchestration/workflows/${delayWorkflow}`);
        await http('read', 'GET', `/api/orchestration/triggers/${triggers[0]}`);
        await sleep(250);
      }
    })();

    // --- faults ---
    const faults: FaultRecord[] = [];
    async function restartService(service: ServiceName): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        try {
          await p.startService(service);
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          log(`${service} did not start (attempt ${attempt}): ${(error as Error).message.split('\n')[0]}`);
          await p.stopService(service, 'SIGKILL');
        }
      }
    }
    const targets = options.targets as Array<ServiceName | 'nats' | 'postgres'>;
    for (let round = 1; round <= options.rounds; round++) {
      for (const target of targets) {
        await sleep(options.gapMs);
        const t0 = Date.now();
        const at = new Date(t0).toISOString();
        stats.phase = `round ${round} ${target} down`;
        if (target === 'nats') {
          await nats.crash();
          await sleep(options.pauseMs);
          await nats.start();
        } else if (target === 'postgres') {
          pg.crash();
          await sleep(options.pauseMs);
          await pg.start();
        } else {
          await p.stopService(target, 'SIGKILL');
          await sleep(options.pauseMs);
          await restartService(target);
        }
        const outageMs = Date.now() - t0;
        stats.phase = 'steady';
        faults.push({ round, target, outageMs, at });
        log(`round ${round}: ${target} crashed and back in ${outageMs} ms (accepted so far ${accepted.size})`);
      }
    }
    const lastFaultAt = Date.now();
    log('faults done; waiting for the publishers');
    await publishers;

    // --- quiescence ---
    const db = new Client({ connectionString: p.database.url });
    await db.connect();
    let nc: NatsConnection | undefined = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    const deadline = Math.max(lastFaultAt, lastAcceptedAt) + options.recoveryTimeoutS * 1000;
    let quiescedAt: number | undefined;
    let stable = 0;
    let lastTotal = -1;
    let consumer = { pending: -1, ackPending: -1, redelivered: -1 };
    let progressAt = Date.now();
    let lastPending = -1;
    let logsWritten = false;
    while (Date.now() < deadline) {
      const info = await matchingBacklog(jsm, p.namespace).catch(() => undefined);
      consumer = info ?? consumer;
      const { rows } = await db.query<{ total: number; running: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT terminated)::int AS running FROM orchestrator.instances`,
      );
      const { total, running } = rows[0];
      const drained = info !== undefined && info.pending === 0 && info.ackPending === 0;
      stable = drained && running === 0 && total === lastTotal ? stable + 1 : 0;
      if (total !== lastTotal || consumer.pending !== lastPending) progressAt = Date.now();
      lastPending = consumer.pending;
      lastTotal = total;
      if (!logsWritten && Date.now() - progressAt > 30_000) {
        // No progress for 30 s: keep every service's output for the post-mortem.
        for (const service of ALL_SERVICES) writeFileSync(join(dir, `${service}.log`), p.logText(service));
        log(`no progress for 30 s: service logs written to ${dir}/<service>.log`);
        logsWritten = true;
      }
      if (stable >= 3) {
        quiescedAt = Date.now();
        break;
      }
      if (Math.floor(Date.now() / 1000) % 10 === 0) log(`draining: ${total} instances, ${running} running, consumer pending ${consumer.pending}/${consumer.ackPending}`);
      await sleep(1000);
    }
    reading = false;
    await reader;
    log(quiescedAt ? 'quiescent' : 'recovery deadline reached');

    // --- verification ---
    const { rows: instanceRows } = await db.query<{ workflow_id: string; eid: string | null; n: number; running: number; failed: number }>(
      `SELECT workflow_id::text, variables->>'eid' AS eid, count(*)::int AS n,
              count(*) FILTER (WHERE NOT terminated)::int AS running,
              count(*) FILTER (WHERE terminated AND error IS NOT NULL)::int AS failed
         FROM orchestrator.instances GROUP BY 1, 2`,
    );
    const seen = new Map<string, Set<string>>(workflows.map((w) => [w, new Set<string>()]));
    let duplicates = 0;
    let stuck = 0;
    let failed = 0;
    let strangers = 0;
    for (const row of instanceRows) {
      duplicates += row.n - 1;
      stuck += row.running;
      failed += row.failed;
      if (!row.eid || !accepted.has(row.eid)) strangers += row.n;
      seen.get(row.workflow_id)?.add(row.eid ?? '');
    }
    const lostPerWorkflow = workflows.map((w) => [...accepted].filter((id) => !seen.get(w)!.has(id)));
    const lost = lostPerWorkflow.reduce((sum, ids) => sum + ids.length, 0);
    const failedSample = (
      await db.query<{ error: string; n: number }>(
        `SELECT error, count(*)::int AS n FROM orchestrator.instances WHERE error IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
      )
    ).rows;
    const occurrences = (
      await db.query<{ trigger_id: string; n: number; errors: number }>(
        `SELECT trigger_id::text, count(*)::int AS n, count(*) FILTER (WHERE error IS NOT NULL)::int AS errors FROM triggers.occurrences GROUP BY 1`,
      )
    ).rows;
    const deadLetters: Record<string, number> = {};
    for (const schema of ['orchestrator', 'triggers', 'interventions']) {
      const { rows } = await db.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [`${schema}.dead_letters`]);
      if (rows[0].exists) deadLetters[schema] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.dead_letters`)).rows[0].n;
    }
    const deadLettered = Object.values(deadLetters).reduce((a, b) => a + b, 0);

    // Public API cross-checks.
    const runningViaApi: Record<string, number | string> = {};
    for (const workflowID of workflows) {
      const res = await http('verify', 'GET', `/api/orchestration/instances?workflowID=${workflowID}&running=true`);
      runningViaApi[workflowID] = res?.status === 200 ? (res.body as { data: unknown[] }).data.length : `HTTP ${res?.status ?? 'error'}`;
    }
    const sampleIds = (await db.query<{ id: string }>(`SELECT id::text FROM orchestrator.instances ORDER BY random() LIMIT 50`)).rows.map((r) => r.id);
    let sampleBad = 0;
    for (const id of sampleIds) {
      const res = await http('verify', 'GET', `/api/orchestration/instances/${id}`);
      const data = (res?.body as { data?: { terminated?: boolean; error?: string } } | undefined)?.data;
      if (res?.status !== 200 || !data?.terminated || data.error) sampleBad++;
    }
    await db.end();
    await nc.close();
    nc = undefined;

    const fiveXx = stats.count((outcome) => /^5\d\d$/.test(outcome));
    const result = {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverageAtEnd: loadavg().map((l) => l.toFixed(2)) },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options,
      accepted: accepted.size,
      rejectedByApi: rejected.length,
      expectedInstances: accepted.size * workflows.length,
      instances: instanceRows.reduce((sum, row) => sum + row.n, 0),
      lost,
      lostSample: lostPerWorkflow.map((ids, i) => ({ workflow: workflows[i], count: ids.length, sample: ids.slice(0, 5) })),
      duplicates,
      stuck,
      failed,
      failedErrors: failedSample,
      instancesForUnknownEvents: strangers,
      deadLettered,
      deadLetters,
      occurrences,
      triggersConsumer: consumer,
      clientRequests: stats.requests,
      clientFiveXx: fiveXx,
      clientOutcomes: Object.fromEntries([...stats.statuses].sort()),
      clientFailuresByPhase: Object.fromEntries([...stats.failuresByPhase].sort()),
      clientFiveXxSamples: Object.fromEntries(stats.fiveXxSamples),
      faults,
      publishSeconds: Number(((lastAcceptedAt - publishStart) / 1000).toFixed(1)),
      recovery: quiescedAt
        ? {
            quiescent: true,
            secondsAfterLastFault: Number(((quiescedAt - lastFaultAt) / 1000).toFixed(1)),
            secondsAfterLastAcceptedEvent: Number(((quiescedAt - lastAcceptedAt) / 1000).toFixed(1)),
          }
        : { quiescent: false, deadlineSeconds: options.recoveryTimeoutS },
      api: { runningInstancesListed: runningViaApi, sampleChecked: sampleIds.length, sampleNotTerminatedOrFailed: sampleBad },
      rejectedSample: rejected.slice(0, 3),
    };
    const text = JSON.stringify(result, null, 2);
    writeFileSync(join(dir, 'result.json'), text);
    if (options.out) writeFileSync(options.out, text);
    process.stdout.write(`${text}\n`);
    log(
      `RESULT lost ${lost} / duplicates ${duplicates} / stuck ${stuck} — failed ${failed}, dead-lettered ${deadLettered}, ` +
        `client 5xx ${fiveXx}, recovery ${quiescedAt ? `${((quiescedAt - lastFaultAt) / 1000).toFixed(1)} s after the last fault` : 'not reached'}`,
    );
    exitCode = lost === 0 && duplicates === 0 && stuck === 0 && rejected.length === 0 && accepted.size === options.events ? 0 : 1;
    if (exitCode !== 0 || options.keep) {
      for (const service of ['orchestrator', 'triggers', 'interventions', 'gateway'] as ServiceName[]) {
        const errors = p.logLines(service).filter((line) => Number(line.level) >= 40);
        writeFileSync(join(dir, `${service}-errors.jsonl`), errors.map((line) => JSON.stringify(line)).join('\n'));
      }
    }
  } finally {
    await platform?.stop().catch(() => undefined);
    await nats.stop().catch(() => undefined);
    pg.stop();
    if (!options.keep && exitCode === 0) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir} (result.json, *-errors.jsonl, postgres.log, nats.log)`);
  }
  process.exit(exitCode);
}

main().catch((error) => {
  process.stderr.write(`chaos run failed: ${(error as Error).stack ?? error}\n`);
  process.exit(2);
});
