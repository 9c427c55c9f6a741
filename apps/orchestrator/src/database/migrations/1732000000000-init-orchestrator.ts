import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, dropMessagingTablesSql } from '@wfp/platform';
import { ORCHESTRATOR_SCHEMA } from '../schema';

export class InitOrchestrator1732000000000 implements MigrationInterface {
  name = 'InitOrchestrator1732000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of createOutboxTableSql(ORCHESTRATOR_SCHEMA)) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropMessagingTablesSql(ORCHESTRATOR_SCHEMA)) await queryRunner.query(sql);
  }
}
