/**
 * @module parseFlags: the one command-line parser of every component, so they all read flags the same way.
 */

/** FlagSpec describes one `--flag`: its environment variable, default and help, and whether it is a switch. */
export interface FlagSpec {
  /** Environment variable read when the flag is not given (an empty value counts as given). */
  env?: string;
  /** Value when neither flag nor variable is given; undefined means the component keeps its own default. */
  default?: string;
  help?: string;
  /** A switch: bare `--flag` means true, and it takes a following `true`/`false` as its value. */
  boolean?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** ParsedFlags answers a flag's value: from the command line, else its variable, else its default. */
export interface ParsedFlags<F extends FlagSpecs> {
  get(name: keyof F & string): string;
  /** isSet is true when the flag or its variable was given. */
  isSet(name: keyof F & string): boolean;
}

/**
 * parseFlags reads `--flag value`, `--flag=value` and bare switches, and answers 'help' for `--help` or `-h`. It
 * throws on a positional argument, an unknown flag, or a flag other than a switch without a value (last, or
 * followed by another flag): no flag is ever silently given "".
 */
export function parseFlags<F extends FlagSpecs>(specs: F, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedFlags<F> | 'help' {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw new Error(`unknown flag --${name}`);
    const next = argv[i + 1];
    if (eq >= 0) given.set(name, arg.slice(eq + 1));
    else if (spec.boolean) given.set(name, next !== undefined && /^(true|false)$/i.test(next) ? argv[++i]! : 'true');
    else if (next === undefined || next.startsWith('--')) throw new Error(`flag --${name} needs a value`);
    else given.set(name, argv[++i]!);
  }
  const fromEnv = (name: string): string | undefined => {
    const v = specs[name]?.env;
    return v === undefined ? undefined : env[v];
  };
  return {
    get: (name) => given.get(name) ?? fromEnv(name) ?? specs[name]?.default ?? '',
    isSet: (name) => given.has(name) || fromEnv(name) !== undefined,
  };
}

/** parseBool reads a switch's value as kube's flags do (true/false, 1/0), naming the flag when it is neither. */
export function parseBool(flag: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new Error(`--${flag} must be true or false, got ${JSON.stringify(text)}`);
}

/** flagUsage is the `--help` text: every flag with its variable, default and help. */
export function flagUsage(command: string, specs: FlagSpecs): string {
  const width = Math.max(...Object.keys(specs).map((f) => f.length)) + 2;
  const envWidth = Math.max(...Object.values(specs).map((s) => (s.env ?? '').length)) + 2;
  const lines = Object.entries(specs).map(([f, s]) => {
    const dflt = s.default === undefined ? '' : ` default ${s.default === '' ? '""' : s.default}`;
    return `  --${f.padEnd(width)} ${(s.env ?? '').padEnd(envWidth)}${dflt}${s.help ? `  (${s.help})` : ''}`.trimEnd();
  });
  return `Usage: ${command} [flags]\n\n${lines.join('\n')}\n`;
}

/**
 * optionsOrExit is how every main.ts reads its options: `--help` prints the usage and exits 0, a bad flag prints
 * the error and the usage to stderr and exits 2, as Go's flag package does.
 */
export function optionsOrExit<T>(component: string, usage: string, parse: () => T | 'help'): T {
  let parsed: T | 'help';
  try {
    parsed = parse();
  } catch (err) {
    process.stderr.write(`${component}: ${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (parsed === 'help') {
    process.stdout.write(usage);
    process.exit(0);
  }
  return parsed;
}
