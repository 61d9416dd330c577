/**
 * Quotes an argument for display (logs, the "copy attach command" text).
 * Never used to build a command the extension runs: those are argv arrays.
 */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
