// The pictures in docs/images, taken by `npm run screenshots` (not part of the
// default integration run). A placeholder scenario: it shows the view as the
// extension draws it on a fresh repository; grow it as the docs need more.
import * as path from 'path';
import * as vscode from 'vscode';
import { askDriverForScreenshot, canTakeScreenshots, getApi, sleep } from '../helpers';

// scripts/screenshots.mjs sets this; the fallback is the checkout's docs/images.
const imagesDir = process.env.WTS_SCREENSHOT_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'docs', 'images');

// The driver can only capture what the renderer has painted.
const PAINT_MS = 1500;

describe('screenshots for the docs', function () {
  before(async function () {
    if (!canTakeScreenshots()) this.skip();
    const api = await getApi();
    await api.ready;
    await vscode.commands.executeCommand('workbench.view.extension.worktreeSessions');
    await sleep(PAINT_MS);
  });

  it('welcome.png: the view before any workspace exists', async () => {
    await askDriverForScreenshot(path.join(imagesDir, 'welcome.png'));
  });

  it('tree.png: the Worktree Sessions view', async () => {
    await vscode.commands.executeCommand('worktreeSessions.refresh');
    await sleep(PAINT_MS);
    await askDriverForScreenshot(path.join(imagesDir, 'tree.png'));
  });

  it('status-bar.png: the status bar item', async () => {
    await askDriverForScreenshot(path.join(imagesDir, 'status-bar.png'), '.part.statusbar');
  });
});
