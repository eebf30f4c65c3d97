/**
 * @module Name and label rules (apimachinery util/validation): each returns the list of messages that apply.
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME_PART = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME_PART})?`;
const ENV_VAR_NAME = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const PERCENT = '[0-9]+%';

const full = (re: string): RegExp => new RegExp(`^${re}$`);
const LABEL_RE = full(DNS1123_LABEL);
const DNS1035_RE = full(DNS1035_LABEL);
const SUBDOMAIN_RE = full(DNS1123_SUBDOMAIN);
const NAME_PART_RE = full(QUALIFIED_NAME_PART);
const LABEL_VALUE_RE = full(LABEL_VALUE);
const ENV_RE = full(ENV_VAR_NAME);
const PERCENT_RE = full(PERCENT);

/** regexError renders apimachinery's RegexError text, double space before "or" included, since users grep for it. */
function regexError(msg: string, re: string, ...examples: string[]): string {
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += ' or ';
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${re}')`;
}

const maxLen = (n: number): string => `must be no more than ${n} characters`;

/** labelRule checks a 63-character label against `re`, reporting kube's message for `pattern` when it misses. */
function labelRule(value: string, re: RegExp, pattern: string, what: string, ...examples: string[]): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!re.test(value)) errs.push(regexError(what, pattern, ...examples));
  return errs;
}

/** isDNS1123Label checks namespace, container, port-free names: at most 63 lowercase alphanumerics and '-'. */
export function isDNS1123Label(value: string): string[] {
  return labelRule(
    value,
    LABEL_RE,
    DNS1123_LABEL,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    'my-name',
    '123-abc',
  );
}

/** isDNS1035Label checks Service names: a DNS-1123 label that starts with a letter, so it is never an address. */
export function isDNS1035Label(value: string): string[] {
  return labelRule(
    value,
    DNS1035_RE,
    DNS1035_LABEL,
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
    'my-name',
    'abc-123',
  );
}

/** isDNS1123Subdomain checks most object names: at most 253 characters of dot-separated labels. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLen(253));
  if (!SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  }
  return errs;
}

/** isQualifiedName checks label and annotation keys: an optional DNS subdomain prefix, '/', and a 63-character name. */
export function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      regexError(
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_PART,
        'MyName',
        'my.name',
        '123-abc',
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !NAME_PART_RE.test(name)) {
    errs.push(
      regexError(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_PART,
        'MyName',
        'my.name',
        '123-abc',
      ),
    );
  }
  return errs;
}

/** isValidLabelValue checks label values: empty, or up to 63 alphanumerics, '-', '_' and '.'. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** isEnvVarName checks container environment variable names. */
export function isEnvVarName(value: string): string[] {
  if (ENV_RE.test(value)) return [];
  return [
    regexError(
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
      ENV_VAR_NAME,
      'my.env-name',
      'MY_ENV.NAME',
      'MyEnvName1',
    ),
  ];
}

/** isValidPortName checks named ports (IANA_SVC_NAME): at most 15 characters, a letter, no leading/double hyphens. */
export function isValidPortName(value: string): string[] {
  const errs: string[] = [];
  if (value.length < 1 || value.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(value)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** isPercent checks IntOrString percentages such as maxSurge "25%". */
export function isPercent(value: string): string[] {
  if (PERCENT_RE.test(value)) return [];
  return [regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT, '1%', '93%')];
}

/** maskTrailingDash lets generateName prefixes such as "web-" pass the name rules, as ValidateObjectMeta does. */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}
