// What the screenshot scenarios share: where the pictures go, how long the
// renderer takes to paint, and the demo repository they work on.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { askDriverForScreenshot, canTakeScreenshots } from '../helpers';
import { readyApi, type Api } from '../fixtures';

// scripts/screenshots.mjs sets this; the fallback is the checkout's docs/images.
const imagesDir = process.env.WTS_SCREENSHOT_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'docs', 'images');

/** The driver can only capture what the renderer has painted. */
export const PAINT_MS = 1500;

/** The extension's API and the demo repository; the suite is skipped where no screenshot can be taken. */
export async function demo(suite: Mocha.Context): Promise<{ api: Api; repo: string }> {
  if (!canTakeScreenshots()) suite.skip();
  return { api: await readyApi(), repo: fs.realpathSync(vscode.workspace.workspaceFolders![0].uri.fsPath) };
}

/** Writes docs/images/<name>: the whole window, or the part `selector` picks. */
export function shoot(name: string, selector?: string): Promise<string> {
  return askDriverForScreenshot(path.join(imagesDir, name), selector);
}
