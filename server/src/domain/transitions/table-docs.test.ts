/**
 * The state-machine table in `docs/decisions.md` is {@link TRANSITIONS}, rendered. After changing
 * the table, `QTASKS_WRITE_DOCS=1 npx vitest run server/src/domain/transitions/table-docs.test.ts`
 * rewrites the doc's block (and the test then passes).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRANSITION_NAMES, ruleOf } from './table.js';

const DOC = new URL('../../../../docs/decisions.md', import.meta.url);
const BEGIN = '<!-- transitions:begin (generated from server/src/domain/transitions/table.ts) -->';
const END = '<!-- transitions:end -->';

/** The table as Markdown, one row per transition, in table order. */
function renderTable(): string {
  const code = (text: string) => `\`${text}\``;
  const rows = TRANSITION_NAMES.map((name) => {
    const rule = ruleOf(name);
    const from = rule.from.length === 0 ? '(none)' : rule.from.map(code).join(', ');
    const to = rule.to === 'same' ? '(same)' : rule.to.map(code).join(', ');
    return `| ${code(name)} | ${from} | ${to} | ${rule.trigger} | ${code(rule.verb)} | ${rule.watched ? 'yes' : 'no'} | ${rule.writes} | ${rule.does} |`;
  });
  return [
    '| transition | from | to | trigger | store verb | watchers see it | writes to LMDB | what it does |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

describe('docs/decisions.md', () => {
  it('shows the transition table as it is in the code', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, `docs/decisions.md has no line ${BEGIN}`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const expected = `${BEGIN}\n${renderTable()}\n${END}`;
    if (process.env['QTASKS_WRITE_DOCS'] === '1') writeFileSync(DOC, doc.slice(0, start) + expected + doc.slice(end + END.length));
    expect(readFileSync(DOC, 'utf8').slice(start, start + expected.length)).toBe(expected);
  });
});
