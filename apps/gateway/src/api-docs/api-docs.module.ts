import { Module } from '@nestjs/common';
import { ApiDocsController } from './api-docs.controller';

/** Served API documentation: Swagger UI, the OpenAPI documents, the AsyncAPI document. */
@Module({ controllers: [ApiDocsController] })
export class ApiDocsModule {}
