import { existsSync, readdirSync } from 'node:fs';
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Vite's TypeScript transform (oxc) does not lower TC39 standard decorators, and Node 20 cannot
 * run them; the SDK's `@app.task` is one. Files that use a decorator go through TypeScript's own
 * transpiler first (the same lowering `tsc` applies to the packages), then on as plain JavaScript.
 */
function standardDecorators(): Plugin {
  return {
    name: 'qtasks:standard-decorators',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.[cm]?ts$/.test(id) || !/^\s*@[A-Za-z_$][\w$.]*/m.test(code)) return null;
      const output = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true, inlineSources: true },
      });
      return { code: output.outputText.replace(/\/\/# sourceMappingURL=.*$/m, ''), map: output.sourceMapText ?? null };
    },
  };
}

/**
 * The end-to-end suites run twice: on the LMDB store (with everything else), and again with every
 * broker on PostgreSQL (issue 14), one cluster for the run (`tests/helpers/postgres-global-setup.ts`)
 * and a database per broker (`tests/helpers/test-store.ts`).
 */
const ON_BOTH_STORES = [
  'tests/integration/**/*.test.ts',
  'tests/sdk/**/*.test.ts',
  'tests/cli/**/*.test.ts',
  'tests/cross-language/**/*.test.ts',
  'tests/dashboard/api.test.ts',
];

/**
 * Debian's PostgreSQL server (`apt-get install postgresql`), which the `postgres` project needs.
 * Without it, that project is left out with a note, except under CI, where it then fails rather
 * than pass untested.
 */
const POSTGRES_INSTALLED = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/initdb`));
const RUN_ON_POSTGRES = POSTGRES_INSTALLED || process.env.CI === 'true';
if (!RUN_ON_POSTGRES) console.warn('vitest: no PostgreSQL server installed (apt-get install postgresql): the suite runs on LMDB only');

export default defineConfig({
  plugins: [standardDecorators()],
  test: {
    globals: false,
    // Integration tests start real broker processes; a slow CI machine needs room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.QTASKS_TEST_REPORT ? ['default', ['json', { outputFile: process.env.QTASKS_TEST_REPORT }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'lmdb', include: ['server/src/**/*.test.ts', 'sdk-ts/src/**/*.test.ts', 'tests/**/*.test.ts'] } },
      ...(RUN_ON_POSTGRES
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ON_BOTH_STORES,
                env: { QTASKS_TEST_STORE: 'postgres' },
                globalSetup: ['tests/helpers/postgres-global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
