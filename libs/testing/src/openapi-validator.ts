import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { join } from 'node:path';

type Json = Record<string, unknown>;

const SPEC_ID = 'openapi-document';

/** The vendors' OpenAPI files in `../shared/specs` (beside the repository). */
export const SPECS_DIR = process.env.SPECS_DIR ?? join(__dirname, '..', '..', '..', '..', 'shared', 'specs');

/**
 * Validates response bodies against a vendor OpenAPI file (3.0 or 3.1) with Ajv, the whole document
 * registered as a schema so its `$ref`s resolve: `validate('get', '/workflows/{flowId}', 200, body)` returns the list of
 * problems (empty when the body conforms); `assertValid` throws with them.
 */
export class OpenApiResponseValidator {
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(
    private readonly spec: Json,
    private readonly ajv: Ajv,
  ) {}

  /**
   * Like `load`, but when the spec file (or its folder) is absent answers undefined after saying
   * clearly that the spec checks are skipped — so tests still run the behaviour without it.
   */
  static async loadIfPresent(fileName: string): Promise<OpenApiResponseValidator | undefined> {
    if (!existsSync(join(SPECS_DIR, fileName))) {
      console.warn(`OpenAPI spec ${fileName} not found in ${SPECS_DIR} (set SPECS_DIR): response bodies are NOT checked against it`);
      return undefined;
    }
    return OpenApiResponseValidator.load(fileName);
  }

  static async load(fileName: string): Promise<OpenApiResponseValidator> {
    const spec = parseYaml(await readFile(join(SPECS_DIR, fileName), 'utf8')) as Json;
    const is31 = String(spec.openapi).startsWith('3.1');
    const options = { strict: false, allErrors: true, validateFormats: true };
    const ajv = is31 ? new Ajv2020(options) : new Ajv(options);
    addFormats(ajv);
    ajv.addSchema(spec, SPEC_ID);
    return new OpenApiResponseValidator(spec, ajv as Ajv);
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
        `response of ${method.toUpperCase()} ${pathTemplate} (${status}) does not match the spec:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(body)}`,
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
