import { Controller, Get, Inject, OnApplicationShutdown, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Pool } from 'pg';
import { COMMANDS, DependencyStatus, healthReplyDataSchema, SERVICE_NAMES } from '@wfp/contracts';
import { GatewayCommandClient } from '../commands/commands.module';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

const CHECK_TIMEOUT_MS = 2000;

/** Liveness and readiness of the platform as seen from the gateway. */
@Controller()
export class HealthController implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(
    private readonly commands: GatewayCommandClient,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.pool = new Pool({ connectionString: config.DATABASE_URL, max: 1, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
    this.pool.on('error', () => undefined); // a dropped idle connection is reported by the next check
  }

  /** Liveness: the process serves HTTP. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: Postgres and NATS reachable, and every service answering its health command. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<{ status: string; checks: Record<string, DependencyStatus> }> {
    const [postgres, ...services] = await Promise.all([
      this.checkPostgres(),
      ...SERVICE_NAMES.map((service) => this.checkService(service)),
    ]);
    const checks: Record<string, DependencyStatus> = { postgres, nats: this.checkNats() };
    SERVICE_NAMES.forEach((service, i) => (checks[service] = services[i]));
    const ready = Object.values(checks).every((check) => check.status === 'up');
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  private async checkPostgres(): Promise<DependencyStatus> {
    try {
      await this.pool.query('SELECT 1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    }
  }

  private checkNats(): DependencyStatus {
    return this.commands.isConnected() ? { status: 'up' } : { status: 'down', error: 'not connected' };
  }

  private async checkService(service: (typeof SERVICE_NAMES)[number]): Promise<DependencyStatus> {
    try {
      const reply = await this.commands.send(COMMANDS[service].health, {}, healthReplyDataSchema, {
        timeoutMs: CHECK_TIMEOUT_MS,
      });
      if (!reply.ok) return { status: 'down', error: reply.error.message };
      const down = Object.entries(reply.data.dependencies).filter(([, d]) => d.status === 'down');
      return down.length === 0
        ? { status: 'up' }
        : { status: 'down', error: down.map(([name, d]) => `${name}: ${d.error ?? 'down'}`).join('; ') };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    }
  }
}
