import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { itWithVendorSpec, SPECS_DIR } from '@wfp/testing';
import { apiDocument } from './api-documents';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(document: Json): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const method of METHODS) if ((item as Json)[method]) found.set(`${method.toUpperCase()} ${path}`, (item as Json)[method]);
  }
  return found;
}

/**
 * Our documents against the vendors' files (SPECS_DIR): every vendor operation we implement is in
 * ours at the same path and method, with the vendor's success status. (Response bodies are checked
 * against the vendors' files by the e2e suites' conformance tests.)
 */
describe.each([
  { name: 'formance-v1', file: 'formance-orchestration-v1.yaml', notImplemented: [] as string[] },
  { name: 'formance-v2', file: 'formance-orchestration-v2.yaml', notImplemented: [] as string[] },
  { name: 'engage', file: 'engage-digital-interventions.yaml', notImplemented: ['/intervention_comments'] },
  { name: 'solvimon', file: 'solvimon-workflow-triggers.yaml', notImplemented: [] as string[] },
])('vendor conformance of $name', ({ name, file, notImplemented }) => {
  itWithVendorSpec(file)(`implements every operation of ${file} at the vendor's path and status`, () => {
    const vendor = operations(parseYaml(readFileSync(join(SPECS_DIR, file), 'utf8')) as Json);
    const ours = operations(apiDocument(name)!);
    const missing: string[] = [];
    for (const [key, operation] of vendor) {
      if (notImplemented.some((prefix) => key.split(' ')[1].startsWith(prefix))) continue;
      const mine = ours.get(key);
      if (!mine) {
        missing.push(key);
        continue;
      }
      const success = Object.keys(operation.responses as Json).filter((status) => status.startsWith('2'));
      for (const status of success) if (!(mine.responses as Json)[status]) missing.push(`${key} ${status}`);
    }
    expect(missing).toEqual([]);
  });
});
