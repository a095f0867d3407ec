import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DashboardPanel {
  id: number;
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
}

/** k8s/grafana-dashboard.json; tests run from dist/test/…, two levels below the repository. */
export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(resolve(__dirname, '../../../k8s/grafana-dashboard.json'), 'utf8')) as Dashboard;
}

/** Every PromQL query of every panel. */
export function dashboardQueries(): string[] {
  return loadDashboard().panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}
