import { parse } from 'yaml';
import { MAX_YAML_BLOCK_COLUMNS, MAX_YAML_FLOW_DEPTH, yamlNestingProblem } from './yaml-nesting';

describe('yamlNestingProblem', () => {
  it('accepts ordinary workflow configs', () => {
    const config = 'name: sla\nstages:\n  - delay: {duration: 1s}\n  - wait_event: {event: go}\n  - http: {method: POST, url: "https://x", headers: {a: [1, [2, {b: 3}]]}}\n';
    expect(yamlNestingProblem(config)).toBeUndefined();
    expect(parse(config)).toBeDefined();
  });

  it('accepts nesting at the bound and refuses one level more, for flow collections', () => {
    expect(yamlNestingProblem('['.repeat(MAX_YAML_FLOW_DEPTH) + ']'.repeat(MAX_YAML_FLOW_DEPTH))).toBeUndefined();
    expect(yamlNestingProblem('a: ' + '{b: '.repeat(MAX_YAML_FLOW_DEPTH + 1) + '1' + '}'.repeat(MAX_YAML_FLOW_DEPTH + 1))).toMatch(/flow collections/);
  });

  it('refuses deep block nesting by indentation and by compact indicators', () => {
    expect(yamlNestingProblem(' '.repeat(MAX_YAML_BLOCK_COLUMNS + 1) + 'a: 1')).toMatch(/block collections/);
    expect(yamlNestingProblem('- '.repeat(5000) + 'x')).toMatch(/block collections/);
    expect(yamlNestingProblem('? '.repeat(5000) + 'x')).toMatch(/block collections/);
  });

  it('keeps every text it accepts within what the parser handles without exhausting the stack', () => {
    const accepted = ['['.repeat(MAX_YAML_FLOW_DEPTH) + ']'.repeat(MAX_YAML_FLOW_DEPTH), '- '.repeat(MAX_YAML_BLOCK_COLUMNS / 2) + 'x'];
    for (const text of accepted) {
      expect(yamlNestingProblem(text)).toBeUndefined();
      expect(() => parse(text)).not.toThrow();
    }
  });
});
