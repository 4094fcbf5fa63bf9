import * as fs from 'node:fs';
import * as path from 'node:path';
import { FieldSpec, getDocsProcessor, isDocFunction, MetricName, TaskDefinition, TaskDefinitionError } from './task-definition';

const METRICS: readonly MetricName[] = ['acc', 'acc_norm', 'acc_bytes'];
const FIELD_FORMS = ['template', 'column', 'columns', 'literal', 'indexOf', 'fn'];

/**
 * Checks a task definition read from JSON (a user-added benchmark) and returns it typed. Errors name
 * the source and the offending field, so a typo is found before any data is read.
 */
export function parseTaskDefinition(value: unknown, source: string): TaskDefinition {
  const fail = (msg: string): never => {
    throw new TaskDefinitionError(`${source}: ${msg}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('a task definition must be a JSON object');
  const obj = value as Record<string, unknown>;
  const str = (key: string, required: boolean) => {
    const v = obj[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || v.length === 0) fail(`"${key}" must be a non-empty string`);
  };
  str('name', true);
  str('trainingSplit', false);
  str('validationSplit', false);
  str('testSplit', false);
  str('fewshotSplit', false);
  str('processDocs', false);
  for (const key of ['description', 'targetDelimiter', 'fewshotDelimiter']) {
    if (obj[key] !== undefined && typeof obj[key] !== 'string') fail(`"${key}" must be a string`);
  }
  if (obj.testSplit === undefined && obj.validationSplit === undefined) fail('needs "testSplit" or "validationSplit" (the evaluated split)');
  const dataset = obj.dataset as Record<string, unknown> | undefined;
  if (!dataset || typeof dataset !== 'object' || typeof dataset.path !== 'string') fail('"dataset.path" must name the dataset directory (e.g. "allenai/ai2_arc")');
  if (dataset!.name !== undefined && dataset!.name !== null && typeof dataset!.name !== 'string') fail('"dataset.name" must be a string or null');
  const files = dataset!.files;
  const isFileList = (v: unknown) => Array.isArray(v) && v.every((f) => typeof f === 'string');
  if (files !== undefined && (files === null || typeof files !== 'object' || Array.isArray(files) || !Object.values(files).every(isFileList))) {
    fail('"dataset.files" must map each split to a list of file names');
  }
  if (typeof obj.processDocs === 'string') {
    try {
      getDocsProcessor(obj.processDocs);
    } catch (err) {
      fail(`"processDocs": ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(obj.requiredColumns) || obj.requiredColumns.some((c) => typeof c !== 'string')) fail('"requiredColumns" must be a list of column names');
  if (!Array.isArray(obj.metrics) || obj.metrics.length === 0 || obj.metrics.some((m) => !METRICS.includes(m as MetricName))) {
    fail(`"metrics" must be a non-empty list of ${METRICS.join(', ')}`);
  }
  if (obj.fewshotSampler !== undefined && obj.fewshotSampler !== 'default' && obj.fewshotSampler !== 'first_n') fail('"fewshotSampler" must be "default" or "first_n"');
  if (obj.numFewshot !== undefined && !(Number.isInteger(obj.numFewshot) && (obj.numFewshot as number) >= 0)) fail('"numFewshot" must be a non-negative integer');
  for (const key of ['docToText', 'docToChoice', 'docToTarget']) checkFieldSpec(obj[key], `"${key}"`, fail);
  return obj as unknown as TaskDefinition;
}

function checkFieldSpec(spec: unknown, where: string, fail: (msg: string) => never): asserts spec is FieldSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail(`${where} must be an object with one of: ${FIELD_FORMS.join(', ')}`);
  const keys = Object.keys(spec as object);
  if (keys.length !== 1 || !FIELD_FORMS.includes(keys[0])) fail(`${where} must have exactly one of: ${FIELD_FORMS.join(', ')} (got ${keys.join(', ') || 'nothing'})`);
  // The value inside the form too: a wrong one would fail every evaluation of the task, not its loading.
  const form = keys[0];
  const value = (spec as Record<string, unknown>)[form];
  const at = `${where.slice(0, -1)}.${form}"`;
  const isString = (v: unknown) => typeof v === 'string';
  const isStringList = (v: unknown) => Array.isArray(v) && v.every(isString);
  if ((form === 'template' || form === 'column' || form === 'fn') && !isString(value)) fail(`${at} must be a string`);
  if (form === 'columns' && !isStringList(value)) fail(`${at} must be a list of strings`);
  if (form === 'literal' && !(isString(value) || typeof value === 'number' || isStringList(value))) fail(`${at} must be a string, a number or a list of strings`);
  if (form === 'indexOf') {
    const { list, value: target } = (value ?? {}) as Record<string, unknown>;
    if (value === null || typeof value !== 'object' || !isString(list) || !isString(target)) fail(`${at} must be { "list": column, "value": column }`);
  }
  if (form === 'fn' && !isDocFunction(value as string)) fail(`${at}: unknown doc function ${JSON.stringify(value)}`);
}

/** Reads task definitions from a JSON file (one object or a list) or from every *.json file of a directory. */
export function loadTaskDefinitions(fileOrDir: string): TaskDefinition[] {
  const files = fs.statSync(fileOrDir).isDirectory()
    ? fs.readdirSync(fileOrDir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(fileOrDir, f))
    : [fileOrDir];
  const tasks: TaskDefinition[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new TaskDefinitionError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    list.forEach((entry, i) => tasks.push(parseTaskDefinition(entry, list.length > 1 ? `${file}[${i}]` : file)));
  }
  return tasks;
}
