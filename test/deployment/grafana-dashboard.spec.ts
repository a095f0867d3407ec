/**
 * The Grafana dashboard in k8s/: valid JSON with well-formed panels, and every query valid PromQL
 * (checked by promtool as recording rules, once Grafana's variables are replaced by values).
 * That it only queries metrics the service exports is checked against a live /metrics in
 * test/integration/observability.e2e.spec.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardQueries, loadDashboard } from '../support/dashboard';

const PROMTOOL_SKIP = spawnSync('promtool', ['--version']).error
  ? 'promtool not installed (apt-get install prometheus)'
  : false;

describe('Grafana dashboard', { timeout: 30_000 }, () => {
  const dashboard = loadDashboard();

  it('should have a uid, a title and panels with unique ids, positions and queries', () => {
    assert.match(dashboard.uid, /\S/);
    assert.match(dashboard.title, /\S/);
    assert.ok(dashboard.panels.length > 0);
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids must be unique');
    for (const panel of dashboard.panels) {
      assert.ok(
        panel.gridPos.w > 0 && panel.gridPos.h > 0 && panel.gridPos.x + panel.gridPos.w <= 24,
        `${panel.title}: gridPos`,
      );
      assert.ok(
        panel.targets.length > 0 && panel.targets.every((t) => t.expr.trim() !== ''),
        `${panel.title}: queries`,
      );
    }
  });

  it('should only hold valid PromQL', { skip: PROMTOOL_SKIP }, () => {
    const rules = dashboardQueries().map((expr, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr.replace(/\$__rate_interval/g, '5m').replace(/\$namespace/g, '.*'),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    try {
      const file = join(dir, 'rules.json');
      // JSON is YAML, which promtool reads.
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, `promtool check rules:\n${check.stdout}${check.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
