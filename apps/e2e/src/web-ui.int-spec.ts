// The web UI in a real browser against a real cluster: headless Chromium (Debian's package,
// driven by playwright-core) opens the gateway's rest.port of a session cluster from
// bin/mesos-appmaster.sh with token auth on, one job running and one finished, and clicks through
// overview → jobs → job → TaskManager, cancels the running job with the token, and reads the
// Mesos and configuration pages. Screenshots of each page go to reports/web-ui/.
import { REPOSITORY_ROOT, waitFor } from '@mesoflow/testing';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSessionCluster, type SessionCluster } from './support/session-cluster';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(REPOSITORY_ROOT, 'reports/web-ui');
const TOKEN = 'web-ui-e2e-token';

describe('the web UI in Chromium against a session cluster', () => {
  let secrets: string;
  let cluster: SessionCluster;
  let browser: Browser;
  let page: Page;
  let running: string;
  let finished: string;
  const pageErrors: string[] = [];

  const testId = (id: string) => page.getByTestId(id);
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(join(REPOSITORY_ROOT, 'dist/web-ui/index.html'))) throw new Error('The web UI is not built: run `npm run build` (npm test does it first)');
    if (!existsSync(CHROMIUM)) throw new Error(`No ${CHROMIUM}: install Debian's chromium (npm test does it when absent)`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    secrets = mkdtempSync(join(tmpdir(), 'web-ui-secrets-'));
    writeFileSync(join(secrets, 'token'), `${TOKEN}\n`);
    cluster = await startSessionCluster('web-ui-e2e', [
      `dispatcher.auth.token-file: ${join(secrets, 'token')}`,
      // Set but unused (TLS is off): the configuration page must mask it.
      'security.ssl.rest.keystore-password: do-not-show-me',
    ]);
    const detached = await cluster.mesoflow(['run', '--detached', join(__dirname, 'programs/unbounded.ts')]);
    running = /JobID ([0-9a-f]{32})/.exec(detached.stdout)?.[1] ?? '';
    const attached = await cluster.mesoflow(['run', '-p', '2', join(REPOSITORY_ROOT, 'examples/batch/word-count.ts'), '--execution-mode', 'batch']);
    finished = /JobID ([0-9a-f]{32})/.exec(attached.stdout)?.[1] ?? '';
    expect({ running, finished, codes: [detached.code, attached.code] }).toEqual({ running: expect.stringMatching(/^[0-9a-f]{32}$/), finished: expect.stringMatching(/^[0-9a-f]{32}$/), codes: [0, 0] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(20_000);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    if (secrets !== undefined) rmSync(secrets, { recursive: true, force: true });
  }, 60_000);

  it('shows the framework, both TaskManagers and the jobs on the overview', async () => {
    await page.goto(`http://127.0.0.1:${cluster.ports.rest}/`);
    await waitFor(async () => /\S/.test((await testId('overview-framework-id').textContent()) ?? ''), { timeoutMs: 20_000, description: 'the framework id on the overview' });
    expect(await testId('overview-taskmanagers-registered').textContent()).toBe('2');
    expect(await testId('overview-jobs-RUNNING').textContent()).toContain('1');
    expect(await testId('overview-jobs-FINISHED').textContent()).toContain('1');
    await shot('overview');
  });

  it('goes from the jobs list to the running job, its graph and tasks, then to a TaskManager', async () => {
    await testId('nav-jobs').click();
    await testId(`job-row-${running}`).waitFor();
    expect(await testId(`job-state-${running}`).textContent()).toBe('RUNNING');
    await shot('jobs');

    await testId(`job-link-${running}`).click();
    await testId('job-graph').waitFor();
    expect(await page.locator('[data-testid^="vertex-"]:not([data-testid^="vertex-parallelism-"])').count()).toBeGreaterThanOrEqual(2);
    const taskManagerLink = page.locator('[data-testid^="task-group-link-"]').first();
    await taskManagerLink.waitFor();
    expect(await page.locator('[data-testid^="task-state-"]').allTextContents()).toEqual(expect.arrayContaining(['RUNNING']));
    await shot('job-running');

    const taskManagerId = ((await taskManagerLink.getAttribute('data-testid')) ?? '').replace('task-group-link-', '');
    await taskManagerLink.click();
    await testId('taskmanager-detail').waitFor();
    expect(await testId('page-taskmanager').locator('h1, h2').first().textContent()).toBe(taskManagerId);
    expect(await testId('taskmanager-task-state').textContent()).toBe('TASK_RUNNING');
    expect(await page.locator('[data-testid^="taskmanager-history-"]').count()).toBeGreaterThanOrEqual(2);
    expect(await testId('taskmanager-sandbox-link').getAttribute('href')).toMatch(/\/#\/agents\/.+\/frameworks\/.+\/executors\/taskmanager-\d+\/browse$/);
    await shot('taskmanager');

    await testId('nav-taskmanagers').click();
    await testId('taskmanagers-table').waitFor();
    expect(await page.locator('[data-testid^="taskmanager-link-"]').count()).toBe(2);
    expect(await testId(`taskmanager-${taskManagerId}`).textContent()).toContain('TASK_RUNNING');
    await shot('taskmanagers');
  });

  it('cancels the running job with the token, and the page follows it to CANCELED without reloading', async () => {
    await testId('nav-jobs').click();
    await testId(`job-link-${running}`).click();
    await testId('cancel-button').click();
    await testId('token-form').waitFor();
    await testId('token-input').fill(TOKEN);
    let loads = 0;
    page.on('load', () => (loads += 1));
    await testId('token-submit').click();
    await waitFor(async () => (await testId('job-state').textContent()) === 'CANCELED', { timeoutMs: 30_000, description: 'the job page showing CANCELED' });
    expect(loads).toBe(0);
    await shot('job-canceled');
  });

  it("shows the finished job's graph and the scheduler's dealings with Mesos", async () => {
    await page.goto(`http://127.0.0.1:${cluster.ports.rest}/#/jobs/${finished}`);
    await testId('job-graph').waitFor();
    expect(await testId('job-state').textContent()).toBe('FINISHED');

    await testId('nav-mesos').click();
    await testId('mesos-offers').waitFor();
    expect(Number(await testId('mesos-offers-received').textContent())).toBeGreaterThan(0);
    expect(Number(await testId('mesos-offers-accepted').textContent())).toBeGreaterThan(0);
    await testId('mesos-offer-chart').waitFor();
    await shot('mesos');
  });

  it('shows the effective configuration with where each value came from, secrets masked', async () => {
    await testId('nav-config').click();
    await testId('config-row-rest.port').waitFor();
    expect(await testId('config-value-rest.port').textContent()).toBe(String(cluster.ports.rest));
    expect(await testId('config-value-security.ssl.rest.keystore-password').textContent()).toBe('******sensitive');
    expect(await page.content()).not.toContain('do-not-show-me');
    await shot('configuration');
    expect(pageErrors).toEqual([]);
  });
});
