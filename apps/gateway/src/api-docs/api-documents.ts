import { engageDocument } from './engage.openapi';
import { eventsDocument } from './events.openapi';
import { formanceV1Document } from './formance-v1.openapi';
import { formanceV2Document } from './formance-v2.openapi';
import type { OpenApiDocument } from './openapi-builder';
import { solvimonDocument } from './solvimon.openapi';

/**
 * The OpenAPI documents of the gateway's APIs, by name: served at `/openapi/<name>.json`, listed
 * in `/docs`, checked in as `docs/openapi/<name>.json` (`npm run docs:api`). Adding an API is one
 * line here.
 */
export const API_DOCUMENTS = {
  'formance-v1': formanceV1Document,
  'formance-v2': formanceV2Document,
  engage: engageDocument,
  solvimon: solvimonDocument,
  events: eventsDocument,
} satisfies Record<string, () => OpenApiDocument>;

export type ApiDocumentName = keyof typeof API_DOCUMENTS;
export const API_DOCUMENT_NAMES = Object.keys(API_DOCUMENTS) as ApiDocumentName[];

export function apiDocument(name: string): OpenApiDocument | undefined {
  return Object.prototype.hasOwnProperty.call(API_DOCUMENTS, name) ? API_DOCUMENTS[name as ApiDocumentName]() : undefined;
}
