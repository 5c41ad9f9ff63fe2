/**
 * The README's quick-start example, run as written: the block is cut out of README.md, lowered by
 * TypeScript (it uses a decorator and top-level await) and run by Node against a real broker.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
// Inside the repository, so that `@qtasks/sdk` resolves from its node_modules.
const OUT_DIR = fileURLToPath(new URL('./.generated/', import.meta.url));

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess();
});
afterAll(async () => {
  await broker.dispose();
  await rm(OUT_DIR, { recursive: true, force: true });
});

/** The code of the fenced block that follows `<!-- example:NAME ... -->`. */
async function readmeExample(name: string): Promise<string> {
  const readme = await readFile(README, 'utf8');
  const match = new RegExp(`<!-- example:${name}[^>]*-->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no example "${name}"`);
  return match[1]!;
}

test('the quick-start example runs as written and prints what it says', async () => {
  const source = await readmeExample('quickstart');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  await mkdir(OUT_DIR, { recursive: true });
  const file = `${OUT_DIR}readme-quickstart.mjs`;
  await writeFile(file, outputText);
  const run = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, QTASKS_BROKER_ADDRESS: broker.address },
    timeout: 30_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const promised = /\/\/ → (.*)\n/.exec(source)![1];
  expect(run.stdout.trim()).toBe(promised);
});
