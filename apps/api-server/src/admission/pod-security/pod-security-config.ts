/**
 * @module PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1), read from kube's AdmissionConfiguration
 * file (--admission-control-config-file): the cluster's default levels and who is exempt.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Level } from './policy-checks.js';

export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];
export const MODES = ['enforce', 'audit', 'warn'] as const;
export type Mode = (typeof MODES)[number];

/** LevelVersion is a level at a policy version ("latest" or "v1.N"); every version is checked as "latest". */
export interface LevelVersion {
  level: Level;
  version: string;
}

export interface PodSecurityConfig {
  defaults: Record<Mode, LevelVersion>;
  exemptions: { usernames: string[]; namespaces: string[]; runtimeClasses: string[] };
}

/**
 * DEFAULT_POD_SECURITY_CONFIG enforces baseline (kube's default is privileged: Skiff is secure by default) and warns
 * and audits at baseline, so a Deployment whose template would be refused says so when it is written. kube-system is
 * exempt, as kube's docs advise, for the cluster's own components.
 */
export const DEFAULT_POD_SECURITY_CONFIG: PodSecurityConfig = {
  defaults: {
    enforce: { level: 'baseline', version: 'latest' },
    audit: { level: 'baseline', version: 'latest' },
    warn: { level: 'baseline', version: 'latest' },
  },
  exemptions: { usernames: [], namespaces: ['kube-system'], runtimeClasses: [] },
};

const VERSION = /^(latest|v1\.(0|[1-9]\d*))$/;

/** levelError says what is wrong with a level value, or undefined when it is one of the three. */
export function levelError(value: string): string | undefined {
  return (LEVELS as readonly string[]).includes(value) ? undefined : `must be one of ${LEVELS.join(', ')}`;
}

/** versionError says what is wrong with a version value ("latest" or "v1.N"). */
export function versionError(value: string): string | undefined {
  return VERSION.test(value) ? undefined : 'must be "latest" or "v1.<minor>"';
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${field} must be a list of strings`);
  return v as string[];
}

/** parsePodSecurityConfiguration checks a PodSecurityConfiguration object; unset defaults keep Skiff's. */
export function parsePodSecurityConfiguration(obj: unknown, where: string): PodSecurityConfig {
  const o = (obj ?? {}) as { kind?: string; defaults?: Record<string, unknown>; exemptions?: Record<string, unknown> };
  if (o.kind !== undefined && o.kind !== 'PodSecurityConfiguration') throw new Error(`${where}: kind must be PodSecurityConfiguration, got "${o.kind}"`);
  const defaults = structuredClone(DEFAULT_POD_SECURITY_CONFIG.defaults);
  for (const mode of MODES) {
    const level = o.defaults?.[mode];
    const version = o.defaults?.[`${mode}-version`];
    if (level !== undefined) {
      const err = typeof level === 'string' ? levelError(level) : 'must be a string';
      if (err) throw new Error(`${where}: defaults.${mode} ${err}`);
      defaults[mode].level = level as Level;
    }
    if (version !== undefined) {
      const err = typeof version === 'string' ? versionError(version) : 'must be a string';
      if (err) throw new Error(`${where}: defaults.${mode}-version ${err}`);
      defaults[mode].version = version as string;
    }
  }
  const ex = o.exemptions;
  const exemptions = ex
    ? {
        usernames: strings(ex['usernames'], `${where}: exemptions.usernames`),
        namespaces: strings(ex['namespaces'], `${where}: exemptions.namespaces`),
        runtimeClasses: strings(ex['runtimeClasses'], `${where}: exemptions.runtimeClasses`),
      }
    : structuredClone(DEFAULT_POD_SECURITY_CONFIG.exemptions);
  return { defaults, exemptions };
}

/**
 * readAdmissionConfig reads an AdmissionConfiguration (YAML or JSON) and returns the PodSecurity plugin's
 * configuration, inline (`configuration`) or in its own file (`path`, relative to this one); without a PodSecurity
 * entry the defaults hold. Throws with the file and field on a bad file.
 */
export function readAdmissionConfig(file: string): PodSecurityConfig {
  const doc = parse(readFileSync(file, 'utf8')) as { kind?: string; plugins?: Array<{ name?: string; path?: string; configuration?: unknown }> } | null;
  if (!doc || doc.kind !== 'AdmissionConfiguration') throw new Error(`${file}: kind must be AdmissionConfiguration`);
  const entry = (doc.plugins ?? []).find((p) => p.name === 'PodSecurity');
  if (!entry) return structuredClone(DEFAULT_POD_SECURITY_CONFIG);
  if (entry.configuration !== undefined) return parsePodSecurityConfiguration(entry.configuration, file);
  if (entry.path) {
    const path = resolve(dirname(file), entry.path);
    return parsePodSecurityConfiguration(parse(readFileSync(path, 'utf8')), path);
  }
  return structuredClone(DEFAULT_POD_SECURITY_CONFIG);
}
