import { MigrationInterface, QueryRunner } from 'typeorm';
import { createInboxTablesSql, createOutboxTableSql, dropMessagingTablesSql } from '@wfp/platform';
import { TRIGGERS_SCHEMA } from '../schema';

export class InitTriggers1732000000000 implements MigrationInterface {
  name = 'InitTriggers1732000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [...createOutboxTableSql(TRIGGERS_SCHEMA), ...createInboxTablesSql(TRIGGERS_SCHEMA)]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropMessagingTablesSql(TRIGGERS_SCHEMA)) await queryRunner.query(sql);
  }
}
