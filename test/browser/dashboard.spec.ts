import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ExperimentResponseDto, ExperimentResultsDto } from '../../src/experiments/experiments.dto';
import type { ModelListDto, ModelVersionDto } from '../../src/model-registry/model-registry.dto';
import type { RecommendationResponseDto } from '../../src/recommendations/recommendations.dto';
import type { LiveReportDto } from '../../src/dashboard/live-report.dto';
import { signToken } from '../support/tokens';
import { Service, startService } from './service';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../../../test/artifacts');
const ALGORITHMS = [
  'popularity',
  'item_knn',
  'collaborative_filtering',
  'content_based',
  'matrix_factorization',
  'ease',
  'hybrid',
];
const EXPERIMENT = 'rec_algorithm_v1';
const JWT_SECRET = 'dashboard-browser-test-secret-0123456789';

function skipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM}: browser tests skipped`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install): browser tests skipped';
  }
  return false;
}

async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Every version in the registry, as the Models page loads them. */
async function allModels(service: Service, token?: string): Promise<ModelVersionDto[]> {
  return (await service.json<ModelListDto>('/v1/models?limit=200', { token })).models;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Recommendations inside the seeded experiment, and clicks and saves on them, so its results have numbers. */
async function experimentTraffic(service: Service): Promise<void> {
  const users = Array.from({ length: 60 }, (_, i) => `user_${String(i + 1).padStart(3, '0')}`);
  await Promise.all(
    users.map(async (user, i) => {
      const list = await service.json<RecommendationResponseDto>('/v1/recommendations', {
        method: 'POST',
        body: { user_id: user, experiment_id: EXPERIMENT, limit: 5 },
      });
      const first = list.recommendations[0];
      if (!first || i % 3 === 2) return;
      const action = i % 3 === 0 ? 'click' : 'save';
      await service.json('/v1/feedback', {
        method: 'POST',
        body: {
          user_id: user,
          event_id: first.event_id,
          action,
          context: { recommendation_id: list.recommendation_id },
        },
      });
    }),
  );
  // Impressions are written in the background about once a second.
  await waitFor(
    async () =>
      (await service.json<ExperimentResultsDto>(`/v1/experiments/${EXPERIMENT}/results`)).participants === users.length,
    'experiment participants',
  );
}

/** The numbers a chart drew: its rows' data-label and data-value. */
async function chartRows(page: Page, selector: string): Promise<{ label: string | null; value: number }[]> {
  return page.$$eval(selector, (rows) =>
    rows.map((row) => ({ label: row.getAttribute('data-label'), value: Number(row.getAttribute('data-value')) })),
  );
}

async function hasNoHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}

describe('dashboard in Chromium', { skip: skipReason(), timeout: 600_000 }, () => {
  let open: Service;
  let secured: Service;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [open, secured, browser] = await Promise.all([
      startService(),
      startService({ AUTH_REQUIRED: 'true', JWT_SECRET }),
      launchChromium(),
    ]);
    // startService waits for one model; the page should show the whole first run.
    await waitFor(async () => (await allModels(open)).every((m) => m.status !== 'training'), 'the first training run');
    await experimentTraffic(open);
    desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await desktop.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await Promise.all([open?.stop(), secured?.stop()]);
  });

  it('should serve only the app files, under a strict content security policy', async () => {
    const redirect = await fetch(`${open.url}/dashboard`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), 'dashboard/');
    const index = await fetch(`${open.url}/dashboard/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match((await fetch(`${open.url}/dashboard/app.js`)).headers.get('content-type') ?? '', /javascript/);
    for (const path of ['tsconfig.json', '..%2Fpackage.json', 'missing.js']) {
      assert.equal((await fetch(`${open.url}/dashboard/${path}`)).status, 404, path);
    }
  });

  it('should list every model version with the registry numbers and chart each algorithm', async () => {
    const models = await allModels(open);
    await page.goto(`${open.url}/dashboard/#/models`);
    await page.waitForSelector('table.data tbody tr');
    assert.ok(models.length > 0, 'no model versions to check');
    assert.equal(await page.locator('table.data tbody tr').count(), models.length);
    for (const model of models) {
      const row = page.locator(`tr[data-model-id="${model.id}"]`);
      assert.equal(await row.getAttribute('data-status'), model.status);
      const ndcg = row.locator('td[data-label="NDCG@10"] span');
      assert.equal(Number(await ndcg.getAttribute('data-value')), model.metrics?.ndcg_at_10);
      assert.equal(await ndcg.textContent(), model.metrics?.ndcg_at_10.toFixed(3));
    }
    const charted = await page.$$eval('.card[data-algorithm]', (cards) =>
      cards.map((c) => c.getAttribute('data-algorithm')),
    );
    assert.deepEqual(
      charted,
      ALGORITHMS.filter((a) => models.some((m) => m.algorithm === a && m.metrics)),
    );
    const hybrid = models.find((m) => m.algorithm === 'hybrid' && m.metrics)!;
    const plotted = await page
      .locator('.card[data-algorithm="hybrid"] g[data-series="NDCG@10"] circle')
      .first()
      .getAttribute('data-value');
    assert.equal(Number(plotted), hybrid.metrics!.ndcg_at_10);
    assert.match(
      (await page.locator('.card[data-algorithm="hybrid"] svg title').first().textContent()) ?? '',
      /hybrid/,
    );
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-models.png`, fullPage: true });
  });

  it('should retrain one algorithm with progress, then roll back to the other version', async () => {
    const before = await allModels(open);
    await page.selectOption('#retrain-algorithm', 'popularity');
    await page.getByRole('button', { name: 'Retrain now' }).click();
    // The table is drawn again with the new version once its run has ended.
    await page.locator(`table.data tbody tr >> nth=${before.length}`).waitFor();
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      /^Retrain finished: popularity v1\.0\.1 (active|rejected|candidate)\.$/,
    );
    const popularity = (await allModels(open)).filter((m) => m.algorithm === 'popularity');
    assert.equal(popularity.length, 2);
    assert.ok(popularity.every((m) => m.status !== 'training'));

    // Whichever version the gate left inactive is the one to switch to: the old one after a promotion.
    const other = popularity.find((m) => m.status !== 'active')!;
    await page.getByRole('button', { name: `Activate popularity ${other.version}` }).click();
    await page.locator(`tr[data-model-id="${other.id}"][data-status="active"]`).waitFor();
    assert.equal((await open.json<ModelVersionDto>(`/v1/models/${other.id}`)).status, 'active');
    assert.equal(
      await page.locator('tr[data-status="active"] td[data-label="Algorithm"]', { hasText: /^popularity$/ }).count(),
      1,
    );
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      new RegExp(`popularity ${other.version} is now active`),
    );
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-models-after-rollback.png`, fullPage: true });
  });

  it('should chart each variant of the experiment with the results API numbers, and pause and resume it', async () => {
    const results = await open.json<ExperimentResultsDto>(`/v1/experiments/${EXPERIMENT}/results`);
    await page.goto(`${open.url}/dashboard/#/experiments/${EXPERIMENT}`);
    await page.waitForSelector('[data-metric="click_through_rate"] .bar-row');
    for (const metric of ['click_through_rate', 'conversion_rate', 'save_rate', 'hide_rate'] as const) {
      assert.deepEqual(
        await chartRows(page, `[data-metric="${metric}"] .bar-chart .bar-row`),
        results.variants.map((v) => ({ label: v.variant_id, value: v.metrics[metric] })),
      );
      const lifts = await chartRows(page, `[data-metric="${metric}"] .effect-chart .effect-row`);
      assert.deepEqual(
        lifts.map((l) => l.label),
        results.variants.filter((v) => !v.is_control).map((v) => v.variant_id),
      );
    }
    const participants = await chartRows(page, 'section[aria-labelledby="participants-heading"] .bar-row');
    assert.deepEqual(
      participants,
      results.variants.map((v) => ({ label: v.variant_id, value: v.participants })),
    );
    assert.equal(await page.locator('.alert.warning').count(), results.sample_ratio_mismatch.detected ? 1 : 0);
    assert.equal(await page.locator('.summary').textContent(), results.summary);
    // The verdict on the primary metric comes first, one line per treatment, with the guardrail after.
    assert.equal(
      await page.locator('.cards [data-metric]').first().getAttribute('data-metric'),
      results.primary_metric,
    );
    const treatments = results.variants.filter((v) => !v.is_control).map((v) => v.variant_id);
    assert.deepEqual(
      await page
        .locator('.verdicts [data-variant]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-variant'))),
      treatments,
    );
    assert.equal(await page.locator('.verdicts [data-guardrail="hide_rate"]').count(), treatments.length);
    assert.equal(await page.locator('[data-narrowing]').count(), treatments.length);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-experiments.png`, fullPage: true });

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#overview-heading .badge', { hasText: 'paused' }).waitFor();
    assert.equal((await open.json<{ status: string }>(`/v1/experiments/${EXPERIMENT}`)).status, 'paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('#overview-heading .badge', { hasText: 'active' }).waitFor();
  });

  it("should tell how long a draft would take at the traffic seen so far, in the API's numbers", async () => {
    const { design } = await open.json<ExperimentResponseDto>('/v1/experiments', {
      method: 'POST',
      body: {
        experiment_id: 'draft_duration',
        name: 'Draft duration',
        variants: [
          { variant_id: 'control', algorithm: 'popularity', traffic_percentage: 50 },
          { variant_id: 'treatment', algorithm: 'item_knn', traffic_percentage: 50 },
        ],
      },
    });
    assert.ok(design);
    await page.goto(`${open.url}/dashboard/#/experiments/draft_duration`);
    const words = (await page.locator('section[aria-labelledby="design-heading"] p').textContent()) ?? '';
    if (design.estimated_days === null) assert.match(words, new RegExp(`No duration estimate yet: ${design.reason}`));
    else assert.match(words, new RegExp(`takes about ${Math.ceil(design.estimated_days)} days`));
  });

  it('should show live request rate, latency and feedback from the service metrics', async () => {
    await page.goto(`${open.url}/dashboard/#/live`);
    await page.waitForSelector('[data-tile="p50"]');
    const report = await open.json<LiveReportDto>('/dashboard/api/live');
    assert.ok(report.totals.requests! > 60, `only ${report.totals.requests} API requests counted`);
    assert.notEqual(await page.locator('[data-tile="p50"] .tile-value').textContent(), '—');
    assert.match((await page.locator('[data-tile="requests"] .tile-value').textContent()) ?? '', /^\d+\.\d\d$/);
    const feedback = await chartRows(page, '.bar-chart .bar-row');
    assert.deepEqual(Object.fromEntries(feedback.map((bar) => [bar.label, bar.value])), report.totals.feedback);
    // The next poll (every 2 s) adds a point to the trend lines.
    await page.locator('.line-chart g[data-series="requests/s"] circle >> nth=1').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-live.png`, fullPage: true });
  });

  it("should show a user's feedback and one column of explained recommendations per algorithm", async () => {
    const feedback = await open.json<{ count: number }>('/v1/users/user_001/feedback?limit=15');
    await page.goto(`${open.url}/dashboard/#/try`);
    await page.getByLabel('User id').fill('user_001');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForSelector('.column');
    assert.deepEqual(
      await page.$$eval('.column', (columns) => columns.map((c) => c.getAttribute('data-algorithm'))),
      ALGORITHMS,
    );
    assert.equal(await page.locator('section[aria-labelledby="feedback-heading"] tbody tr').count(), feedback.count);
    for (const algorithm of ALGORITHMS) {
      const items = page.locator(`.column[data-algorithm="${algorithm}"] li`);
      assert.ok((await items.count()) > 0, `${algorithm} shows no recommendation`);
      assert.notEqual((await items.first().locator('.reason').textContent())?.trim(), '');
    }
    assert.ok((await page.locator('#try-users option').count()) > 0);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-try.png`, fullPage: true });
  });

  it('should be usable from the keyboard', async () => {
    // A fresh load: a hash change within the app moves focus to the new page's heading.
    await page.goto('about:blank');
    await page.goto(`${open.url}/dashboard/#/experiments`);
    await page.waitForSelector('.bar-row');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Models');
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.data');
    assert.equal(await page.evaluate<string>('window.location.hash'), '#/models');
    assert.equal(await page.evaluate<string>('document.activeElement.tagName'), 'H1');
  });

  it('should fit a 390 px wide phone screen without horizontal scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const small = await phone.newPage();
      for (const [route, ready] of [
        ['experiments', '.bar-row'],
        ['models', 'table.data tbody tr'],
        ['live', '[data-tile="p50"]'],
        ['try/user_001', '.column li'],
      ]) {
        await small.goto(`${open.url}/dashboard/#/${route}`);
        await small.waitForSelector(ready);
        assert.ok(await hasNoHorizontalScroll(small), `#/${route} scrolls sideways at 390 px`);
        await small.screenshot({ path: `${ARTIFACTS}/dashboard-phone-${route.split('/')[0]}.png`, fullPage: true });
      }
    } finally {
      await phone.close();
    }
  });

  it('should ask for a credential when the API answers 401 and send it as a bearer token', async () => {
    const token = signToken({ sub: 'operator', roles: ['admin'] }, { alg: 'HS256', secret: JWT_SECRET });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const guarded = await context.newPage();
      await guarded.goto(`${secured.url}/dashboard/#/models`);
      await guarded.locator('#credential').waitFor();
      assert.match((await guarded.locator('#credential-reason').textContent()) ?? '', /needs a credential/);
      assert.equal(await guarded.evaluate<string>('document.activeElement.id'), 'credential-value');
      await guarded.screenshot({ path: `${ARTIFACTS}/dashboard-credential.png` });

      await guarded.getByLabel('Token or key').fill(token);
      await guarded.getByRole('button', { name: 'Use it' }).click();
      await guarded.waitForSelector('table.data tbody tr');
      assert.equal(await guarded.locator('table.data tbody tr').count(), (await allModels(secured, token)).length);
      assert.ok(await guarded.locator('#credential').isHidden());
      // The dashboard's own JSON endpoint is admin-only too, and gets the same credential.
      await guarded.goto(`${secured.url}/dashboard/#/live`);
      await guarded.waitForSelector('[data-tile="requests"]');
      assert.ok(await guarded.locator('#credential').isHidden());

      await guarded.getByRole('button', { name: 'Forget credential' }).click();
      await guarded.locator('#credential').waitFor();
    } finally {
      await context.close();
    }
  });
});
