// extensionTestsPath entry: the extension host requires this module and awaits
// run(). The driver (scripts/vscode-host/run-tests.mjs, or run-electron-tests.mjs)
// names the test files in WTS_TEST_FILES and where to write the counts in
// WTS_RESULTS_FILE.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Set when the tests could not be loaded or run at all. */
  error?: string;
}

function testFiles(): string[] {
  const raw = process.env.WTS_TEST_FILES;
  if (!raw) throw new Error('WTS_TEST_FILES is not set; start the tests through `npm run test:vscode`');
  const files: unknown = JSON.parse(raw);
  if (!Array.isArray(files) || !files.every((f): f is string => typeof f === 'string' && path.isAbsolute(f))) {
    throw new Error('WTS_TEST_FILES must be a JSON array of absolute paths');
  }
  if (files.length === 0) throw new Error('WTS_TEST_FILES names no test file');
  return files;
}

function writeCounts(counts: TestCounts): void {
  const file = process.env.WTS_RESULTS_FILE;
  if (file) fs.writeFileSync(file, `${JSON.stringify(counts)}\n`);
}

export function run(): Promise<void> {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  return new Promise<void>((resolve, reject) => {
    try {
      const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, reporter: 'spec', color: false });
      for (const file of testFiles()) mocha.addFile(file);
      const runner = mocha.run((failures) => {
        writeCounts(counts);
        if (failures > 0) reject(new Error(`${failures} test(s) failed`));
        else resolve();
      });
      runner.on('pass', () => counts.passed++);
      // Also counts failing hooks, which mocha reports as failures.
      runner.on('fail', () => counts.failed++);
      runner.on('pending', () => counts.skipped++);
    } catch (err) {
      // A test file that throws while loading lands here.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      writeCounts({ ...counts, error: message });
      reject(err instanceof Error ? err : new Error(message));
    }
  });
}
