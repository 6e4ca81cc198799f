// mocha's spec reporter plus the closing line CI reads: `N passed, N failed, N skipped`.
'use strict';
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class ClosingLineReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats || { passes: 0, failures: 0, pending: 0 };
      process.stdout.write(`\n${stats.passes} passed, ${stats.failures} failed, ${stats.pending} skipped\n`);
    });
  }
}

module.exports = ClosingLineReporter;
