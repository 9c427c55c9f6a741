import { MigrationInterface, QueryRunner } from 'typeorm';
import { addOutboxTraceparentSql, dropOutboxTraceparentSql } from '@wfp/platform';
import { INTERVENTIONS_SCHEMA } from '../schema';

/** The outbox keeps the W3C `traceparent` of the transaction that wrote each event (tracing). */
export class InterventionsOutboxTraceparent1732000014000 implements MigrationInterface {
  name = 'InterventionsOutboxTraceparent1732000014000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of addOutboxTraceparentSql(INTERVENTIONS_SCHEMA)) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTraceparentSql(INTERVENTIONS_SCHEMA)) await queryRunner.query(sql);
  }
}
