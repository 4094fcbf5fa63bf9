// Which tasks the evaluator knows: the built-in harness tasks plus any JSON task definitions from the
// configured directory, and how a requested name ("arc_easy", "mmlu") expands into leaf tasks and
// group scores.
import { builtinTasks, loadTaskDefinitions, mmluGroup, MMLU_SUBJECTS, TaskDefinition, TaskGroupDefinition } from '../../../libs/eval/src';

export class UnknownTaskError extends Error {
  override readonly name = 'UnknownTaskError';
}

export interface TaskPlan {
  /** Leaf tasks in the order they are evaluated (each once, even if named twice). */
  leaves: TaskDefinition[];
  /** Group scores computed from leaves (MMLU's micro-average). */
  groups: TaskGroupDefinition[];
}

export class TaskCatalog {
  private constructor(
    private readonly tasks: ReadonlyMap<string, TaskDefinition>,
    private readonly mmluSubjects: readonly string[],
  ) {}

  static create(options: { taskDefinitionsDir?: string; mmluSubjects?: readonly string[] } = {}): TaskCatalog {
    const tasks = builtinTasks();
    if (options.taskDefinitionsDir) for (const t of loadTaskDefinitions(options.taskDefinitionsDir)) tasks.set(t.name, t);
    const all = Object.values(MMLU_SUBJECTS).flat();
    const subjects = options.mmluSubjects ?? all;
    const unknown = subjects.filter((s) => !all.includes(s));
    if (unknown.length) throw new UnknownTaskError(`unknown MMLU subject(s): ${unknown.join(', ')}`);
    return new TaskCatalog(tasks, subjects);
  }

  /** Throws UnknownTaskError naming every name it does not know. */
  resolve(names: readonly string[]): TaskPlan {
    const unknown = names.filter((n) => n !== 'mmlu' && !this.tasks.has(n));
    if (unknown.length) throw new UnknownTaskError(`unknown task(s): ${unknown.join(', ')} (known: the seven harness tasks, "mmlu", mmlu_<subject>, or a definition in taskDefinitionsDir)`);
    const leaves = new Map<string, TaskDefinition>();
    const groups: TaskGroupDefinition[] = [];
    for (const name of names) {
      if (name === 'mmlu') {
        const group = mmluGroup([...this.mmluSubjects]);
        for (const leaf of group.tasks) leaves.set(leaf, this.tasks.get(leaf)!);
        groups.push(group);
      } else {
        leaves.set(name, this.tasks.get(name)!);
      }
    }
    return { leaves: [...leaves.values()], groups };
  }
}
