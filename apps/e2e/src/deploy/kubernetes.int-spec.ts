// deploy/k8s: every overlay renders (kubectl kustomize) into objects the Kubernetes schema accepts, each gim
// container gets exactly the variables its app's config class has and would start with them, and the
// operational promises hold: probes on the ops port, restricted security context, resources, a grace period that
// covers preStop, drain and shutdown, PodDisruptionBudgets and autoscalers, Services that reach their pods.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import {
  AppConfigs,
  buildAppConfigs,
  CLUSTER_APPS,
  ClusterApp,
  EnvCheck,
  isClusterApp,
  PEER_ADDRESSES,
  READINESS_PEERS,
} from './app-config';

const WORKSPACE = join(__dirname, '../../../..');
const OVERLAYS = join(WORKSPACE, 'deploy/k8s/overlays');

/** The schema model of each kind the overlays may hold. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

type Labels = Record<string, string>;

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type?: string };
}

interface Probe {
  httpGet?: { path?: string; port?: number | string };
}

interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { prefix?: string; configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
  }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  containers: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: Labels | { matchLabels?: Labels };
    template?: { metadata?: { labels?: Labels; annotations?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    ports?: { name?: string; port: number; targetPort?: number | string }[];
    publishNotReadyAddresses?: boolean;
  };
}

/** One container running a gim app, with what it is started with. */
interface GimContainer {
  workload: KubeObject;
  pod: PodSpec;
  container: Container;
  app: ClusterApp;
  env: Record<string, string>;
  result: EnvCheck;
}

function render(overlay: string): KubeObject[] {
  const rendered = spawnSync('kubectl', ['kustomize', join(OVERLAYS, overlay)], { encoding: 'utf8' });
  if ((rendered.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    assert.fail(
      'kubectl is not installed: install it (Debian: apt-get install kubernetes-client) to render deploy/k8s',
    );
  assert.equal(rendered.status, 0, `kubectl kustomize overlays/${overlay}: ${rendered.stderr}`);
  return parseAllDocuments(rendered.stdout).map((document) => document.toJS() as KubeObject);
}

/** The Secret's keys an overlay documents in <overlay>/<name>.env.example when the operator creates the Secret. */
function documentedSecret(overlay: string, name: string): Record<string, string> {
  const file = join(OVERLAYS, overlay, `${name}.env.example`);
  assert.ok(
    existsSync(file),
    `Secret ${name} is neither rendered by overlays/${overlay} nor documented in ${file}`,
  );
  const text = readFileSync(file, 'utf8');
  return Object.fromEntries(
    [...text.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map(([, key = '', value = '']) => [
      key,
      value || randomBytes(24).toString('hex'),
    ]),
  );
}

/** The environment a container starts with, resolved from the rendered ConfigMaps and Secrets. */
function containerEnv(container: Container, objects: KubeObject[], overlay: string): Record<string, string> {
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const configMap = (name: string) => {
    const found = find('ConfigMap', name);
    assert.ok(found, `${container.name}: ConfigMap ${name} is not rendered`);
    return found.data ?? {};
  };
  const secret = (name: string) => {
    const found = find('Secret', name);
    if (!found) return documentedSecret(overlay, name);
    return Object.fromEntries(
      Object.entries(found.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
    );
  };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const data = source.configMapRef ? configMap(source.configMapRef.name) : secret(source.secretRef!.name);
    for (const [key, value] of Object.entries(data)) env[(source.prefix ?? '') + key] = value;
  }
  const FIELDS: Record<string, string> = { 'metadata.name': 'gim-pod-0', 'status.podIP': '10.0.0.7' };
  for (const { name, value, valueFrom } of container.env ?? []) {
    assert.ok(
      !value?.includes('$('),
      `${container.name}: ${name} uses $(VAR) expansion, which this test does not model`,
    );
    const ref = valueFrom?.configMapKeyRef ?? valueFrom?.secretKeyRef;
    let resolved = value ?? (valueFrom?.fieldRef ? FIELDS[valueFrom.fieldRef.fieldPath] : undefined);
    if (ref) resolved = (valueFrom?.configMapKeyRef ? configMap(ref.name) : secret(ref.name))[ref.key];
    assert.ok(resolved !== undefined, `${container.name}: ${name} resolves to nothing`);
    env[name] = resolved;
  }
  return env;
}

function podOf(object: KubeObject): PodSpec | undefined {
  return ['Deployment', 'StatefulSet'].includes(object.kind) ? object.spec?.template?.spec : undefined;
}

function matches(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

const overlays = readdirSync(OVERLAYS).sort();

describe('deploy/k8s', () => {
  let apps: AppConfigs;
  before(async () => {
    apps = await buildAppConfigs(WORKSPACE);
  });
  after(() => apps.remove());

  it('has a development and a production overlay', () => {
    assert.deepEqual(overlays, ['dev', 'prod']);
  });

  for (const overlay of overlays) {
    describe(`overlays/${overlay}`, () => {
      let objects: KubeObject[] = [];
      let gim: GimContainer[] = [];
      before(() => {
        objects = render(overlay);
        gim = objects.flatMap((workload) =>
          (podOf(workload)?.containers ?? [])
            .filter((container) => /(^|\/)gim(:|@|$)/.test(container.image))
            .map((container) => {
              const app = container.args?.[0];
              assert.ok(
                isClusterApp(app),
                `${workload.metadata.name}: the gim image started as ${String(app)}`,
              );
              const env = containerEnv(container, objects, overlay);
              return { workload, pod: podOf(workload)!, container, app, env, result: apps.check(app, env) };
            }),
        );
      });

      it('renders only objects the Kubernetes schema accepts', () => {
        assert.ok(objects.length > 0);
        for (const object of objects) {
          const Model = MODELS[`${object.apiVersion}/${object.kind}`];
          assert.ok(Model, `${object.apiVersion} ${object.kind} has no schema model in this test`);
          assert.doesNotThrow(
            () => new Model(object as never).validate(),
            `${object.kind} ${object.metadata.name}`,
          );
        }
      });

      it('gives each app only variables its config class has, and all it needs to start', () => {
        assert.deepEqual(new Set(gim.map(({ app }) => app)), new Set(CLUSTER_APPS));
        for (const { container, app, result } of gim) {
          assert.deepEqual(result.unknown, [], `${container.name}: variables ${app} does not read`);
          assert.deepEqual(result.problems, [], `${container.name}: ${app} would refuse to start`);
        }
      });

      it('probes /readyz and /healthz on the operations port, which Prometheus scrapes, and exposes only ports the app listens on', () => {
        for (const { workload, container, app, result } of gim) {
          assert.ok(result.config, `${container.name} starts`);
          const listening = apps.listenPorts(app, result.config);
          const ops = listening.get('GIM_OPS_LISTEN');
          const portOf = (port: number | string | undefined) =>
            typeof port === 'number'
              ? port
              : container.ports?.find(({ name }) => name === port)?.containerPort;
          assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', container.name);
          assert.equal(
            portOf(container.readinessProbe?.httpGet?.port),
            ops,
            `${container.name} readiness port`,
          );
          assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', container.name);
          assert.equal(
            portOf(container.livenessProbe?.httpGet?.port),
            ops,
            `${container.name} liveness port`,
          );
          const annotations = workload.spec?.template?.metadata?.annotations ?? {};
          assert.equal(annotations['prometheus.io/scrape'], 'true', container.name);
          assert.equal(Number(annotations['prometheus.io/port']), ops, `${container.name} scrape port`);
          for (const { containerPort } of container.ports ?? [])
            assert.ok(
              [...listening.values()].includes(containerPort),
              `${container.name} listens on ${containerPort}`,
            );
        }
      });

      it('runs every container non-root without privileges, gim containers on a read-only root', () => {
        for (const workload of objects) {
          const pod = podOf(workload);
          for (const container of pod?.containers ?? []) {
            const context = { ...pod?.securityContext, ...container.securityContext };
            const name = `${workload.metadata.name}/${container.name}`;
            assert.equal(context.runAsNonRoot, true, name);
            assert.ok((context.runAsUser ?? 0) > 0, `${name} runs as a non-zero uid`);
            assert.equal(context.allowPrivilegeEscalation, false, name);
            assert.ok(context.capabilities?.drop?.includes('ALL'), `${name} drops every capability`);
            assert.equal(context.seccompProfile?.type, 'RuntimeDefault', name);
          }
        }
        for (const { container } of gim)
          assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      });

      it('requests and limits cpu and memory for every container', () => {
        for (const workload of objects)
          for (const { name, resources } of podOf(workload)?.containers ?? [])
            for (const kind of ['requests', 'limits'] as const)
              for (const resource of ['cpu', 'memory'])
                assert.ok(
                  resources?.[kind]?.[resource],
                  `${workload.metadata.name}/${name}: ${kind}.${resource}`,
                );
      });

      it('lets every app finish preStop, a gateway drain and the shutdown within the grace period', () => {
        for (const { pod, container, app, result } of gim) {
          const preStop = container.lifecycle?.preStop?.exec?.command;
          assert.equal(preStop?.[0], 'sleep', `${container.name} leaves the endpoints before SIGTERM`);
          const config = result.config;
          assert.ok(config, `${container.name} starts`);
          const drainMs = app.endsWith('-gateway') ? Number(config['GIM_DRAIN_WINDOW_MS']) : 0;
          const neededSeconds =
            Number(preStop[1]) + (drainMs + Number(config['GIM_SHUTDOWN_TIMEOUT_MS'])) / 1000;
          assert.ok(
            (pod.terminationGracePeriodSeconds ?? 30) > neededSeconds,
            `${container.name}: grace ${pod.terminationGracePeriodSeconds} s must exceed ${neededSeconds} s`,
          );
        }
      });

      it('gives the gateways and logic a PodDisruptionBudget and an autoscaler that owns their replicas', () => {
        const scaled = new Set(['tcp-gateway', 'ws-gateway', 'logic']);
        for (const { workload, app } of gim.filter(({ app }) => scaled.has(app))) {
          const labels = workload.spec?.template?.metadata?.labels;
          const budget = objects.find(
            (o) => o.kind === 'PodDisruptionBudget' && matches(selectorOf(o) ?? {}, labels),
          );
          assert.ok(budget, `${app} has a PodDisruptionBudget`);
          const autoscaler = objects.find(
            (o) =>
              o.kind === 'HorizontalPodAutoscaler' &&
              o.spec?.scaleTargetRef?.kind === workload.kind &&
              o.spec.scaleTargetRef.name === workload.metadata.name,
          );
          assert.ok(autoscaler, `${app} has a HorizontalPodAutoscaler`);
          assert.equal(workload.spec?.replicas, undefined, `${app}: replicas belong to the autoscaler`);
        }
      });

      it('routes every Service to pods and container ports that exist', () => {
        for (const service of objects.filter((o) => o.kind === 'Service')) {
          const selector = selectorOf(service) ?? {};
          const pods = objects.filter(
            (o) => podOf(o) && matches(selector, o.spec?.template?.metadata?.labels),
          );
          assert.ok(pods.length > 0, `Service ${service.metadata.name} selects pods`);
          const ports = pods.flatMap((o) => podOf(o)!.containers.flatMap((c) => c.ports ?? []));
          for (const { port, targetPort = port } of service.spec?.ports ?? [])
            assert.ok(
              ports.some(({ name, containerPort }) => targetPort === name || targetPort === containerPort),
              `Service ${service.metadata.name}: target port ${targetPort}`,
            );
        }
      });

      it('reaches logic and business through Services that lead to them, with no readiness cycle', () => {
        // /readyz of an app asks the apps it calls; a Service routes only to ready pods unless it publishes
        // not-ready addresses, so a cycle of such Services would keep every app in it unready for ever.
        const waitsFor = new Map<ClusterApp, Set<ClusterApp>>();
        for (const { container, app, env } of gim)
          for (const [variable, peer] of Object.entries(PEER_ADDRESSES)) {
            const address = env[variable];
            if (address === undefined) continue;
            const [host = '', port] = address.split(':');
            const service = objects.find(
              (o) => o.kind === 'Service' && o.metadata.name === host.split('.')[0],
            );
            assert.ok(service, `${container.name}: ${variable}=${address} names a Service`);
            assert.ok(
              service.spec?.ports?.some((p) => p.port === Number(port)),
              `${service.metadata.name}:${port}`,
            );
            const targets = gim.filter(({ workload }) =>
              matches(selectorOf(service) ?? {}, workload.spec?.template?.metadata?.labels),
            );
            assert.deepEqual(
              new Set(targets.map((target) => target.app)),
              new Set([peer]),
              `${variable} leads to ${peer}`,
            );
            if (READINESS_PEERS[app].includes(peer) && !service.spec?.publishNotReadyAddresses)
              waitsFor.set(app, (waitsFor.get(app) ?? new Set()).add(peer));
          }
        const visit = (app: ClusterApp, path: ClusterApp[]): void => {
          assert.ok(!path.includes(app), `readiness cycle: ${[...path, app].join(' → ')}`);
          for (const next of waitsFor.get(app) ?? []) visit(next, [...path, app]);
        };
        for (const app of waitsFor.keys()) visit(app, []);
      });

      it("stores the file app's files on a PersistentVolumeClaim mounted at GIM_FILE_DIR", () => {
        const file = gim.find(({ app }) => app === 'file')!;
        const mount = file.container.volumeMounts?.find(
          ({ mountPath }) => mountPath === file.env['GIM_FILE_DIR'],
        );
        const claim = file.pod.volumes?.find(({ name }) => name === mount?.name)?.persistentVolumeClaim
          ?.claimName;
        assert.ok(
          objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim),
          `a rendered claim is mounted at ${file.env['GIM_FILE_DIR']}`,
        );
      });
    });
  }
});

function selectorOf(object: KubeObject): Labels | undefined {
  const selector = object.spec?.selector;
  if (!selector) return undefined;
  return 'matchLabels' in selector ? (selector.matchLabels as Labels | undefined) : (selector as Labels);
}
