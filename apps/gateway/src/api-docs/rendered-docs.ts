import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { API_DOCUMENT_NAMES, apiDocument } from './api-documents';
import { asyncApiDocument } from './asyncapi';

/** The checked-in API documents: `docs/openapi/<name>.json` and `docs/asyncapi.json`, as generated now. */
export function renderedApiDocs(): Array<{ file: string; content: string }> {
  const render = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;
  return [
    ...API_DOCUMENT_NAMES.map((name) => ({ file: `docs/openapi/${name}.json`, content: render(apiDocument(name)) })),
    { file: 'docs/asyncapi.json', content: render(asyncApiDocument()) },
  ];
}

/** The repository root (the directory holding nx.json), from source or from dist/. */
export function repositoryRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`repository root (nx.json) not found above ${from}`);
}
