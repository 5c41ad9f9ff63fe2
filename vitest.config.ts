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

export default defineConfig({
  plugins: [standardDecorators()],
  test: {
    include: ['server/src/**/*.test.ts', 'sdk-ts/src/**/*.test.ts', 'tests/**/*.test.ts'],
    globals: false,
    // Integration tests start real broker processes; a slow CI machine needs room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.QTASKS_TEST_REPORT ? ['default', ['json', { outputFile: process.env.QTASKS_TEST_REPORT }]] : ['default'],
  },
});
