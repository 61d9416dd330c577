// A Stryker ignorer (stryker.config.mjs): mutants inside the arguments of a log call,
// `logger.info(…)`, `ctx.deps.logger.warn(…)` and the like. Log lines are text for
// people reading the Output channel; no rule depends on their wording, so a test
// that pinned them would only pin the wording. Mutants that drop or change the
// call itself (an emptied block around it) are still made.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const LEVELS = new Set(['trace', 'info', 'warn', 'error']);

function isLogger(node) {
  if (node.type === 'Identifier') return node.name === 'logger';
  return node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier' && node.property.name === 'logger';
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'log-text', {
    shouldIgnore(path) {
      const { node } = path;
      if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.computed) return undefined;
      const { object, property } = node.callee;
      if (property.type === 'Identifier' && LEVELS.has(property.name) && isLogger(object)) return 'log text: no rule depends on its wording';
      return undefined;
    },
  }),
];
