/**
 * @module containerEnv: a container's environment as kubelet builds it (makeEnvironmentVariables): envFrom first,
 * then env, whose entries win and may refer to earlier ones with $(VAR).
 */
import type { Container, Pod } from '@skiff/api';
import { notFound, secretValue, type ConfigObjects } from '../config/config-objects.js';
import { RuntimeError } from '../runtime/container-runtime.js';

/** EnvContext is what env values are read from beyond the pod: field values and ConfigMaps and Secrets. */
export interface EnvContext {
  fieldRef(path: string): string;
  objects: ConfigObjects;
  /**
   * The variables of the Services that exist now (serviceEnv): kubelet puts them under what envFrom and env set,
   * and $(VAR) in env may refer to them.
   */
  serviceEnv?: ReadonlyArray<{ name: string; value: string }>;
}

/** EnvResult is the resolved environment plus what kubelet reports as a warning event (invalid envFrom keys). */
export interface EnvResult {
  env: Array<{ name: string; value: string }>;
  warnings: string[];
}

function configError(message: string): RuntimeError {
  return new RuntimeError('CreateContainerConfigError', message);
}

/**
 * expand substitutes $(VAR) references as Kubernetes does; $$(VAR) escapes. Unknown names stay as written, or are
 * what `unknown` says (subPathExpr, where kubelet refuses them).
 */
export function expand(text: string, vars: ReadonlyMap<string, string>, unknown?: (name: string) => string): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    if (name === undefined) return all;
    if (vars.has(name)) return vars.get(name)!;
    return unknown ? unknown(name) : all;
  });
}

/**
 * isEnvVarName is Kubernetes 1.32's relaxed rule (RelaxedEnvironmentVariableValidation, on by default): printable
 * ASCII but '='. envFrom keys that fail it are skipped with a warning, as kubelet does.
 */
function isEnvVarName(name: string): boolean {
  return name.length > 0 && /^[\x20-\x7e]+$/.test(name) && !name.includes('=');
}

/**
 * containerEnv resolves a container's env and envFrom. A missing object or key that is not optional throws a
 * CreateContainerConfigError with kubelet's message; the pod's next sync tries again.
 */
export function containerEnv(pod: Pod, c: Container, ctx: EnvContext): EnvResult {
  const ns = pod.metadata.namespace ?? 'default';
  const vars = new Map<string, string>((ctx.serviceEnv ?? []).map((e) => [e.name, e.value]));
  const warnings: string[] = [];
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let entries: Array<[string, string]>;
    let what: string;
    if (from.configMapRef) {
      const { name, optional } = from.configMapRef;
      const cm = ctx.objects.configMap(ns, name);
      if (!cm) {
        if (optional) continue;
        throw configError(notFound('configmap', name));
      }
      // kubelet reads env from data only, never binaryData.
      entries = Object.entries(cm.data ?? {});
      what = `configMap ${ns}/${name}`;
    } else if (from.secretRef) {
      const { name, optional } = from.secretRef;
      const s = ctx.objects.secret(ns, name);
      if (!s) {
        if (optional) continue;
        throw configError(notFound('secret', name));
      }
      entries = Object.keys(s.data ?? {}).map((k) => [k, secretValue(s, k)!.toString('utf8')]);
      what = `secret ${ns}/${name}`;
    } else continue;
    const invalid: string[] = [];
    for (const [k, v] of entries) {
      if (isEnvVarName(prefix + k)) vars.set(prefix + k, v);
      else invalid.push(prefix + k);
    }
    if (invalid.length) {
      warnings.push(`Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} were skipped since they are considered invalid environment variable names.`);
    }
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    let value: string | undefined;
    if (!from) value = expand(e.value ?? '', vars);
    else if (from.fieldRef) value = ctx.fieldRef(from.fieldRef.fieldPath);
    else if (from.resourceFieldRef) {
      const [kind, res] = from.resourceFieldRef.resource.split('.') as [string, string];
      value = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[res] ?? '0';
    } else if (from.configMapKeyRef) {
      const { name, key, optional } = from.configMapKeyRef;
      const cm = ctx.objects.configMap(ns, name);
      if (!cm && !optional) throw configError(notFound('configmap', name));
      value = cm?.data?.[key];
      if (cm && value === undefined && !optional) throw configError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    } else if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef;
      const s = ctx.objects.secret(ns, name);
      if (!s && !optional) throw configError(notFound('secret', name));
      const v = s && secretValue(s, key);
      if (s && v === undefined && !optional) throw configError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      value = v?.toString('utf8');
    }
    // An optional reference to something missing leaves the variable unset, as kubelet does.
    if (value !== undefined) vars.set(e.name, value);
  }
  return { env: [...vars].map(([name, value]) => ({ name, value })), warnings };
}
