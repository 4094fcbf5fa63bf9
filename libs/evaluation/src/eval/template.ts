import { pyStrip } from '@cptflow/pycompat';

/** A benchmark document: one row of a task's data file (after the task's optional preprocessing). */
export type Doc = Record<string, unknown>;

export class TemplateError extends Error {}

/**
 * Renders the small Jinja subset the harness's multiple-choice prompts use: `{{ path }}` where path is
 * `name`, `name.field`, `name[0]`, optionally ending in `.strip()` (Python's str.strip). Like the
 * harness's StrictUndefined environment, a missing variable is an error, never an empty string.
 * Everything outside `{{ }}` is copied verbatim (trailing newlines kept).
 */
export function renderTemplate(template: string, doc: Doc): string {
  let out = '';
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      out += template.slice(pos);
      break;
    }
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed "{{" in template ${JSON.stringify(template)}`);
    out += template.slice(pos, open);
    out += toPythonStr(evaluateExpression(template.slice(open + 2, close).trim(), doc, template));
    pos = close + 2;
  }
  return out;
}

const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)(\(\))?|\[(-?\d+)\])/;

function evaluateExpression(expr: string, doc: Doc, template: string): unknown {
  const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr);
  if (!head) throw new TemplateError(`unsupported expression {{ ${expr} }} in ${JSON.stringify(template)}`);
  if (!(head[0] in doc)) throw new TemplateError(`template variable "${head[0]}" is not a field of the document`);
  let value: unknown = doc[head[0]];
  let rest = expr.slice(head[0].length);
  while (rest.length > 0) {
    const step = STEP.exec(rest);
    if (!step) throw new TemplateError(`unsupported expression {{ ${expr} }} in ${JSON.stringify(template)}`);
    rest = rest.slice(step[0].length);
    if (step[2] !== undefined) {
      if (step[1] !== 'strip' || typeof value !== 'string') {
        throw new TemplateError(`only str.strip() calls are supported, got {{ ${expr} }}`);
      }
      value = pyStrip(value);
    } else if (step[3] !== undefined) {
      if (!Array.isArray(value)) throw new TemplateError(`{{ ${expr} }}: cannot index a non-list`);
      const i = Number(step[3]);
      const at = i < 0 ? value.length + i : i;
      if (at < 0 || at >= value.length) throw new TemplateError(`{{ ${expr} }}: index ${i} out of range`);
      value = value[at];
    } else {
      value = lookupField(value, step[1], expr);
    }
  }
  return value;
}

/** Resolves a dotted column path such as "choices.text" in a document. */
export function lookupPath(doc: Doc, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) value = lookupField(value, part, path);
  return value;
}

function lookupField(value: unknown, field: string, expr: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !(field in value)) {
    throw new TemplateError(`"${expr}": no field "${field}"`);
  }
  return (value as Record<string, unknown>)[field];
}

/** str(value) as Python/Jinja would print it (numbers, booleans, None; lists of strings as repr). */
export function toPythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  throw new TemplateError(`cannot render a ${Array.isArray(value) ? 'list' : 'mapping'} into a prompt`);
}
