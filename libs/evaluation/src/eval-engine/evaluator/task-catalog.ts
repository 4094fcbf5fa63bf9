// Which tasks the evaluator knows — the built-in harness tasks plus any JSON task definitions from the
// configured directory — and what a requested list of names means. The names are resolved by
// libs/evaluation/src/eval's selectTasks, exactly as `cptflow eval` resolves them: leaf tasks ("arc_easy",
// "mmlu_anatomy"), "mmlu" and its categories ("mmlu_stem", ...) as groups over the subjects whose files
// are present; every split is looked up before a model is loaded.
import { builtinTasks, checkFewshotPools, loadTaskDefinitions, MMLU_SUBJECTS, selectTasks, type TaskDefinition, type TaskSelection, TaskSelectionError } from '../../eval';

/** Leaf tasks in evaluation order (each once) and the group scores computed from them. */
export type TaskPlan = TaskSelection;

export interface TaskCatalogOptions {
  /** Root of the task files in their hub layouts. */
  taskDataDir: string;
  /** Extra task definitions (JSON files); they may shadow built-in names. */
  taskDefinitionsDir?: string;
  /** The subjects "mmlu" and its categories stand for (default: all 57). */
  mmluSubjects?: readonly string[];
  /** The configured tasks: what an evaluation that names none scores (default: none). */
  tasks?: readonly string[];
}

export class TaskCatalog {
  private constructor(
    private readonly tasks: ReadonlyMap<string, TaskDefinition>,
    private readonly options: TaskCatalogOptions,
  ) {}

  /** Throws TaskSelectionError for an MMLU subject that does not exist. */
  static create(options: TaskCatalogOptions): TaskCatalog {
    const tasks = builtinTasks();
    if (options.taskDefinitionsDir) for (const t of loadTaskDefinitions(options.taskDefinitionsDir)) tasks.set(t.name, t);
    const all = Object.values(MMLU_SUBJECTS).flat();
    const unknown = (options.mmluSubjects ?? []).filter((s) => !all.includes(s));
    if (unknown.length) throw new TaskSelectionError(unknown.map((s) => `mmlu_${s}`), []);
    return new TaskCatalog(tasks, options);
  }

  /**
   * The tasks `names` stand for, with `numFewshot` examples per prompt (null: each task's default).
   * Throws TaskSelectionError naming every unknown name and every missing split.
   */
  resolve(names: readonly string[], numFewshot: number | null = null): TaskPlan {
    return selectTasks(names, { dataRoot: this.options.taskDataDir, numFewshot, tasks: this.tasks, mmluSubjects: this.options.mmluSubjects });
  }

  /** The configured tasks, resolved: what an evaluation that names none scores. */
  configured(numFewshot: number | null = null): TaskPlan {
    return this.resolve(this.options.tasks ?? [], numFewshot);
  }

  /** Throws TaskDataError naming every leaf of `plan` whose few-shot split is too small for k-shot prompts. */
  checkFewshotPools(plan: TaskPlan, numFewshot: number): Promise<void> {
    return checkFewshotPools(this.options.taskDataDir, plan.leaves, numFewshot);
  }
}
