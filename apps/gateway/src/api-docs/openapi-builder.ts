import { OpenApiGeneratorV31, OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';

/** An OpenAPI 3.1 document as plain JSON. */
export type OpenApiDocument = Record<string, unknown> & { openapi: string; paths: Record<string, unknown> };

/** `{ 'application/json': { schema } }` for a request or response. */
export function json(schema: z.ZodType, description = 'JSON body') {
  return { description, content: { 'application/json': { schema } } };
}

/** A response without a body. */
export function noContent(description: string) {
  return { description };
}

/**
 * A schema shown as `#/components/schemas/<id>` (zod 4's `.meta({ id })`, which zod-to-openapi
 * reads). Ids live in zod's global registry: each may be given once per process, which
 * `buildOpenApiDocument` guarantees by building each document once.
 */
export function named<T extends z.ZodType>(id: string, schema: T): T {
  return schema.meta({ id }) as T;
}

export interface DocumentInfo {
  title: string;
  /** The version of the API (not of the platform). */
  version: string;
  description: string;
  /** The base path the operations' paths are relative to (`/api/orchestration`, `/1.0`, `/`). */
  basePath: string;
  tags?: Array<{ name: string; description: string }>;
}

/**
 * Builds one OpenAPI 3.1 document from zod schemas (`@asteasolutions/zod-to-openapi`): the
 * routes are registered by `define`, named components with `named`.
 */
const built = new Map<string, OpenApiDocument>();

export function buildOpenApiDocument(info: DocumentInfo, define: (registry: OpenAPIRegistry) => void): OpenApiDocument {
  const cached = built.get(info.title);
  if (cached) return structuredClone(cached);
  const registry = new OpenAPIRegistry();
  define(registry);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    servers: [{ url: info.basePath }],
    ...(info.tags ? { tags: info.tags } : {}),
  });
  const plain = JSON.parse(JSON.stringify(document)) as OpenApiDocument;
  built.set(info.title, plain);
  return structuredClone(plain);
}

export type Route = RouteConfig;
