import { MigrationInterface, QueryRunner } from 'typeorm';
import { addOutboxTraceparentSql, dropOutboxTraceparentSql } from '@wfp/platform';
import { ORCHESTRATOR_SCHEMA } from '../schema';

/** The outbox keeps the W3C `traceparent` of the transaction that wrote each event (tracing). */
export class OrchestratorOutboxTraceparent1732000014000 implements MigrationInterface {
  name = 'OrchestratorOutboxTraceparent1732000014000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of addOutboxTraceparentSql(ORCHESTRATOR_SCHEMA)) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTraceparentSql(ORCHESTRATOR_SCHEMA)) await queryRunner.query(sql);
  }
}
