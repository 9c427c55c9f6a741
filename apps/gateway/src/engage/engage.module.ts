import { Module } from '@nestjs/common';

/** Engage Digital Interventions under /1.0. */
@Module({})
export class EngageModule {}
