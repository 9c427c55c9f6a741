import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, dropMessagingTablesSql } from '@wfp/platform';
import { INTERVENTIONS_SCHEMA } from '../schema';

export class InitInterventions1732000000000 implements MigrationInterface {
  name = 'InitInterventions1732000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of createOutboxTableSql(INTERVENTIONS_SCHEMA)) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropMessagingTablesSql(INTERVENTIONS_SCHEMA)) await queryRunner.query(sql);
  }
}
