/**
 * A bound on how deeply a YAML text can nest, checked on the raw text BEFORE it is parsed: the
 * `yaml` parser recurses once per level, and at a few thousand levels it runs out of stack — and
 * when that happens while V8 compiles a regular expression, the process dies (a fatal
 * "RegExpCompiler Allocation failed", not a catchable RangeError). The estimate errs on the side
 * of "too deep": flow brackets are counted even inside quoted scalars, and block nesting is read
 * from indentation plus compact `- `/`? ` indicators. Anything a real workflow writes is far below.
 */
import { TEXT_POLICY } from '../http/text-policy';

/** Flow collections (`[`, `{`) open at once. */
export const MAX_YAML_FLOW_DEPTH = TEXT_POLICY.maxDepth;
/** Columns of block nesting on one line (indentation and compact `- `/`? `/`: ` indicators). */
export const MAX_YAML_BLOCK_COLUMNS = TEXT_POLICY.maxDepth * 8;

/** Why the text nests too deeply to parse, or undefined. */
export function yamlNestingProblem(text: string): string | undefined {
  let flow = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++flow > MAX_YAML_FLOW_DEPTH) return `flow collections nest deeper than ${MAX_YAML_FLOW_DEPTH} levels`;
    } else if ((c === 0x5d /* ] */ || c === 0x7d) /* } */ && flow > 0) flow--;
  }
  for (const line of text.split('\n')) {
    const indicators = /^[ \t]*(?:[-?:][ \t]+)*/.exec(line)![0];
    // Each compact indicator (`- `) opens a level like two columns of indentation do.
    if (indicators.length > MAX_YAML_BLOCK_COLUMNS) return `block collections nest deeper than ${MAX_YAML_BLOCK_COLUMNS} columns of indentation`;
  }
  return undefined;
}
