// Which tasks a request like `--tasks arc_easy mmlu` means, and whether their data is there — all
// checked before any model is loaded, so a missing file is reported once, with every path tried,
// instead of after minutes of scoring. `mmlu` and its category groups (`mmlu_stem`, ...) score the
// subjects that are present, as the harness aggregates a group over its subtasks, and name the
// subjects that are missing.
import * as path from 'node:path';
import { locateSplit } from './dataset-reader';
import { builtinTasks, MMLU_SUBJECTS } from './builtin-tasks';
import { evalSplitOf, fewshotSplitOf, TaskDefinition, TaskGroupDefinition } from './task-definition';

/** One task split that is not in the data directory, with every path pattern that was tried. */
export interface MissingSplit {
  task: string;
  split: string;
  dataRoot: string;
  /** Patterns relative to dataRoot, in brace notation (`Rowan/hellaswag/{data/,}validation{.jsonl,...}`). */
  tried: string[];
}

/** Unknown task names or missing data; `lines()` says each problem on one line. */
export class TaskSelectionError extends Error {
  constructor(
    readonly unknown: readonly string[],
    readonly missing: readonly MissingSplit[],
  ) {
    super([...unknownLines(unknown), ...missing.map(missingLine)].join('\n'));
  }
}

function unknownLines(unknown: readonly string[]): string[] {
  if (unknown.length === 0) return [];
  return [`unknown task(s): ${unknown.join(', ')} (known: arc_easy arc_challenge hellaswag winogrande boolq piqa, mmlu, mmlu_<category>, mmlu_<subject>)`];
}

export function missingLine(m: MissingSplit): string {
  return `missing ${m.task} (split "${m.split}") under ${m.dataRoot}: tried ${m.tried.join(' ')}`;
}

export interface TaskSelection {
  /** Leaf tasks with data, in evaluation order, each once. */
  leaves: TaskDefinition[];
  /** Group scores over present leaves, outermost first (mmlu, then its categories). */
  groups: TaskGroupDefinition[];
  /** Each group's direct children that are reported (the harness's group_subtasks). */
  subtasks: Record<string, string[]>;
  /** Group name -> its leaf tasks without data (scored over the others). */
  missingInGroups: Record<string, string[]>;
  /** The missing splits of those group members (paths tried), for a verbose report. */
  missing: MissingSplit[];
}

export interface SelectOptions {
  dataRoot: string;
  /** Few-shot examples per prompt (decides whether a few-shot split is needed); null: each task's default. */
  numFewshot: number | null;
  /** Leaf tasks by name (defaults to the built-in harness tasks). */
  tasks?: ReadonlyMap<string, TaskDefinition>;
  /** The MMLU subjects `mmlu` and its categories stand for (default: all 57); others are not asked for. */
  mmluSubjects?: readonly string[];
}

const MMLU_CATEGORIES = Object.keys(MMLU_SUBJECTS) as Array<keyof typeof MMLU_SUBJECTS>;

/** Splits a task needs: the evaluated one, and the few-shot pool when k > 0. */
export function requiredSplits(task: TaskDefinition, numFewshot: number | null): string[] {
  const splits = [evalSplitOf(task)];
  const k = numFewshot ?? task.numFewshot ?? 0;
  const fewshot = fewshotSplitOf(task);
  if (k > 0 && fewshot && !splits.includes(fewshot)) splits.push(fewshot);
  return splits;
}

/** The missing splits of one task (empty when all are there). */
export function missingSplits(dataRoot: string, task: TaskDefinition, numFewshot: number | null): MissingSplit[] {
  const out: MissingSplit[] = [];
  for (const split of requiredSplits(task, numFewshot)) {
    const found = locateSplit(dataRoot, task.dataset, split, task.name);
    if (!found.found) out.push({ task: task.name, split, dataRoot: path.resolve(dataRoot), tried: found.patterns });
  }
  return out;
}

/**
 * Expands names into leaf tasks and groups and checks every required split. Throws
 * TaskSelectionError listing all unknown names and all missing data of directly named tasks (and of
 * groups none of whose members has data).
 */
export function selectTasks(names: readonly string[], options: SelectOptions): TaskSelection {
  const known = options.tasks ?? builtinTasks();
  const subjects = options.mmluSubjects ? new Set(options.mmluSubjects) : undefined;
  const unknown: string[] = [];
  const fatal: MissingSplit[] = [];
  const selection: TaskSelection = { leaves: [], groups: [], subtasks: {}, missingInGroups: {}, missing: [] };
  const chosen = new Set<string>();
  const checked = new Map<string, MissingSplit[]>();
  const check = (task: TaskDefinition): MissingSplit[] => {
    if (!checked.has(task.name)) checked.set(task.name, missingSplits(options.dataRoot, task, options.numFewshot));
    return checked.get(task.name)!;
  };
  const addLeaf = (task: TaskDefinition): void => {
    if (!chosen.has(task.name)) {
      chosen.add(task.name);
      selection.leaves.push(task);
    }
  };

  for (const name of names) {
    const group = groupTree(name, subjects);
    if (group && group.leaves.length === 0) {
      unknown.push(name); // a category none of whose subjects is among mmluSubjects
      continue;
    }
    if (group) {
      const leaves = group.leaves.map((leaf) => known.get(leaf)!);
      const present = leaves.filter((t) => check(t).length === 0);
      if (present.length === 0) {
        fatal.push(...leaves.flatMap(check));
        continue;
      }
      present.forEach(addLeaf);
      const missing = leaves.filter((t) => check(t).length > 0);
      selection.missing.push(...missing.flatMap(check));
      const presentNames = new Set(present.map((t) => t.name));
      for (const g of group.groups) {
        const members = g.tasks.filter((t) => presentNames.has(t));
        if (members.length === 0) continue;
        if (selection.groups.some((s) => s.name === g.name)) continue;
        selection.groups.push({ name: g.name, tasks: g.tasks, metrics: g.metrics, weightBySize: g.weightBySize });
        selection.subtasks[g.name] = g.children.filter((c) => presentNames.has(c) || group.groups.some((sub) => sub.name === c && sub.tasks.some((t) => presentNames.has(t))));
        const absent = g.tasks.filter((t) => !presentNames.has(t));
        if (absent.length > 0) selection.missingInGroups[g.name] = absent;
      }
      continue;
    }
    const task = known.get(name);
    if (!task) {
      unknown.push(name);
      continue;
    }
    const missing = check(task);
    if (missing.length > 0) fatal.push(...missing);
    else addLeaf(task);
  }
  if (unknown.length > 0 || fatal.length > 0) throw new TaskSelectionError(unknown, fatal);
  return selection;
}

interface GroupNode extends TaskGroupDefinition {
  /** Direct children: category groups for mmlu, subject tasks for a category. */
  children: string[];
}

/**
 * `mmlu` or `mmlu_<category>` as groups over leaf tasks (size-weighted, as the harness's MMLU YAMLs),
 * restricted to `subjects` when given.
 */
function groupTree(name: string, subjects: ReadonlySet<string> | undefined): { leaves: string[]; groups: GroupNode[] } | undefined {
  const category = (c: string): GroupNode => {
    const tasks = MMLU_SUBJECTS[c as keyof typeof MMLU_SUBJECTS].filter((s) => !subjects || subjects.has(s)).map((s) => `mmlu_${s}`);
    return { name: `mmlu_${c}`, tasks, children: tasks, metrics: ['acc'], weightBySize: true };
  };
  if (name === 'mmlu') {
    const categories = MMLU_CATEGORIES.map(category).filter((c) => c.tasks.length > 0);
    const leaves = categories.flatMap((c) => c.tasks);
    return { leaves, groups: [{ name: 'mmlu', tasks: leaves, children: categories.map((c) => c.name), metrics: ['acc'], weightBySize: true }, ...categories] };
  }
  const match = /^mmlu_(.+)$/.exec(name);
  if (match && (MMLU_CATEGORIES as string[]).includes(match[1])) {
    const g = category(match[1]);
    return { leaves: g.tasks, groups: [g] };
  }
  return undefined;
}
