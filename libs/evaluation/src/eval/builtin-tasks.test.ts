import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinTasks, hellaswagPreprocess, MMLU_SUBJECTS, mmluGroup, WINOGRANDE } from './builtin-tasks';
import { buildRequests } from './requests';
import { parseTaskDefinition } from './task-loader';

describe('built-in tasks', () => {
  it('defines the 57 MMLU subjects (19 stem, 13 other, 12 social sciences, 13 humanities) and the six others', () => {
    assert.deepEqual(Object.values(MMLU_SUBJECTS).map((s) => s.length), [19, 13, 12, 13]);
    const tasks = builtinTasks();
    assert.equal(tasks.size, 57 + 6);
    assert.equal(mmluGroup().tasks.length, 57);
    assert.match(tasks.get('mmlu_high_school_government_and_politics')!.description!, /about high school government and politics\.\n\n$/);
  });

  it('preprocesses HellaSwag text like lm_eval/tasks/hellaswag/utils.py', () => {
    // strip happens before the tags go, so a leading tag leaves a leading space (as in Python)
    assert.equal(hellaswagPreprocess(' [header] How to x [title] Do y. [step] Then  z '), ' How to x. Do y. Then z');
    // one non-overlapping pass: three spaces become two
    assert.equal(hellaswagPreprocess('a   b'), 'a  b');
  });

  it('scores Winogrande partially: one context per option, the same continuation after the blank', () => {
    const [doc] = buildRequests(WINOGRANDE, [{ sentence: 'Tom hugged Bob because _ was sad .', option1: 'Tom', option2: 'Bob', answer: '2' }]);
    assert.deepEqual(doc.requests.map((r) => [r.context, r.continuation]), [
      ['Tom hugged Bob because Tom', ' was sad .'],
      ['Tom hugged Bob because Bob', ' was sad .'],
    ]);
    assert.equal(doc.gold, 1);
  });

  it('are plain data: every built-in definition survives a JSON round trip and validation unchanged', () => {
    for (const task of builtinTasks().values()) {
      const copy = parseTaskDefinition(JSON.parse(JSON.stringify(task)), task.name);
      assert.deepEqual(copy, task);
    }
  });
});
