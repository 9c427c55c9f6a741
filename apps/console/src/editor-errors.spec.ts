import { errorLine } from './editor-errors';

describe('the editor line of a server validation error', () => {
  const yaml = 'name: demo\nstages:\n  - delay:\n      duration: 1s\n  - teleport:\n      to: mars\n';

  it('takes a YAML parser error line as given', () => {
    expect(errorLine(yaml, 'unmarshalling yaml: All sequence items must start at the same column at line 5, column 4:')).toBe(5);
  });

  it('finds "stage N" in the document (YAML or JSON)', () => {
    expect(errorLine(yaml, 'creating workflow: stage 1: unable to resolve schema teleport')).toBe(5);
    expect(errorLine(yaml, 'creating workflow: stage 0: delay: invalid duration')).toBe(3);
    const json = '{\n  "stages": [\n    {"delay": {"duration": "x"}},\n    {"noop": {}}\n  ]\n}';
    expect(errorLine(json, 'creating workflow: stage 1: something')).toBe(4);
  });

  it('finds a named top-level field, and a JSON parser position', () => {
    expect(errorLine('stages: []\nname: 3\n', "creating workflow: 'name' must be a string")).toBe(2);
    expect(errorLine('{\n  "name": "x",\n  oops\n}', 'Unexpected token o in JSON at position 17')).toBe(3);
  });

  it('gives no line when the message names none', () => {
    expect(errorLine(yaml, 'the workflow config must be an object')).toBeUndefined();
  });
});
