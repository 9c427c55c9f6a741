import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { eventually } from '../eventually';
import { freePort } from '../platform-under-test';

interface NatsNode {
  name: string;
  port: number;
  clusterPort: number;
  configFile: string;
  process?: ChildProcess;
  exited?: Promise<void>;
  output: string[];
}

/**
 * A JetStream cluster of `nats-server` processes on loopback ports (one temporary store directory
 * each, full mesh of routes), for tests that kill and restart nodes. Each node keeps its ports and
 * store across restarts, as a real server would.
 */
export class NatsCluster {
  private constructor(
    readonly nodes: NatsNode[],
    private readonly dir: string,
  ) {}

  static async start(options: { size?: number; label?: string } = {}): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const dir = mkdtempSync(join(tmpdir(), `nats-cluster-${options.label ?? 'test'}-`));
    const nodes: NatsNode[] = [];
    for (let i = 1; i <= size; i++) {
      nodes.push({ name: `n${i}`, port: await freePort(), clusterPort: await freePort(), configFile: join(dir, `n${i}.conf`), output: [] });
    }
    for (const node of nodes) {
      const routes = nodes.filter((other) => other !== node).map((other) => `"nats-route://127.0.0.1:${other.clusterPort}"`);
      writeFileSync(
        node.configFile,
        [
          `server_name: ${node.name}`,
          `listen: "127.0.0.1:${node.port}"`,
          `jetstream { store_dir: "${join(dir, node.name)}", max_memory_store: 64MB, max_file_store: 2GB }`,
          `cluster { name: "wfp_test", listen: "127.0.0.1:${node.clusterPort}", routes: [${routes.join(', ')}] }`,
        ].join('\n'),
      );
    }
    const cluster = new NatsCluster(nodes, dir);
    try {
      for (const node of nodes) cluster.spawn(node);
      await cluster.waitReady();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Every node's client URL, comma-separated (the NATS_URL the services get). */
  get url(): string {
    return this.nodes.map((node) => `nats://127.0.0.1:${node.port}`).join(',');
  }

  get servers(): string[] {
    return this.nodes.map((node) => `nats://127.0.0.1:${node.port}`);
  }

  private spawn(node: NatsNode): void {
    const child = spawn('nats-server', ['-c', node.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      node.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (node.output.length > 500) node.output.splice(0, node.output.length - 500);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    node.process = child;
    node.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Resolves when every running node answers JetStream API requests (a meta leader exists). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    for (const node of this.nodes.filter((n) => n.process)) {
      await eventually(
        async () => {
          const nc = await connect({ servers: `nats://127.0.0.1:${node.port}`, reconnect: false, timeout: 2000 });
          try {
            await (await nc.jetstreamManager({ timeout: 2000 })).getAccountInfo();
            return true;
          } finally {
            await nc.close();
          }
        },
        { timeoutMs, intervalMs: 250, what: `NATS node ${node.name} with JetStream ready (${node.output.slice(-3).join(' | ')})` },
      );
    }
  }

  /** Kills a node (SIGKILL: a crash, no lame-duck). */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    node.process?.kill('SIGKILL');
    await node.exited;
    node.process = undefined;
  }

  /** Starts a killed node again on the same ports and store. */
  async restart(name: string): Promise<void> {
    const node = this.node(name);
    if (node.process) return;
    this.spawn(node);
    await eventually(
      async () => {
        const nc = await connect({ servers: `nats://127.0.0.1:${node.port}`, reconnect: false, timeout: 2000 });
        await nc.close();
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `NATS node ${name} to accept connections again` },
    );
  }

  node(name: string): NatsNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no NATS node ${name}`);
    return node;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        node.process?.kill('SIGTERM');
        const timer = setTimeout(() => node.process?.kill('SIGKILL'), 10_000);
        await node.exited;
        clearTimeout(timer);
        node.process = undefined;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
