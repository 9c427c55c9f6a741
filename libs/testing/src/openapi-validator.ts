import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

const SPEC_ID = 'openapi-document';

function repositoryRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`repository root (nx.json) not found above ${from}`);
}

/** The project's own OpenAPI documents (generated from the zod contracts: `npm run docs:api`). */
export const PROJECT_OPENAPI_DIR = join(repositoryRoot(), 'docs', 'openapi');

/** The project's APIs, by document name (`docs/openapi/<name>.json`). */
export type ProjectApi = 'formance-v1' | 'formance-v2' | 'engage' | 'solvimon' | 'events' | (string & {});

/**
 * The vendors' OpenAPI files: `SPECS_DIR` (relative to the working directory), else `../shared/specs`
 * beside the repository. Only the vendor-conformance tests read them; they are skipped without it.
 */
export const SPECS_DIR = process.env.SPECS_DIR
  ? isAbsolute(process.env.SPECS_DIR)
    ? process.env.SPECS_DIR
    : resolve(process.env.SPECS_DIR)
  : join(repositoryRoot(), '..', 'shared', 'specs');

/** One validated response, kept for the vendor-conformance check of the same suite. */
export interface SeenResponse {
  method: string;
  pathTemplate: string;
  status: number;
  body: unknown;
}

function newAjv(is31: boolean): Ajv {
  const options = { strict: false, allErrors: true, validateFormats: true };
  const ajv = is31 ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  // Formats of the vendors' files beyond JSON Schema's (Formance: amounts as `integer` + `bigint`).
  ajv.addFormat('bigint', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  return ajv as Ajv;
}

/**
 * Validates response bodies against an OpenAPI document (3.0 or 3.1) with Ajv, the whole document
 * registered as a schema so its `$ref`s resolve: `validate('get', '/workflows/{flowId}', 200, body)`
 * returns the list of problems (empty when the body conforms); `assertValid` throws with them.
 * `load('formance-v1')` reads the project's own document; `loadVendor('<file>.yaml')` a vendor's.
 */
export class OpenApiResponseValidator {
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Every response validated so far (see `itConformsToVendorSpec`). */
  readonly seen: SeenResponse[] = [];

  private constructor(
    private readonly spec: Json,
    private readonly ajv: Ajv,
    readonly source: string,
  ) {}

  /**
   * A vendor's file in `SPECS_DIR` when it is there; otherwise undefined, after saying plainly that
   * those checks are skipped (the tests still run the behaviour).
   */
  static async loadIfPresent(fileName: string): Promise<OpenApiResponseValidator | undefined> {
    if (!existsSync(join(SPECS_DIR, fileName))) {
      console.warn(`vendor conformance skipped: ${fileName} not found in ${SPECS_DIR} (set SPECS_DIR): response bodies are NOT checked against it`);
      return undefined;
    }
    return OpenApiResponseValidator.loadVendor(fileName);
  }

  /** The project's own document `docs/openapi/<name>.json` (a `.yaml` name is read as a vendor file). */
  static async load(name: ProjectApi): Promise<OpenApiResponseValidator> {
    if (/\.ya?ml$/.test(name)) return OpenApiResponseValidator.loadVendor(name);
    const path = join(PROJECT_OPENAPI_DIR, `${name}.json`);
    return OpenApiResponseValidator.fromDocument(JSON.parse(await readFile(path, 'utf8')) as Json, path);
  }

  /** A vendor's file in `SPECS_DIR` (check `vendorSpecsAvailable()` first). */
  static async loadVendor(fileName: string): Promise<OpenApiResponseValidator> {
    const path = join(SPECS_DIR, fileName);
    return OpenApiResponseValidator.fromDocument(parseYaml(await readFile(path, 'utf8')) as Json, path);
  }

  static fromDocument(spec: Json, source = 'document'): OpenApiResponseValidator {
    const ajv = newAjv(String(spec.openapi).startsWith('3.1'));
    ajv.addSchema(spec, SPEC_ID);
    return new OpenApiResponseValidator(spec, ajv, source);
  }

  /** Does the document declare this operation and a JSON body for this status? */
  declares(method: string, pathTemplate: string, status: number): boolean {
    try {
      this.schemaOf(method, pathTemplate, status);
      return true;
    } catch {
      return false;
    }
  }

  /** A `$ref` to the response schema of an operation, or throws if the spec declares none. */
  schemaOf(method: string, pathTemplate: string, status: number): Json {
    const paths = this.spec.paths as Record<string, Record<string, Json>>;
    const operation = paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`the spec has no operation ${method.toUpperCase()} ${pathTemplate}`);
    const responses = operation.responses as Record<string, Json>;
    const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => responses[c]);
    if (!code) throw new Error(`${method.toUpperCase()} ${pathTemplate} declares no ${status} response`);
    let response = responses[code];
    if (typeof response.$ref === 'string') response = this.resolve(response.$ref);
    const content = response.content as Record<string, { schema?: Json }> | undefined;
    if (!content?.['application/json']?.schema) {
      throw new Error(`${method.toUpperCase()} ${pathTemplate} ${status} declares no JSON body`);
    }
    const pointer = ['paths', pathTemplate, method.toLowerCase(), 'responses', code, 'content', 'application/json', 'schema']
      .map((token) => token.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    return typeof (responses[code] as Json).$ref === 'string'
      ? { $ref: `${SPEC_ID}${(responses[code] as Json).$ref}/content/application~1json/schema` }
      : { $ref: `${SPEC_ID}#/${pointer}` };
  }

  validate(method: string, pathTemplate: string, status: number, body: unknown): string[] {
    this.seen.push({ method: method.toLowerCase(), pathTemplate, status, body });
    return this.check(method, pathTemplate, status, body);
  }

  /** Like `validate`, without recording the response. */
  check(method: string, pathTemplate: string, status: number, body: unknown): string[] {
    const key = `${method.toLowerCase()} ${pathTemplate} ${status}`;
    let validateFn = this.compiled.get(key);
    if (!validateFn) {
      validateFn = this.ajv.compile(this.schemaOf(method, pathTemplate, status));
      this.compiled.set(key, validateFn);
    }
    if (validateFn(body)) return [];
    return (validateFn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  assertValid(method: string, pathTemplate: string, status: number, body: unknown): void {
    const problems = this.validate(method, pathTemplate, status, body);
    if (problems.length > 0) {
      throw new Error(
        `response of ${method.toUpperCase()} ${pathTemplate} (${status}) does not match ${this.source}:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(body)}`,
      );
    }
  }

  private resolve(ref: string): Json {
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((node, token) => node[token.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, this.spec);
  }

  /** A named schema of `components.schemas`, e.g. for `ApiError`. */
  validateComponent(name: string, value: unknown): string[] {
    const schemas = (this.spec.components as Json | undefined)?.schemas as Record<string, Json> | undefined;
    if (!schemas?.[name]) throw new Error(`the spec has no component schema ${name}`);
    const schema = { $ref: `${SPEC_ID}#/components/schemas/${name}` };
    const key = `component ${name}`;
    let validateFn = this.compiled.get(key);
    if (!validateFn) {
      validateFn = this.ajv.compile(schema);
      this.compiled.set(key, validateFn);
    }
    return validateFn(value) ? [] : (validateFn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }
}
