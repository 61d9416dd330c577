// Shared by the tests that run inside the extension host.
import * as http from 'http';
import * as vscode from 'vscode';
import type { activate } from '../../src/vscode/extension';

export const EXTENSION_ID = 'worktree-sessions.worktree-sessions';

/** What the extension's activate() returns (SPEC §6). */
export type ExtensionApi = Awaited<ReturnType<typeof activate>>;

export { sleep, waitFor } from '../support/common';

/** Activates the extension under test and returns its API. */
export async function getApi(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return extension.isActive ? extension.exports : extension.activate();
}

/** True when a driver that can take screenshots is listening (not under test:electron). */
export function canTakeScreenshots(): boolean {
  return Boolean(process.env.WTS_DRIVER_URL);
}

/**
 * Asks the driver, outside the extension host, to save a PNG of the workbench:
 * the whole page, or clipped to the first element matching `selector`.
 * @returns the path written
 */
export function askDriverForScreenshot(pngPath: string, selector?: string): Promise<string> {
  const base = process.env.WTS_DRIVER_URL;
  if (!base) return Promise.reject(new Error('WTS_DRIVER_URL is not set: screenshots need scripts/vscode-host/run-tests.mjs'));
  const url = new URL('/screenshot', base);
  url.searchParams.set('path', pngPath);
  if (selector) url.searchParams.set('selector', selector);
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`screenshot failed (${res.statusCode}): ${body}`))));
      })
      .on('error', reject);
  });
}
