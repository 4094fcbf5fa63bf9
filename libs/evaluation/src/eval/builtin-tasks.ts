// The seven benchmarks as lm-evaluation-harness v0.4 defines them (lm_eval/tasks/{mmlu/default,arc,
// hellaswag,winogrande,super_glue/boolq,piqa}/*.yaml in EleutherAI/lm-evaluation-harness). Everything
// here is plain data except the two preprocessing functions the harness also keeps in Python.
import { pyCapitalize, pyStrip } from '@cptflow/pycompat';
import { registerDocFunction, registerDocsProcessor, TaskDefinition, TaskGroupDefinition } from './task-definition';
import { Doc } from './template';

// ---------------------------------------------------------------------------- HellaSwag preprocessing
// lm_eval/tasks/hellaswag/utils.py: strip, WikiHow " [title]" -> ". ", drop other [..] tags, then one
// non-overlapping pass of "  " -> " ".
export function hellaswagPreprocess(text: string): string {
  let out = pyStrip(text);
  out = out.split(' [title]').join('. ');
  out = out.replace(/\[.*?\]/g, '');
  out = out.split('  ').join(' ');
  return out;
}

function hellaswagProcessDoc(doc: Doc): Doc {
  const ctx = `${doc.ctx_a as string} ${pyCapitalize(doc.ctx_b as string)}`;
  return {
    ...doc,
    query: hellaswagPreprocess(`${doc.activity_label as string}: ${ctx}`),
    choices: (doc.endings as string[]).map(hellaswagPreprocess),
    gold: Number.parseInt(doc.label as string, 10),
  };
}

registerDocsProcessor('hellaswag', (docs) => docs.map(hellaswagProcessDoc));

// ---------------------------------------------------------------------------- Winogrande (partial scoring)
// lm_eval/tasks/winogrande/preprocess_winogrande.py: each option fills the blank to form a context; the
// shared continuation is the text after the blank; doc_to_text is the gold option's index.
registerDocFunction('winogrande.goldIndex', (doc) => {
  const answer = doc.answer as string;
  if (answer !== '1' && answer !== '2') throw new Error(`winogrande: answer must be "1" or "2", got ${JSON.stringify(answer)}`);
  return answer === '1' ? 0 : 1;
});
registerDocFunction('winogrande.suffix', (doc) => {
  const sentence = doc.sentence as string;
  return pyStrip(sentence.slice(blankIndex(sentence) + 1));
});
registerDocFunction('winogrande.filledPrefixes', (doc) => {
  const sentence = doc.sentence as string;
  const prefix = sentence.slice(0, blankIndex(sentence));
  return [prefix + (doc.option1 as string), prefix + (doc.option2 as string)];
});

function blankIndex(sentence: string): number {
  const at = sentence.indexOf('_');
  if (at < 0) throw new Error(`winogrande: sentence has no "_" blank: ${JSON.stringify(sentence)}`);
  return at;
}

// ---------------------------------------------------------------------------- MMLU
/** The 57 subjects by harness category (lm_eval/tasks/mmlu/default, tag mmlu_<category>_tasks). */
export const MMLU_SUBJECTS: Record<'stem' | 'other' | 'social_sciences' | 'humanities', string[]> = {
  stem: [
    'abstract_algebra', 'anatomy', 'astronomy', 'college_biology', 'college_chemistry', 'college_computer_science',
    'college_mathematics', 'college_physics', 'computer_security', 'conceptual_physics', 'electrical_engineering',
    'elementary_mathematics', 'high_school_biology', 'high_school_chemistry', 'high_school_computer_science',
    'high_school_mathematics', 'high_school_physics', 'high_school_statistics', 'machine_learning',
  ],
  other: [
    'business_ethics', 'clinical_knowledge', 'college_medicine', 'global_facts', 'human_aging', 'management',
    'marketing', 'medical_genetics', 'miscellaneous', 'nutrition', 'professional_accounting',
    'professional_medicine', 'virology',
  ],
  social_sciences: [
    'econometrics', 'high_school_geography', 'high_school_government_and_politics', 'high_school_macroeconomics',
    'high_school_microeconomics', 'high_school_psychology', 'human_sexuality', 'professional_psychology',
    'public_relations', 'security_studies', 'sociology', 'us_foreign_policy',
  ],
  humanities: [
    'formal_logic', 'high_school_european_history', 'high_school_us_history', 'high_school_world_history',
    'international_law', 'jurisprudence', 'logical_fallacies', 'moral_disputes', 'moral_scenarios', 'philosophy',
    'prehistory', 'professional_law', 'world_religions',
  ],
};

export function mmluSubjectTask(subject: string): TaskDefinition {
  return {
    name: `mmlu_${subject}`,
    version: 1,
    dataset: { path: 'cais/mmlu', name: subject },
    testSplit: 'test',
    fewshotSplit: 'dev',
    fewshotSampler: 'first_n',
    requiredColumns: ['question', 'choices', 'answer'],
    // lm_eval/tasks/mmlu/_generate_configs.py: description names the subject with "_" -> " "
    description: `The following are multiple choice questions (with answers) about ${subject.split('_').join(' ')}.\n\n`,
    docToText: {
      template: '{{question.strip()}}\nA. {{choices[0]}}\nB. {{choices[1]}}\nC. {{choices[2]}}\nD. {{choices[3]}}\nAnswer:',
    },
    docToChoice: { literal: ['A', 'B', 'C', 'D'] },
    docToTarget: { column: 'answer' },
    metrics: ['acc'],
  };
}

const ALL_MMLU_SUBJECTS = Object.values(MMLU_SUBJECTS).flat();

/** MMLU's group score: micro-average over all questions (aggregate_metric_list weight_by_size: True). */
export function mmluGroup(subjects: string[] = ALL_MMLU_SUBJECTS): TaskGroupDefinition {
  return { name: 'mmlu', tasks: subjects.map((s) => `mmlu_${s}`), metrics: ['acc'], weightBySize: true };
}

export function mmluCategoryGroups(): TaskGroupDefinition[] {
  return Object.entries(MMLU_SUBJECTS).map(([category, subjects]) => ({
    name: `mmlu_${category}`,
    tasks: subjects.map((s) => `mmlu_${s}`),
    metrics: ['acc'],
    weightBySize: true,
  }));
}

// ---------------------------------------------------------------------------- the other six
function arcTask(name: string, config: string): TaskDefinition {
  return {
    name,
    version: 1,
    dataset: { path: 'allenai/ai2_arc', name: config },
    trainingSplit: 'train',
    validationSplit: 'validation',
    testSplit: 'test',
    requiredColumns: ['question', 'choices', 'answerKey'],
    docToText: { template: 'Question: {{question}}\nAnswer:' },
    docToChoice: { column: 'choices.text' },
    docToTarget: { indexOf: { list: 'choices.label', value: 'answerKey' } },
    metrics: ['acc', 'acc_norm'],
  };
}

export const ARC_EASY: TaskDefinition = arcTask('arc_easy', 'ARC-Easy');
export const ARC_CHALLENGE: TaskDefinition = arcTask('arc_challenge', 'ARC-Challenge');

export const HELLASWAG: TaskDefinition = {
  name: 'hellaswag',
  version: 1,
  dataset: { path: 'Rowan/hellaswag', name: null },
  trainingSplit: 'train',
  validationSplit: 'validation',
  requiredColumns: ['activity_label', 'ctx_a', 'ctx_b', 'endings', 'label'],
  processDocs: 'hellaswag',
  docToText: { template: '{{query}}' },
  docToChoice: { column: 'choices' },
  docToTarget: { template: '{{label}}' },
  metrics: ['acc', 'acc_norm'],
};

export const WINOGRANDE: TaskDefinition = {
  name: 'winogrande',
  version: 1,
  dataset: { path: 'allenai/winogrande', name: 'winogrande_xl' },
  trainingSplit: 'train',
  validationSplit: 'validation',
  requiredColumns: ['sentence', 'option1', 'option2', 'answer'],
  docToText: { fn: 'winogrande.goldIndex' },
  docToChoice: { fn: 'winogrande.filledPrefixes' },
  docToTarget: { fn: 'winogrande.suffix' },
  metrics: ['acc'],
};

export const BOOLQ: TaskDefinition = {
  name: 'boolq',
  version: 2,
  dataset: { path: 'aps/super_glue', name: 'boolq' },
  trainingSplit: 'train',
  validationSplit: 'validation',
  requiredColumns: ['question', 'passage', 'label'],
  docToText: { template: '{{passage}}\nQuestion: {{question}}?\nAnswer:' },
  docToChoice: { literal: ['no', 'yes'] },
  docToTarget: { column: 'label' },
  metrics: ['acc'],
};

export const PIQA: TaskDefinition = {
  name: 'piqa',
  version: 1,
  dataset: { path: 'baber/piqa', name: null },
  trainingSplit: 'train',
  validationSplit: 'validation',
  requiredColumns: ['goal', 'sol1', 'sol2', 'label'],
  docToText: { template: 'Question: {{goal}}\nAnswer:' },
  docToChoice: { columns: ['sol1', 'sol2'] },
  docToTarget: { column: 'label' },
  metrics: ['acc', 'acc_norm'],
};

/** Every built-in leaf task by harness name (the 57 MMLU subjects included). */
export function builtinTasks(): Map<string, TaskDefinition> {
  const tasks = new Map<string, TaskDefinition>();
  for (const t of [ARC_EASY, ARC_CHALLENGE, HELLASWAG, WINOGRANDE, BOOLQ, PIQA]) tasks.set(t.name, t);
  for (const subject of ALL_MMLU_SUBJECTS) {
    const t = mmluSubjectTask(subject);
    tasks.set(t.name, t);
  }
  return tasks;
}
