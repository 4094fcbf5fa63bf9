import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, TemplateError } from './template';
import { docChoices, docTarget, docText, registerDocFunction, resolveField, TaskDefinition } from './task-definition';

describe('renderTemplate', () => {
  const doc = { question: '  Why?\n', choices: ['x', 'y'], meta: { n: 3, flag: true } };

  it('renders paths, indexing and .strip() like the harness Jinja templates', () => {
    assert.equal(renderTemplate('{{question.strip()}}\nA. {{choices[0]}}\nB. {{ choices[1] }}\n', doc), 'Why?\nA. x\nB. y\n');
    assert.equal(renderTemplate('{{meta.n}} {{meta.flag}} {{choices[-1]}}', doc), '3 True y');
  });

  it('fails on an undefined variable instead of rendering an empty string (StrictUndefined)', () => {
    assert.throws(() => renderTemplate('Q: {{qestion}}', doc), TemplateError);
    assert.throws(() => renderTemplate('{{choices[5]}}', doc), /out of range/);
    assert.throws(() => renderTemplate('{{question.upper()}}', doc), /strip/);
  });
});

describe('field resolution', () => {
  const task = (over: Partial<TaskDefinition>): TaskDefinition => ({
    name: 't', dataset: { path: 'x' }, testSplit: 'test', requiredColumns: [], metrics: ['acc'],
    docToText: { template: '{{q}}' }, docToChoice: { literal: ['no', 'yes'] }, docToTarget: { column: 'label' }, ...over,
  });

  it('turns a rendered all-digit target into a choice index, but keeps a column value raw', () => {
    assert.equal(docTarget(task({ docToTarget: { template: '{{label}}' } }), { label: '1' }), 1);
    assert.equal(docTarget(task({ docToTarget: { column: 'label' } }), { label: '1' }), '1');
  });

  it('resolves indexOf (ARC answerKey), columns (PIQA) and registered functions', () => {
    const doc = { choices: { label: ['1', '2', '3'] }, answerKey: '3', a: 's1', b: 's2', q: 'hi' };
    assert.equal(resolveField({ indexOf: { list: 'choices.label', value: 'answerKey' } }, doc, true), 2);
    assert.deepEqual(docChoices(task({ docToChoice: { columns: ['a', 'b'] } }), doc), ['s1', 's2']);
    registerDocFunction('test.shout', (d) => `${d.q as string}!`);
    assert.equal(docText(task({ docToText: { fn: 'test.shout' } }), doc), 'hi!');
    assert.throws(() => resolveField({ fn: 'test.missing' }, doc, true), /unknown doc function/);
  });
});
