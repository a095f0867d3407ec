/**
 * Static checks of the deployment files: the Kubernetes manifests, the Dockerfile and package.json
 * must agree on ports, probe paths, labels, names and entry points. No cluster or Docker engine is
 * needed; these catch the drift that otherwise only shows up as a failed rollout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadAll } from 'js-yaml';
import { loadConfig } from '../../src/config/config';

type Json = Record<string, unknown>;

interface Manifest {
  file: string;
  body: Json;
}

interface DockerInstruction {
  keyword: string;
  args: string;
}

const APP_LABEL = 'app.kubernetes.io/name';
const SERVICE_PORT = 4004;

/** The folder holding package.json; tests run from dist/test/deployment, the sources live above. */
function repoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

const ROOT = repoRoot(__dirname);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Follows a dotted path through nested mappings, failing with the path when a step is missing.
 * Keys with dots in them (labels) are read from the mapping `record` returns instead.
 */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => {
    assert.ok(isRecord(node), `expected a mapping before "${key}" in ${path}`);
    return node[key];
  }, value);
}

function record(value: unknown, path: string): Json {
  const found = at(value, path);
  assert.ok(isRecord(found), `${path} should be a mapping`);
  return found;
}

function list(value: unknown, path: string): unknown[] {
  const found = at(value, path);
  assert.ok(Array.isArray(found), `${path} should be a list`);
  return found;
}

function text(value: unknown, path: string): string {
  const found = at(value, path);
  assert.ok(typeof found === 'string', `${path} should be a string`);
  return found;
}

function integer(value: unknown, path: string): number {
  const found = at(value, path);
  assert.ok(Number.isInteger(found), `${path} should be an integer`);
  return found as number;
}

/** Every document of every YAML file in k8s/; an empty document (a stray `---`) is no resource. */
function loadManifests(): Manifest[] {
  const dir = join(ROOT, 'k8s');
  const files = readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  return files.flatMap((file) =>
    loadAll(readFileSync(join(dir, file), 'utf8'))
      .filter((document) => document !== null && document !== undefined)
      .map((document) => {
        assert.ok(isRecord(document), `${file}: every document should be a mapping`);
        return { file, body: document };
      }),
  );
}

const MANIFESTS = loadManifests();

function only(kind: string): Json {
  const matches = MANIFESTS.filter((manifest) => manifest.body.kind === kind);
  assert.equal(matches.length, 1, `expected exactly one ${kind} in k8s/, found ${matches.length}`);
  return matches[0].body;
}

const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** The one resource of `kind` whose component label is `component` (`api`, `trainer`). */
function ofComponent(kind: string, component: string): Json {
  const matches = MANIFESTS.filter(
    (manifest) =>
      manifest.body.kind === kind && record(manifest.body, 'metadata.labels')[COMPONENT_LABEL] === component,
  );
  assert.equal(matches.length, 1, `expected exactly one ${kind} of component ${component}, found ${matches.length}`);
  return matches[0].body;
}

/** The container's `env` list as a mapping (values only; these manifests use no valueFrom there). */
function envOf(container: unknown): Record<string, string> {
  const entries = (at(container, 'env') ?? []) as unknown[];
  return Object.fromEntries(entries.map((entry) => [text(entry, 'name'), text(entry, 'value')]));
}

/** Kubernetes CPU quantities: '2', 2 or '500m'. */
function cores(quantity: unknown): number {
  const value = String(quantity);
  return value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

/** Kubernetes memory quantities in MiB: '512Mi', '4Gi'. */
function mebibytes(quantity: unknown): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  assert.ok(match, `unexpected memory quantity ${String(quantity)}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

function labelsMatch(selector: Json, labels: Json): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Dockerfile instructions, with comment lines dropped and continuation lines joined. */
function dockerInstructions(source: string): DockerInstruction[] {
  return source
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The file `node` runs in an npm script such as "node dist/src/main.js". */
function nodeScriptFile(script: string): string {
  const packageJson: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const command = text(packageJson, `scripts.${script}`).replace(/^npm run build && /, '');
  const match = /^node\s+(\S+\.js)$/.exec(command);
  assert.ok(match, `package.json scripts.${script} should run one file with node, got "${command}"`);
  return match[1];
}

describe('k8s manifests', { timeout: 30_000 }, () => {
  it('should give every document an apiVersion, a kind, a name and the app label', () => {
    assert.ok(MANIFESTS.length > 0, 'no manifests found in k8s/');
    for (const { file, body } of MANIFESTS) {
      assert.match(text(body, 'apiVersion'), /\S/, `${file}: apiVersion`);
      assert.match(text(body, 'kind'), /\S/, `${file}: kind`);
      assert.match(text(body, 'metadata.name'), /\S/, `${file}: metadata.name`);
      assert.equal(record(body, 'metadata.labels')[APP_LABEL], 'ml-service', `${file}: ${APP_LABEL}`);
    }
  });

  it('should include every resource the service needs, once', () => {
    for (const kind of [
      'ConfigMap',
      'Secret',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Job',
      'ServiceMonitor',
    ]) {
      only(kind);
    }
    for (const kind of ['Deployment', 'Service'])
      for (const component of ['api', 'trainer']) ofComponent(kind, component);
  });

  it('should configure the service with values its own validation accepts', () => {
    const env = { ...record(only('ConfigMap'), 'data'), ...record(only('Secret'), 'stringData') } as Record<
      string,
      string
    >;
    const config = loadConfig(env);
    assert.equal(config.auth.required, true);
    assert.equal(config.port, SERVICE_PORT);
  });

  it('should only put strings in ConfigMap data and Secret stringData', () => {
    const maps: [string, string][] = [
      ['ConfigMap', 'data'],
      ['Secret', 'stringData'],
    ];
    for (const [kind, field] of maps) {
      const entries = Object.entries(record(only(kind), field));
      assert.ok(entries.length > 0, `${kind} has no ${field}`);
      for (const [key, value] of entries) {
        assert.equal(typeof value, 'string', `${kind} ${key} must be quoted: Kubernetes rejects non-strings`);
      }
    }
  });
});

for (const component of ['api', 'trainer']) {
  describe(`the ${component} Deployment and its Service`, { timeout: 30_000 }, () => {
    const deployment = ofComponent('Deployment', component);
    const podTemplate = record(deployment, 'spec.template');
    const podLabels = record(podTemplate, 'metadata.labels');
    const selectorLabels = record(deployment, 'spec.selector.matchLabels');
    const container = list(podTemplate, 'spec.containers')[0];
    const containerPorts = list(container, 'ports');
    const service = ofComponent('Service', component);
    const servicePorts = list(service, 'spec.ports');

    /** Probes and Services may name the container port or give its number; both resolve here. */
    function resolveContainerPort(port: unknown): number | undefined {
      const match = containerPorts.find((p) => at(p, typeof port === 'number' ? 'containerPort' : 'name') === port);
      return match === undefined ? undefined : integer(match, 'containerPort');
    }

    it('should serve on container port 4004 named http', () => {
      assert.deepEqual(
        containerPorts.map((port) => [at(port, 'name'), at(port, 'containerPort')]),
        [['http', SERVICE_PORT]],
      );
    });

    it('should probe /health for liveness and start-up and /health/ready for readiness, on that port', () => {
      const probes: [string, string][] = [
        ['livenessProbe', '/health'],
        ['startupProbe', '/health'],
        ['readinessProbe', '/health/ready'],
      ];
      for (const [probe, path] of probes) {
        assert.equal(text(container, `${probe}.httpGet.path`), path, probe);
        assert.equal(resolveContainerPort(at(container, `${probe}.httpGet.port`)), SERVICE_PORT, `${probe} port`);
      }
    });

    it('should select its own pods', () => {
      assert.ok(labelsMatch(selectorLabels, podLabels), 'spec.selector must match the pod template labels');
    });

    it('should take its environment from the ConfigMap and the Secret defined in k8s/', () => {
      const sources = list(container, 'envFrom').filter(isRecord);
      const referenced = (ref: string) =>
        sources
          .map((source) => source[ref])
          .filter(isRecord)
          .map((r) => r.name);
      assert.ok(referenced('configMapRef').includes(text(only('ConfigMap'), 'metadata.name')));
      assert.ok(referenced('secretRef').includes(text(only('Secret'), 'metadata.name')));
    });

    it('should run as a non-root user on a read-only root filesystem without privileges', () => {
      const pod = record(podTemplate, 'spec.securityContext');
      const own = record(container, 'securityContext');
      assert.equal(own.runAsNonRoot ?? pod.runAsNonRoot, true);
      assert.notEqual(own.runAsUser ?? pod.runAsUser, 0);
      assert.equal(own.readOnlyRootFilesystem, true);
      assert.equal(own.allowPrivilegeEscalation, false);
      assert.deepEqual(at(own, 'capabilities.drop'), ['ALL']);
    });

    it('should route the Service to the container port', () => {
      assert.ok(labelsMatch(record(service, 'spec.selector'), podLabels), 'Service selector must match the pods');
      assert.ok(servicePorts.length > 0);
      for (const port of servicePorts) assert.equal(resolveContainerPort(at(port, 'targetPort')), SERVICE_PORT);
    });
  });
}

describe('around the Deployments', { timeout: 30_000 }, () => {
  const api = ofComponent('Deployment', 'api');
  const trainer = ofComponent('Deployment', 'trainer');
  const container = list(record(api, 'spec.template'), 'spec.containers')[0];
  const selectorLabels = record(api, 'spec.selector.matchLabels');
  const podLabels = (deployment: Json) => record(deployment, 'spec.template.metadata.labels');
  const configured = (deployment: Json) => {
    const own = list(record(deployment, 'spec.template'), 'spec.containers')[0];
    return loadConfig({
      ...(record(only('ConfigMap'), 'data') as Record<string, string>),
      ...(record(only('Secret'), 'stringData') as Record<string, string>),
      ...envOf(own),
    });
  };

  it('should run the API replicas as SERVICE_ROLE=api and one trainer as SERVICE_ROLE=trainer', () => {
    assert.equal(configured(api).role, 'api');
    assert.equal(configured(trainer).role, 'trainer');
    assert.equal(integer(trainer, 'spec.replicas'), 1);
    assert.equal(at(trainer, 'spec.strategy.type'), 'Recreate', 'a rolling update would run two trainers at once');
  });

  it('should give the trainer a CPU request of its own, one core per training thread, and memory for its budget', () => {
    const trainerContainer = list(record(trainer, 'spec.template'), 'spec.containers')[0];
    const threads = configured(trainer).training.threads;
    assert.ok(threads > 1, 'the trainer should train on more than one thread');
    assert.equal(cores(at(trainerContainer, 'resources.requests.cpu')), threads);
    const limitMb = mebibytes(at(trainerContainer, 'resources.limits.memory'));
    assert.ok(configured(trainer).training.memoryBudgetMb <= limitMb / 2, 'the budget should leave half the limit');
  });

  it('should keep user traffic, the HPA and the PDB on the API replicas, and scrape both', () => {
    const apiService = ofComponent('Service', 'api');
    assert.ok(
      !labelsMatch(record(apiService, 'spec.selector'), podLabels(trainer)),
      'the API Service routes to the trainer',
    );
    const monitor = only('ServiceMonitor');
    for (const component of ['api', 'trainer'])
      assert.ok(
        labelsMatch(
          record(monitor, 'spec.selector.matchLabels'),
          record(ofComponent('Service', component), 'metadata.labels'),
        ),
      );
  });

  it('should point the HPA at the API Deployment and the PDB at its pods', () => {
    const hpa = only('HorizontalPodAutoscaler');
    assert.equal(at(hpa, 'spec.scaleTargetRef.kind'), 'Deployment');
    assert.equal(at(hpa, 'spec.scaleTargetRef.name'), text(api, 'metadata.name'));
    assert.ok(integer(hpa, 'spec.minReplicas') <= integer(hpa, 'spec.maxReplicas'));
    assert.deepEqual(record(only('PodDisruptionBudget'), 'spec.selector.matchLabels'), selectorLabels);
  });

  it('should scrape /metrics from a named Service port the ServiceMonitor selects', () => {
    const monitor = only('ServiceMonitor');
    const servicePortNames = list(ofComponent('Service', 'api'), 'spec.ports').map((port) => at(port, 'name'));
    const endpoints = list(monitor, 'spec.endpoints');
    assert.ok(endpoints.length > 0);
    for (const endpoint of endpoints) {
      assert.equal(at(endpoint, 'path'), '/metrics');
      assert.ok(servicePortNames.includes(at(endpoint, 'port')), 'endpoint port must name a Service port');
    }
  });

  it('should run the migrate CLI from the same image and configuration, outside the Deployment selector', () => {
    const job = only('Job');
    const jobContainer = list(job, 'spec.template.spec.containers')[0];
    assert.deepEqual(at(jobContainer, 'command'), ['node', nodeScriptFile('migrate')]);
    assert.equal(at(jobContainer, 'image'), at(container, 'image'));
    assert.deepEqual(at(jobContainer, 'envFrom'), at(container, 'envFrom'));
    // Otherwise the Service would route to the Job's pod and the PDB would count it.
    assert.ok(!labelsMatch(selectorLabels, record(job, 'spec.template.metadata.labels')));
    assert.ok(!labelsMatch(record(trainer, 'spec.selector.matchLabels'), record(job, 'spec.template.metadata.labels')));
  });
});

describe('Dockerfile', { timeout: 30_000 }, () => {
  const instructions = dockerInstructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  // Only the last stage becomes the image; earlier stages' USER or CMD do not reach it.
  const finalStage = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf('FROM'));
  const argsOf = (keyword: string) => finalStage.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('should EXPOSE the container port and default SERVICE_PORT to it', () => {
    assert.deepEqual(argsOf('EXPOSE'), [String(SERVICE_PORT)]);
    assert.ok(argsOf('ENV').some((args) => new RegExp(`\\bSERVICE_PORT=${SERVICE_PORT}\\b`).test(args)));
  });

  it('should switch to a non-root USER in the runtime stage', () => {
    const users = argsOf('USER');
    assert.ok(users.length > 0, 'no USER in the final stage');
    assert.doesNotMatch(users[users.length - 1], /^(root|0)(:|$)/);
  });

  it('should declare one HEALTHCHECK against /health', () => {
    const checks = argsOf('HEALTHCHECK');
    assert.equal(checks.length, 1);
    assert.match(checks[0], /\/health\b(?!\/)/);
  });

  it('should copy into the build stage every tsconfig `npm run build` reads and every folder it compiles', () => {
    // The ARGs before the first FROM make a stage of their own here; no RUN is in it.
    const stages: DockerInstruction[][] = [[]];
    for (const i of instructions) {
      if (i.keyword === 'FROM') stages.push([]);
      stages[stages.length - 1].push(i);
    }
    const buildStage = stages.find((stage) =>
      stage.some((i) => i.keyword === 'RUN' && i.args.includes('npm run build')),
    );
    assert.ok(buildStage, 'no stage runs npm run build');
    const copied = buildStage
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((path) => path.replace(/^\.\//, ''));
    const packageJson: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const project = /tsc -p (\S+)/.exec(text(packageJson, 'scripts.build'))?.[1];
    assert.ok(project, 'scripts.build should compile with tsc -p <tsconfig>');
    const needed: string[] = [];
    let include: string[] | undefined;
    for (let file: string | undefined = project; file !== undefined;) {
      const tsconfig = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { extends?: string; include?: string[] };
      needed.push(file.replace(/^\.\//, ''));
      // The nearest `include` wins; an extended file's own is replaced, not merged.
      include ??= tsconfig.include;
      file = tsconfig.extends;
    }
    needed.push(...(include ?? []).map((pattern) => pattern.split('/')[0]));
    for (const path of needed) assert.ok(copied.includes(path), `the build stage does not COPY ${path}`);
  });

  it('should start the same file as the start script', () => {
    const commands = argsOf('CMD');
    assert.equal(commands.length, 1);
    assert.deepEqual(JSON.parse(commands[0]), ['node', nodeScriptFile('start')]);
  });
});
