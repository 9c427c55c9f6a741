import { CliError, EXIT } from './exit-codes';
import { canonicalJson, parseVars, readDefinitions, readPayload } from './input-files';

const usage = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof CliError ? [error.exitCode, error.message] : error;
  }
  return 'no error';
};

describe('wfp input files and arguments', () => {
  it('reads every YAML document of a file as a definition', () => {
    expect(readDefinitions('flows.yaml', 'name: a\nstages: [{noop: {}}]\n---\nname: b\nstages: []\n')).toEqual([
      { name: 'a', stages: [{ noop: {} }] },
      { name: 'b', stages: [] },
    ]);
    expect(readDefinitions('flow.json', '{"name": "c", "stages": []}')).toEqual([{ name: 'c', stages: [] }]);
  });

  it('names the file on a YAML error, a non-mapping document or an empty file (exit 2)', () => {
    expect(usage(() => readDefinitions('bad.yaml', 'name: a\n  stages: [\n'))).toEqual([EXIT.usage, expect.stringMatching(/^bad\.yaml: /)]);
    expect(usage(() => readDefinitions('list.yaml', '- a\n- b\n'))).toEqual([EXIT.usage, expect.stringContaining('not a mapping')]);
    expect(usage(() => readDefinitions('empty.yaml', '# nothing\n'))).toEqual([EXIT.usage, 'empty.yaml: no definition in the file']);
    expect(usage(() => readDefinitions('/nonexistent/flow.yaml'))).toEqual([EXIT.usage, 'cannot read /nonexistent/flow.yaml: ENOENT']);
  });

  it('parses --var name=value (the value may hold =) and refuses a pair without a name', () => {
    expect(parseVars(['a=1', 'expr=x=y', 'empty='])).toEqual({ a: '1', expr: 'x=y', empty: '' });
    expect(usage(() => parseVars(['novalue']))).toEqual([EXIT.usage, '--var novalue: expected name=value']);
    expect(usage(() => parseVars(['=1']))).toEqual([EXIT.usage, '--var =1: expected name=value']);
  });

  it('reads an inline JSON payload and says when it is not JSON', () => {
    expect(readPayload('{"id": 1}')).toEqual({ id: 1 });
    expect(usage(() => readPayload('{nope'))).toEqual([EXIT.usage, expect.stringMatching(/^--payload: not valid JSON/)]);
    expect(usage(() => readPayload('@/nonexistent.json'))).toEqual([EXIT.usage, 'cannot read /nonexistent.json: ENOENT']);
  });

  it('compares definitions regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });
});
