// The core, built into the test bundle: a second "window" of the same installation.
export { createCore, defaultSettings } from '../../src/core';
import type { Logger } from '../../src/core';

export const silentLoggerForTests: Logger = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
