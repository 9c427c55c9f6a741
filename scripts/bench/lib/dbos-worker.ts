/**
 * DBOS Transact running the benchmark's 1-stage workflow (one no-op step) on its own database of
 * the same Postgres, in its own process (DBOS is a library inside the application: this process
 * is both the client and the executor). Prints `{"perSecond": …}` per run on stdout.
 *
 *   node dist/scripts/bench/lib/dbos-worker.js <database url> <instances> <concurrency> <runs>
 */
import { DBOS } from '@dbos-inc/dbos-sdk';

async function main(): Promise<void> {
  const [url, instances, concurrency, runs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 1)];
  DBOS.setConfig({ name: 'bench', systemDatabaseUrl: url, systemDatabasePoolSize: Math.max(10, concurrency), logLevel: 'error' });
  const noop = DBOS.registerStep(async () => undefined, { name: 'noop' });
  const workflow = DBOS.registerWorkflow(
    async () => {
      await noop();
    },
    { name: 'one-stage' },
  );
  await DBOS.launch();
  try {
    // Warm-up.
    await Promise.all(Array.from({ length: 20 }, () => workflow()));
    for (let run = 0; run < runs; run++) {
      let next = 0;
      const begin = Date.now();
      const worker = async () => {
        while (next < instances) {
          next++;
          const handle = await DBOS.startWorkflow(workflow)();
          await handle.getResult();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      process.stdout.write(`${JSON.stringify({ perSecond: instances / ((Date.now() - begin) / 1000) })}\n`);
    }
  } finally {
    await DBOS.shutdown();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
