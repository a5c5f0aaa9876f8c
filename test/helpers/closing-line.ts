/**
 * vitest reporter: at the end of the run, print exactly one line to stdout:
 *   tests: N passed, N failed[, N skipped]
 * Unhandled errors, and module/suite-level errors (failed imports, failing
 * beforeAll/afterAll hooks) that no failed test accounts for, count as failures.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, _reason: TestRunEndReason): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        switch (test.result().state) {
          case 'passed':
            passed++;
            break;
          case 'failed':
            failedHere++;
            break;
          case 'skipped':
            skipped++;
            break;
          case 'pending':
            break;
        }
      }
      failed += failedHere;
      if (failedHere === 0) {
        const suiteErrors = [...mod.children.allSuites()].some((s) => s.errors().length > 0);
        if (mod.errors().length > 0 || suiteErrors || mod.state() === 'failed') failed++;
      }
    }
    failed += unhandledErrors.length;
    let line = `tests: ${passed} passed, ${failed} failed`;
    if (skipped > 0) line += `, ${skipped} skipped`;
    process.stdout.write(`${line}\n`);
  }
}
