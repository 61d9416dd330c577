// A mocha reporter for scripts/test.mjs: spec-style output, plus the counts
// written as JSON to the file named by `--reporter-option output=<file>`.
// mocha loads reporters with require(), so this one is CommonJS.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const fs = require('node:fs');
const Spec = require('mocha/lib/reporters/spec');

class SpecWithCounts extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const output = options && options.reporterOption && options.reporterOption.output;
    const counts = { passed: 0, failed: 0, skipped: 0 };
    runner.on('pass', () => counts.passed++);
    // Failing hooks are reported as failures too, so they count.
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.skipped++);
    runner.once('end', () => {
      if (output) fs.writeFileSync(output, `${JSON.stringify(counts)}\n`);
    });
  }
}

module.exports = SpecWithCounts;
